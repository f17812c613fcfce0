#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "infra/postgres/connection.hpp"

namespace auction::postgres {

struct Migration {
    std::string version;  // file name, e.g. "001_create_items.sql"
    std::string sql;
};

/// The files of infra/postgres/migrations, embedded at build time, in file-name order.
const std::vector<Migration>& EmbeddedMigrations();

/// Applies the migrations not yet recorded in schema_migrations, in order, each exactly once. One
/// transaction holds an advisory lock, so replicas starting together apply them once and in turn.
/// Returns the versions it applied.
std::vector<std::string> ApplyMigrations(PgConnection& conn, const std::vector<Migration>& migrations);

/// Connects and applies the embedded migrations, waiting up to `wait` for PostgreSQL to accept
/// connections (it may still be starting, as in compose); other failures are thrown at once.
void MigrateOnStart(const std::string& conninfo, std::chrono::milliseconds wait);

/// True when every given migration is recorded (readiness).
bool MigrationsApplied(PgConnection& conn, const std::vector<Migration>& migrations);

}  // namespace auction::postgres
