// Health, readiness and Prometheus metrics of both programs, against the real services.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <sstream>

#include "cmd/worker/worker_app.hpp"
#include "pkg/ids/uuid.hpp"
#include "pkg/metrics/families.hpp"
#include "support/bid_support.hpp"
#include "support/prom_text.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

using namespace std::chrono_literals;

std::string Check(const HttpResult& res, const char* name) {
    const auto body = res.Json();
    const auto* value = body.at("checks").as_object().if_contains(name);
    return value != nullptr ? std::string(value->as_string()) : std::string("<missing>");
}

// /readyz once it answers `status`, else its last answer when `timeout` passed first.
HttpResult ReadyzWhen(HttpClient& client, int status, std::chrono::milliseconds timeout) {
    HttpResult res;
    Eventually(
        [&] {
            res = client.Get("/readyz");
            return res.status == status;
        },
        timeout);
    return res;
}

// Brings RabbitMQ's application back even when an assertion ends the test early.
struct RabbitRestarter {
    ~RabbitRestarter() { EXPECT_EQ(RunScriptFunction("auction_start_rabbitmq_app"), 0); }
};

// Every family a scrape shows is declared in pkg/metrics/families.hpp with the same type and help text (the
// registry is what docs/METRICS.md is checked against).
void ExpectOnlyDeclaredFamilies(const std::string& body) {
    std::istringstream lines(body);
    std::string line;
    int families_seen = 0;
    while (std::getline(lines, line)) {
        const bool type = line.rfind("# TYPE ", 0) == 0;
        const bool help = line.rfind("# HELP ", 0) == 0;
        if (!type && !help) {
            continue;
        }
        const auto rest = line.substr(7);
        const auto space = rest.find(' ');
        const auto name = rest.substr(0, space);
        const auto tail = space == std::string::npos ? std::string() : rest.substr(space + 1);
        const auto* const* found = std::find_if(metrics::families::kAll.begin(), metrics::families::kAll.end(),
                                                [&](const metrics::Family* f) { return f->name == name; });
        if (found == metrics::families::kAll.end()) {
            ADD_FAILURE() << "undeclared metric family " << name;
            continue;
        }
        if (type) {
            ++families_seen;
            EXPECT_EQ(tail, metrics::TypeName((*found)->type)) << name;
        } else {
            EXPECT_EQ(tail, (*found)->help) << name;
        }
    }
    EXPECT_GT(families_seen, 10);
}

TEST(HealthApi, HealthzAnswersWhileTheProcessRuns) {
    HttpClient client(ApiServer::Shared().port());
    const auto res = client.Get("/healthz");
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.Header("content-type"), "application/json");
    EXPECT_EQ(res.Json(), boost::json::parse(R"({"status":"ok"})"));
}

TEST(HealthApi, ReadyzIsReadyWithEveryCheckOk) {
    HttpClient client(ApiServer::Shared().port());
    const auto res = client.Get("/readyz");
    ASSERT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(res.Header("content-type"), "application/json");
    EXPECT_EQ(res.Json(),
              boost::json::parse(R"({"status":"ready","checks":{"postgres":"ok","migrations":"ok","rabbitmq":"ok"}})"));
}

TEST(HealthApi, ReadyzIs503NamingRabbitmqWhileItIsDown) {
    HttpClient client(ApiServer::Shared().port());
    ASSERT_EQ(client.Get("/readyz").status, 200);
    {
        RabbitRestarter restart;
        ASSERT_EQ(RunScriptFunction("auction_stop_rabbitmq_app"), 0);
        // The broker probe is cached for about a second.
        const auto down = ReadyzWhen(client, 503, 10s);
        ASSERT_EQ(down.status, 503) << down.body;
        EXPECT_EQ(down.Header("content-type"), "application/json");
        EXPECT_EQ(down.Json().at("status"), "not_ready");
        EXPECT_EQ(Check(down, "rabbitmq"), "fail");
        EXPECT_EQ(Check(down, "postgres"), "ok");
        EXPECT_EQ(Check(down, "migrations"), "ok");
        // A probe storm while it is down answers from the cache: quickly, and without piling up.
        const auto started = std::chrono::steady_clock::now();
        for (int i = 0; i < 50; ++i) {
            EXPECT_EQ(client.Get("/readyz").status, 503);
        }
        EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
        // /healthz does not depend on the broker.
        EXPECT_EQ(client.Get("/healthz").status, 200);
    }
    const auto up = ReadyzWhen(client, 200, 30s);
    EXPECT_EQ(up.status, 200) << up.body;
}

