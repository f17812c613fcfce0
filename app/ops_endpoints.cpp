#include "app/ops_endpoints.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/object.hpp>

#include "app/handlers.hpp"
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
    // Read after the checks: a drain that began while they ran already counts.
    const bool draining = draining_;
    const char* status = draining ? "draining" : ready ? "ready" : "not_ready";
    const boost::json::object body{{"status", status}, {"checks", std::move(checks)}};
    co_return JsonResponse(ctx, ready && !draining ? 200 : 503, body);
}

boost::asio::awaitable<Response> OpsEndpoints::Metrics(RequestContext& ctx) {
    auto work = [this] { return metrics_(); };
    std::string text = co_await pool_.Run(std::move(work));
    Response res{http::status::ok, ctx.request.version()};
    res.set(http::field::content_type, metrics::kContentType);
    res.body() = std::move(text);
    co_return res;
}

}  // namespace auction::app
