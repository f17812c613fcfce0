// The pipeline's Prometheus metrics against the real services: outbox publish latency and backlog,
// the worker's message counters, processing latency and queue depth, pool gauges, refused requests.
#include <gtest/gtest.h>

#include <cmath>

#include "cmd/worker/worker_app.hpp"
#include "infra/rabbitmq/consumer.hpp"
#include "infra/rabbitmq/queue_probe.hpp"
#include "pkg/ids/uuid.hpp"
#include "support/bid_support.hpp"
#include "support/prom_text.hpp"
#include "support/raw_connection.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

using namespace std::chrono_literals;
using Labels = std::map<std::string, std::string>;

std::vector<PromSample> Scrape(unsigned short port) {
    HttpClient client(port);
    const auto res = client.Get("/metrics");
    if (res.status != 200) {
        throw std::runtime_error("GET /metrics answered " + std::to_string(res.status));
    }
    return ParsePromText(res.body);  // throws on anything a Prometheus scrape would reject
}

// The sum over every sample of `name` whose labels include `labels` (0 when there is none).
double Sum(const std::vector<PromSample>& samples, const std::string& name, const Labels& labels = {}) {
    double total = 0;
    for (const auto& s : samples) {
        bool all = s.name == name;
        for (const auto& [k, v] : labels) {
            const auto it = s.labels.find(k);
            all = all && it != s.labels.end() && it->second == v;
        }
        total += all ? s.value : 0;
    }
    return total;
}

void ExpectPoolGaugesConsistent(const std::vector<PromSample>& s, int max_open) {
    const double max = FindSample(s, "auction_db_pool_max_open");
    const double open = FindSample(s, "auction_db_pool_open");
    const double in_use = FindSample(s, "auction_db_pool_in_use");
    const double idle = FindSample(s, "auction_db_pool_idle");
    EXPECT_EQ(max, max_open);
    EXPECT_GE(in_use, 0);
    EXPECT_LE(in_use, open);
    EXPECT_LE(idle, open);
    EXPECT_LE(open, max);
    EXPECT_GE(open, 1) << "the scrape itself leased a connection for the outbox backlog";
    EXPECT_GE(FindSample(s, "auction_db_pool_wait_count_total"), 0);
    EXPECT_GE(FindSample(s, "auction_db_pool_wait_duration_seconds_total"), 0);
}

TEST(OutboxMetrics, PublishLatencyCountsEachEventAndTheBacklogReturnsToZero) {
    const auto port = ApiServer::Shared().port();
    // The API's relay publishes once it holds the publishing lock and has drained what was waiting.
    std::vector<PromSample> settled;
    Eventually(
        [&] {
            settled = Scrape(port);
            return FindSample(settled, "auction_outbox_relay_leader") == 1 &&
                   FindSample(settled, "auction_outbox_backlog") == 0;
        },
        20s);
    ASSERT_EQ(FindSample(settled, "auction_outbox_relay_leader"), 1);
    ASSERT_EQ(FindSample(settled, "auction_outbox_backlog"), 0);
    EXPECT_EQ(FindSample(settled, "auction_outbox_oldest_event_age_seconds"), 0);
    const double count_before = FindSample(settled, "auction_outbox_publish_latency_seconds_count");
    const double published_before = FindSample(settled, "auction_outbox_published_total");
    ASSERT_FALSE(std::isnan(count_before)) << "the histogram is written even before any publish";

    CreateBidItem(UniqueUser("seller"));  // one item.created.v1 through the outbox

    std::vector<PromSample> after;
    Eventually(
        [&] {
            after = Scrape(port);
            return FindSample(after, "auction_outbox_publish_latency_seconds_count") > count_before &&
                   FindSample(after, "auction_outbox_backlog") == 0;
        },
        10s);
    EXPECT_EQ(FindSample(after, "auction_outbox_publish_latency_seconds_count"), count_before + 1);
    EXPECT_EQ(FindSample(after, "auction_outbox_published_total"), published_before + 1);
    EXPECT_EQ(FindSample(after, "auction_outbox_backlog"), 0);
    // Published within seconds, not minutes: the event lands in a finite bucket.
    EXPECT_EQ(FindSample(after, "auction_outbox_publish_latency_seconds_bucket", {{"le", "10"}}), count_before + 1);
    EXPECT_GT(FindSample(after, "auction_outbox_publish_latency_seconds_sum"), 0);
    EXPECT_EQ(FindSample(after, "auction_outbox_relay_failures_total"),
              FindSample(settled, "auction_outbox_relay_failures_total"));
}