TEST(MetricsApi, CountsRequestsByRoutePatternAndParsesAsPrometheusText) {
    HttpClient client(ApiServer::Shared().port());
    const auto missing = ids::NewUuidV4();
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(client.Get("/api/v1/items/" + missing).status, 404);
    }
    ASSERT_EQ(client.Get("/api/v1/categories").status, 200);
    ASSERT_EQ(client.Get("/no/such/route").status, 404);

    const auto res = client.Get("/metrics");
    ASSERT_EQ(res.status, 200);
    EXPECT_EQ(res.Header("content-type").rfind("text/plain; version=0.0.4", 0), 0U) << res.Header("content-type");
    std::vector<PromSample> samples;
    ASSERT_NO_THROW(samples = ParsePromText(res.body)) << res.body;

    EXPECT_GE(FindSample(samples, "auction_http_requests_total",
                         {{"route", "/api/v1/items/:id"}, {"method", "GET"}, {"status", "404"}}),
              3);
    EXPECT_GE(FindSample(samples, "auction_http_requests_total",
                         {{"route", "/api/v1/categories"}, {"method", "GET"}, {"status", "200"}}),
              1);
    EXPECT_GE(FindSample(samples, "auction_http_requests_total", {{"route", "unmatched"}, {"status", "404"}}), 1);
    EXPECT_GE(FindSample(samples, "auction_http_request_duration_seconds_count",
                         {{"route", "/api/v1/items/:id"}, {"status_class", "4xx"}}),
              3);
    EXPECT_FALSE(std::isnan(FindSample(samples, "auction_http_request_duration_seconds_bucket",
                                       {{"route", "/api/v1/items/:id"}, {"status_class", "4xx"}, {"le", "+Inf"}})));
    for (const auto& s : samples) {
        const auto route = s.labels.find("route");
        if (route != s.labels.end()) {
            EXPECT_EQ(route->second.find(missing), std::string::npos) << "raw path as a label: " << route->second;
        }
    }
    for (const char* name : {"auction_outbox_backlog", "auction_outbox_published_total", "auction_db_pool_max_open",
                             "auction_db_pool_open", "auction_db_pool_in_use", "auction_db_pool_idle",
                             "auction_db_pool_wait_count_total", "auction_db_pool_wait_duration_seconds_total"}) {
        EXPECT_FALSE(std::isnan(FindSample(samples, name))) << name << " missing in\n" << res.body;
    }
    EXPECT_GE(FindSample(samples, "auction_outbox_backlog"), 0);
    EXPECT_EQ(FindSample(samples, "auction_db_pool_max_open"), ApiServer::Shared().app().pool().Stats().max_open);
    ExpectOnlyDeclaredFamilies(res.body);
}

TEST(HealthWorker, HealthPortAnswersHealthzReadyzAndMetrics) {
    ApiServer::Shared();  // migrations applied
    auto cfg = TestWorkerConfig("health-" + ids::NewUuidV4().substr(0, 4));
    ASSERT_EQ(cfg.health_port, 0);
    worker::WorkerApp worker(cfg);
    worker.Start(10s);
    ASSERT_NE(worker.health_port(), 0);
    HttpClient client(worker.health_port());

    const auto health = client.Get("/healthz");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(health.Json(), boost::json::parse(R"({"status":"ok"})"));

    const auto ready = ReadyzWhen(client, 200, 10s);
    ASSERT_EQ(ready.status, 200) << ready.body;
    EXPECT_EQ(ready.Json(),
              boost::json::parse(R"({"status":"ready","checks":{"postgres":"ok","migrations":"ok","rabbitmq":"ok"}})"));

    const auto res = client.Get("/metrics");
    ASSERT_EQ(res.status, 200);
    EXPECT_EQ(res.Header("content-type").rfind("text/plain; version=0.0.4", 0), 0U);
    std::vector<PromSample> samples;
    ASSERT_NO_THROW(samples = ParsePromText(res.body)) << res.body;
    for (const char* name :
         {"auction_worker_messages_consumed_total", "auction_worker_messages_acked_total",
          "auction_worker_messages_dead_lettered_total", "auction_worker_messages_requeued_total",
          "auction_worker_batches_total", "auction_db_pool_max_open", "auction_db_pool_open", "auction_db_pool_in_use",
          "auction_db_pool_idle", "auction_db_pool_wait_count_total", "auction_db_pool_wait_duration_seconds_total"}) {
        EXPECT_FALSE(std::isnan(FindSample(samples, name))) << name << " missing in\n" << res.body;
    }
    EXPECT_EQ(FindSample(samples, "auction_db_pool_max_open"), cfg.postgres.max_open_conns);
    ExpectOnlyDeclaredFamilies(res.body);
    worker.Stop();
}

}  // namespace
}  // namespace auction::testing
