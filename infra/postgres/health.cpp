#include "infra/postgres/health.hpp"

#include <algorithm>

#include "infra/postgres/migrator.hpp"
#include "pkg/logging/logger.hpp"
#include "pkg/metrics/metrics.hpp"

namespace auction::postgres {

ports::CheckResults PostgresReadiness::Check() {
    try {
        auto lease = pool_.Acquire();
        const bool migrated = MigrationsApplied(*lease, EmbeddedMigrations());
        return {{"postgres", "ok"}, {"migrations", migrated ? "ok" : "fail"}};
    } catch (const std::exception& e) {
        logging::Warn("readiness: PostgreSQL unreachable", {{"error", e.what()}});
        return {{"postgres", "fail"}, {"migrations", "unknown"}};
    }
}

void PoolMetrics::WriteMetrics(std::string& out) {
    const auto stats = pool_.Stats();
    metrics::WriteGauge(out, "auction_db_pool_max_open", "Most connections the pool may open (MaxOpenConns).",
                        stats.max_open);
    metrics::WriteGauge(out, "auction_db_pool_open", "Connections open, in use or idle.", stats.open);
    metrics::WriteGauge(out, "auction_db_pool_in_use", "Connections leased out.", stats.in_use);
    metrics::WriteGauge(out, "auction_db_pool_idle", "Idle connections.", stats.idle);
    metrics::WriteCounter(out, "auction_db_pool_wait_count_total", "Acquisitions that had to wait for a connection.",
                          static_cast<double>(stats.wait_count));
    metrics::WriteCounter(out, "auction_db_pool_wait_duration_seconds_total",
                          "Total time spent waiting for a connection.",
                          static_cast<double>(stats.wait_duration_ms) / 1000.0);
}

void OutboxBacklogMetrics::WriteMetrics(std::string& out) {
    try {
        auto lease = pool_.Acquire();
        const auto rows = lease->Exec(
            "SELECT count(*), COALESCE((extract(epoch FROM clock_timestamp() - min(created_at)) * 1000000)::bigint, 0) "
            "FROM outbox_events");
        metrics::WriteGauge(out, "auction_outbox_backlog", "Outbox events waiting to be published.",
                            static_cast<double>(rows.Int64(0, 0)));
        metrics::WriteGauge(out, "auction_outbox_oldest_event_age_seconds",
                            "Age of the oldest unpublished outbox event (0 when there is none).",
                            static_cast<double>(std::max<std::int64_t>(0, rows.Int64(0, 1))) / 1e6);
    } catch (const std::exception& e) {
        logging::Warn("metrics: cannot read the outbox backlog", {{"error", e.what()}});
    }
}

}  // namespace auction::postgres