TEST(WorkerMetrics, CountsEachMessageOnceAndShowsTheQueueDepth) {
    ApiServer::Shared();  // migrations applied
    ResetBidQueues();
    const auto item = CreateBidItem(UniqueUser("seller"));
    constexpr int kValid = 6;
    {
        BidPublisher bids;
        for (int i = 0; i < kValid; ++i) {
            bids.Publish("bid.placed", "m" + std::to_string(i) + "-" + item, item, "alice",
                         std::to_string(101 + i) + ".00", "USD");
        }
        bids.PublishRaw("bid.placed.v1", "{not json", "poison-" + item);
        bids.Flush();
    }

    // Nobody consumes yet: the probe the worker's scrape uses sees every message waiting.
    const rabbitmq::Topology topology;
    rabbitmq::QueueDepthProbe probe(TestApiConfig().rabbitmq_url, "test-queue-probe",
                                    {topology.queue, topology.dead_letter_queue}, 0ms);
    const auto waiting = probe.Read();
    ASSERT_TRUE(waiting.has_value());
    ASSERT_EQ(waiting->size(), 2U);
    EXPECT_EQ((*waiting)[0].queue, topology.queue);
    EXPECT_EQ((*waiting)[0].messages, kValid + 1U);
    EXPECT_EQ((*waiting)[0].consumers, 0U);
    EXPECT_EQ((*waiting)[1].messages, 0U);

    auto cfg = TestWorkerConfig("metrics-" + ids::NewUuidV4().substr(0, 4));
    worker::WorkerApp worker(cfg);
    worker.Start(10s);
    const auto port = worker.health_port();
    // Queue depths are read at most once a second, so they may lag the counters: wait for both.
    std::vector<PromSample> s;
    Eventually(
        [&] {
            s = Scrape(port);
            return FindSample(s, "auction_worker_messages_acked_total") +
                           FindSample(s, "auction_worker_messages_dead_lettered_total") >=
                       kValid + 1 &&
                   FindSample(s, "auction_worker_queue_messages", {{"queue", "auction.bid.all.v1"}}) == 0 &&
                   FindSample(s, "auction_worker_queue_messages", {{"queue", "auction.bid.all.v1.dlq"}}) == 1;
        },
        20s);
    EXPECT_EQ(FindSample(s, "auction_worker_messages_consumed_total"), kValid + 1);
    EXPECT_EQ(FindSample(s, "auction_worker_messages_acked_total"), kValid);
    EXPECT_EQ(FindSample(s, "auction_worker_messages_dead_lettered_total"), 1);
    EXPECT_EQ(FindSample(s, "auction_worker_messages_requeued_total"), 0);
    EXPECT_EQ(FindSample(s, "auction_worker_retries_total"), 0);
    EXPECT_EQ(FindSample(s, "auction_worker_messages_in_flight"), 0);
    EXPECT_EQ(FindSample(s, "auction_worker_consumer_connected"), 1);
    EXPECT_EQ(FindSample(s, "auction_worker_message_processing_seconds_count"), kValid + 1);
    EXPECT_EQ(FindSample(s, "auction_worker_message_processing_seconds_bucket", {{"le", "+Inf"}}), kValid + 1);
    EXPECT_GT(FindSample(s, "auction_worker_message_processing_seconds_sum"), 0);
    const double batches = FindSample(s, "auction_worker_batches_total");
    EXPECT_GE(batches, 1);
    EXPECT_EQ(FindSample(s, "auction_worker_batch_handler_seconds_count"), batches);
    // Drained: nothing waits in the work queue, the poison message waits in the dead-letter queue.
    EXPECT_EQ(FindSample(s, "auction_worker_queue_messages", {{"queue", "auction.bid.all.v1"}}), 0);
    EXPECT_EQ(FindSample(s, "auction_worker_queue_messages", {{"queue", "auction.bid.all.v1.dlq"}}), 1);
    EXPECT_EQ(FindSample(s, "auction_worker_queue_consumers", {{"queue", "auction.bid.all.v1"}}), 1);
    EXPECT_FALSE(std::isnan(FindSample(s, "auction_outbox_backlog")));
    EXPECT_FALSE(std::isnan(FindSample(s, "auction_outbox_publish_latency_seconds_count")));
    ExpectPoolGaugesConsistent(s, cfg.postgres.max_open_conns);
    // The health port counts its own requests: the scrapes above.
    EXPECT_GE(Sum(s, "auction_http_requests_total", {{"route", "/metrics"}, {"status", "200"}}), 1);
    worker.Stop();
}

