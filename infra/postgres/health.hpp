#pragma once

#include "infra/postgres/pool.hpp"
#include "ports/health.hpp"

namespace auction::postgres {

/// The "postgres" and "migrations" checks through the pool: a connection answers, and every embedded
/// migration is recorded ("unknown" when PostgreSQL cannot be asked).
class PostgresReadiness : public ports::ReadinessCheck {
public:
    explicit PostgresReadiness(PgPool& pool) : pool_(pool) {}
    ports::CheckResults Check() override;

private:
    PgPool& pool_;
};

/// The pool's stats (the design's `max_open open in_use idle wait_count wait_duration_ms`) as the
/// auction_db_pool_* gauges and counters.
class PoolMetrics : public ports::MetricsSource {
public:
    explicit PoolMetrics(PgPool& pool) : pool_(pool) {}
    void WriteMetrics(std::string& out) override;

private:
    PgPool& pool_;
};

/// The outbox's backlog and oldest event's age: one query through the pool at scrape time (a scrape reads it
/// rather than the hot path maintaining a gauge), left out when PostgreSQL cannot be asked.
class OutboxBacklogMetrics : public ports::MetricsSource {
public:
    explicit OutboxBacklogMetrics(PgPool& pool) : pool_(pool) {}
    void WriteMetrics(std::string& out) override;

private:
    PgPool& pool_;
};

}  // namespace auction::postgres
