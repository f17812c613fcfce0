#include "infra/postgres/migrator.hpp"

#include <set>
#include <thread>

#include "pkg/logging/logger.hpp"

namespace auction::postgres {

namespace {

constexpr const char* kLockKey = "7243100001";  // fixed advisory-lock key for migrations

}  // namespace

std::vector<std::string> ApplyMigrations(PgConnection& conn, const std::vector<Migration>& migrations) {
    std::vector<std::string> applied;
    PgTransaction tx(conn);
    conn.ExecParams("SELECT pg_advisory_xact_lock($1::bigint)", {kLockKey});
    conn.Exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version VARCHAR(255) PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
    std::set<std::string> done;
    auto rows = conn.Exec("SELECT version FROM schema_migrations");
    for (int i = 0; i < rows.Rows(); ++i) {
        done.insert(rows.String(i, 0));
    }
    for (const auto& m : migrations) {
        if (done.count(m.version) != 0) {
            continue;
        }
        conn.Exec(m.sql);
        conn.ExecParams("INSERT INTO schema_migrations (version) VALUES ($1)", {m.version});
        applied.push_back(m.version);
    }
    tx.Commit();
    for (const auto& v : applied) {
        logging::Info("Applied migration", {{"version", v}});
    }
    return applied;
}

void MigrateOnStart(const std::string& conninfo, std::chrono::milliseconds wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
        try {
            auto conn = PgConnection::Connect(conninfo, std::chrono::minutes(5));
            ApplyMigrations(*conn, EmbeddedMigrations());
            return;
        } catch (const PgError& e) {
            if (!e.connection_lost() || std::chrono::steady_clock::now() >= deadline) {
                throw;
            }
            logging::Warn("waiting for PostgreSQL", {{"error", e.what()}});
            std::this_thread::sleep_for(std::chrono::seconds(1));
        }
    }
}

bool MigrationsApplied(PgConnection& conn, const std::vector<Migration>& migrations) {
    auto exists = conn.Exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
    if (!exists.Bool(0, 0)) {
        return false;
    }
    std::set<std::string> done;
    auto rows = conn.Exec("SELECT version FROM schema_migrations");
    for (int i = 0; i < rows.Rows(); ++i) {
        done.insert(rows.String(i, 0));
    }
    for (const auto& m : migrations) {
        if (done.count(m.version) == 0) {
            return false;
        }
    }
    return true;
}

}  // namespace auction::postgres