TEST(WorkerMetrics, QueueProbeAnswersNothingForAMissingQueueAndRecovers) {
    ResetBidQueues();
    const rabbitmq::Topology topology;
    rabbitmq::QueueDepthProbe missing(TestApiConfig().rabbitmq_url, "test-queue-probe-missing",
                                      {topology.queue, "no.such.queue." + ids::NewUuidV4()}, 0ms);
    const auto started = std::chrono::steady_clock::now();
    EXPECT_FALSE(missing.Read().has_value()) << "a passive declare never creates the queue";
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
    // The probe's connection was reset with the closed channel; a later read works again.
    rabbitmq::QueueDepthProbe probe(TestApiConfig().rabbitmq_url, "test-queue-probe", {topology.queue}, 0ms);
    EXPECT_TRUE(probe.Read().has_value());
    EXPECT_TRUE(probe.Read().has_value()) << "the kept connection answers a second read";
}

TEST(ApiMetrics, PoolGaugesAreConsistent) {
    ExpectPoolGaugesConsistent(Scrape(ApiServer::Shared().port()),
                               ApiServer::Shared().app().config().postgres.max_open_conns);
}

TEST(ApiMetrics, RequestsRefusedBeforeRoutingAreCounted) {
    const auto port = ApiServer::Shared().port();
    const Labels too_large = {{"route", "/api/v1/items"}, {"method", "POST"}, {"status", "413"}};
    const Labels unparsable = {{"route", "unmatched"}, {"status", "400"}};
    const auto before = Scrape(port);

    HttpClient client(port);
    const std::string big(ApiServer::Shared().app().config().body_limit_bytes + 1, 'a');
    ASSERT_EQ(client.Request("POST", "/api/v1/items", big, {{"Content-Type", "application/json"}}).status, 413);

    RawConnection raw(port);
    ASSERT_TRUE(raw.connected());
    ASSERT_TRUE(raw.Send("this is not HTTP\r\n\r\n"));
    bool closed = false;
    const auto answer = raw.ReadAll(std::chrono::seconds(10), closed);
    EXPECT_TRUE(closed);
    ASSERT_EQ(answer.rfind("HTTP/1.1 400", 0), 0U) << answer;

    const auto after = Scrape(port);
    EXPECT_EQ(Sum(after, "auction_http_requests_total", too_large),
              Sum(before, "auction_http_requests_total", too_large) + 1);
    EXPECT_EQ(Sum(after, "auction_http_requests_total", unparsable),
              Sum(before, "auction_http_requests_total", unparsable) + 1);
}

}  // namespace
}  // namespace auction::testing
