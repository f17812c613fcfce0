#include "app/ops_endpoints.hpp"

#include <algorithm>
#include <boost/beast/http/field.hpp>
#include <boost/json/object.hpp>

#include "app/handlers.hpp"
#include "infra/postgres/migrator.hpp"
#include "infra/rabbitmq/amqp_connection.hpp"
#include "pkg/logging/logger.hpp"
#include "pkg/metrics/metrics.hpp"

namespace auction::app {

namespace http = boost::beast::http;

namespace {

// Probes are cheap but a storm must not queue without bound: past this the probe gets a 503.
constexpr int kOpsThreads = 2;
constexpr std::size_t kOpsQueueLimit = 256;

}  // namespace

OpsEndpoints::OpsEndpoints(ReadinessFn readiness, MetricsFn metrics)
    : readiness_(std::move(readiness)), metrics_(std::move(metrics)), pool_("ops", kOpsThreads, kOpsQueueLimit) {}

void OpsEndpoints::Register(Router& router) {
    router.Add(http::verb::get, "/healthz", [this](RequestContext& ctx) { return Healthz(ctx); });
    router.Add(http::verb::get, "/readyz", [this](RequestContext& ctx) { return Readyz(ctx); });
    router.Add(http::verb::get, "/metrics", [this](RequestContext& ctx) { return Metrics(ctx); });
}

boost::asio::awaitable<Response> OpsEndpoints::Healthz(RequestContext& ctx) {
    const boost::json::object body{{"status", "ok"}};
    co_return JsonResponse(ctx, 200, body);
}

boost::asio::awaitable<Response> OpsEndpoints::Readyz(RequestContext& ctx) {
    auto work = [this] { return readiness_(); };
    const CheckResults results = co_await pool_.Run(std::move(work));
    boost::json::object checks;
    bool ready = true;
    for (const auto& [name, state] : results) {
        checks[name] = state;
        ready = ready && state == "ok";
    }
    const boost::json::object body{{"status", ready ? "ready" : "not_ready"}, {"checks", std::move(checks)}};
    co_return JsonResponse(ctx, ready ? 200 : 503, body);
}

boost::asio::awaitable<Response> OpsEndpoints::Metrics(RequestContext& ctx) {
    auto work = [this] { return metrics_(); };
    std::string text = co_await pool_.Run(std::move(work));
    Response res{http::status::ok, ctx.request.version()};
    res.set(http::field::content_type, metrics::kContentType);
    res.body() = std::move(text);
    co_return res;
}

CachedAmqpProbe::CachedAmqpProbe(std::string url, std::string connection_name, std::chrono::milliseconds ttl,
                                 std::chrono::milliseconds timeout)
    : url_(std::move(url)), connection_name_(std::move(connection_name)), ttl_(ttl), timeout_(timeout) {}

bool CachedAmqpProbe::Check() {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (checked_at_ && now - *checked_at_ < ttl_) {
        return ok_;
    }
    try {
        rabbitmq::AmqpConnection probe(url_, connection_name_, timeout_);
        ok_ = true;
    } catch (const std::exception& e) {
        logging::Warn("readiness: RabbitMQ unreachable", {{"error", e.what()}});
        ok_ = false;
    }
    checked_at_ = std::chrono::steady_clock::now();
    return ok_;
}

CheckResults CheckPostgres(postgres::PgPool& pool) {
    try {
        auto lease = pool.Acquire();
        const bool migrated = postgres::MigrationsApplied(*lease, postgres::EmbeddedMigrations());
        return {{"postgres", "ok"}, {"migrations", migrated ? "ok" : "fail"}};
    } catch (const std::exception& e) {
        logging::Warn("readiness: PostgreSQL unreachable", {{"error", e.what()}});
        return {{"postgres", "fail"}, {"migrations", "unknown"}};
    }
}

void WritePoolMetrics(std::string& out, const postgres::PoolStats& stats) {
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

void WriteOutboxMetrics(std::string& out, const rabbitmq::OutboxRelay& relay, postgres::PgPool& pool) {
    try {
        // A scrape reads the backlog itself (one aggregate) rather than the hot path maintaining a gauge.
        auto lease = pool.Acquire();
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
    const auto stats = relay.Stats();
    metrics::WriteCounter(out, "auction_outbox_published_total",
                          "Outbox events this process's relay published (broker-confirmed).",
                          static_cast<double>(stats.published));
    metrics::WriteCounter(out, "auction_outbox_relay_failures_total",
                          "Relay rounds that failed on the broker or the database (retried with backoff).",
                          static_cast<double>(stats.failures));
    metrics::WriteGauge(out, "auction_outbox_relay_leader",
                        "1 when this process's relay holds the publishing lock (one relay publishes at a time).",
                        stats.leader ? 1 : 0);
    metrics::WriteHeader(out, "auction_outbox_publish_latency_seconds", "histogram",
                         "Per published event: from the outbox row's created_at to the broker's confirm.");
    relay.publish_latency().Write(out, "auction_outbox_publish_latency_seconds", {});
}

}  // namespace auction::app
