#pragma once

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

/// True when every given migration is recorded (readiness).
bool MigrationsApplied(PgConnection& conn, const std::vector<Migration>& migrations);

}  // namespace auction::postgres
