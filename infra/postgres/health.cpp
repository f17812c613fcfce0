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
    metrics::Write(out, metrics::families::kDbPoolMaxOpen, stats.max_open);
    metrics::Write(out, metrics::families::kDbPoolOpen, stats.open);
    metrics::Write(out, metrics::families::kDbPoolInUse, stats.in_use);
    metrics::Write(out, metrics::families::kDbPoolIdle, stats.idle);
    metrics::Write(out, metrics::families::kDbPoolWaitCountTotal, static_cast<double>(stats.wait_count));
    metrics::Write(out, metrics::families::kDbPoolWaitDurationSecondsTotal,
                   static_cast<double>(stats.wait_duration_ms) / 1000.0);
}

void OutboxBacklogMetrics::WriteMetrics(std::string& out) {
    try {
        auto lease = pool_.Acquire();
        const auto rows = lease->Exec(
            "SELECT count(*), COALESCE((extract(epoch FROM clock_timestamp() - min(created_at)) * 1000000)::bigint, 0) "
            "FROM outbox_events");
        metrics::Write(out, metrics::families::kOutboxBacklog, static_cast<double>(rows.Int64(0, 0)));
        metrics::Write(out, metrics::families::kOutboxOldestEventAgeSeconds,
                       static_cast<double>(std::max<std::int64_t>(0, rows.Int64(0, 1))) / 1e6);
    } catch (const std::exception& e) {
        logging::Warn("metrics: cannot read the outbox backlog", {{"error", e.what()}});
    }
}

}  // namespace auction::postgres
