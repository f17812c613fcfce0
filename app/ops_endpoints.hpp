#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>

#include "app/router.hpp"
#include "pkg/executor/blocking_pool.hpp"
#include "ports/health.hpp"

namespace auction::app {

/// One dependency's readiness: its name in `checks` and "ok", "fail" or "unknown".
using ports::CheckResults;

/// The operational endpoints both programs serve: GET /healthz (the process answers), GET /readyz
/// (the given dependency checks, 503 naming the failing one) and GET /metrics (Prometheus text).
/// The checks and the metrics scrape are blocking (database and broker calls), so they run on a small
/// pool of their own, never on an I/O thread. The mains build the two functions from the ports::ReadinessCheck
/// and ports::MetricsSource implementations of the infrastructure (infra/*/health.hpp).
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
    /// From now on /readyz answers 503 with status "draining" (the process is shutting down: a load balancer
    /// must move away), whatever the dependency checks say; /healthz stays 200.
    void BeginDrain() { draining_ = true; }

    boost::asio::awaitable<Response> Healthz(RequestContext& ctx);
    boost::asio::awaitable<Response> Readyz(RequestContext& ctx);
    boost::asio::awaitable<Response> Metrics(RequestContext& ctx);

private:
    ReadinessFn readiness_;
    MetricsFn metrics_;
    executor::BlockingPool pool_;
    std::atomic<bool> draining_{false};
};

}  // namespace auction::app
