#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/router.hpp"
#include "infra/postgres/pool.hpp"
#include "infra/rabbitmq/outbox_relay.hpp"
#include "pkg/executor/blocking_pool.hpp"

namespace auction::app {

/// One dependency's readiness: its name in `checks` and "ok", "fail" or "unknown".
using CheckResults = std::vector<std::pair<std::string, std::string>>;

/// The operational endpoints both programs serve: GET /healthz (the process answers), GET /readyz
/// (the given dependency checks, 503 naming the failing one) and GET /metrics (Prometheus text).
/// The checks and the metrics scrape are blocking (database and broker calls), so they run on a small
/// pool of their own, never on an I/O thread.
class OpsEndpoints {
public:
    /// Blocking; each dependency's check must be bounded in time (short connect timeouts).
    using ReadinessFn = std::function<CheckResults()>;
    /// Blocking; the whole exposition text.
    using MetricsFn = std::function<std::string()>;

    OpsEndpoints(ReadinessFn readiness, MetricsFn metrics);

    /// Adds the three routes.
    void Register(Router& router);
    /// Finishes queued checks and joins the pool's threads.
    void Stop() { pool_.Stop(); }

    boost::asio::awaitable<Response> Healthz(RequestContext& ctx);
    boost::asio::awaitable<Response> Readyz(RequestContext& ctx);
    boost::asio::awaitable<Response> Metrics(RequestContext& ctx);

private:
    ReadinessFn readiness_;
    MetricsFn metrics_;
    executor::BlockingPool pool_;
};

/// Whether RabbitMQ accepts an AMQP connection (opened with a short timeout, then closed). The answer is
/// kept for `ttl`, so a storm of probes opens at most one connection per `ttl`.
class CachedAmqpProbe {
public:
    CachedAmqpProbe(std::string url, std::string connection_name,
                    std::chrono::milliseconds ttl = std::chrono::seconds(1),
                    std::chrono::milliseconds timeout = std::chrono::seconds(2));
    /// Blocking (up to `timeout` when the answer is stale).
    bool Check();

private:
    std::string url_;
    std::string connection_name_;
    std::chrono::milliseconds ttl_;
    std::chrono::milliseconds timeout_;
    std::mutex mutex_;  // also makes concurrent probes wait for the one connecting
    std::optional<std::chrono::steady_clock::time_point> checked_at_;
    bool ok_ = false;
};

/// The "postgres" and "migrations" checks through `pool`: a connection answers, and every embedded
/// migration is recorded ("unknown" when PostgreSQL cannot be asked).
CheckResults CheckPostgres(postgres::PgPool& pool);

/// The pool's stats (the design's `max_open open in_use idle wait_count wait_duration_ms`) as the
/// auction_db_pool_* gauges and counters.
void WritePoolMetrics(std::string& out, const postgres::PoolStats& stats);

/// The outbox: backlog and oldest event's age (one query through `pool` at scrape time, left out when
/// PostgreSQL cannot be asked) and this process's relay (published, failures, leadership, publish
/// latency). Both programs run a relay; only the leader publishes. Blocking.
void WriteOutboxMetrics(std::string& out, const rabbitmq::OutboxRelay& relay, postgres::PgPool& pool);

}  // namespace auction::app
