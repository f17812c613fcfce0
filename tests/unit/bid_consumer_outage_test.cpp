// The worker's retry budget is for failures on a working connection; an unreachable database must not
// dead-letter valid bids (the chaos test, docs/CHAOS.md, lost them when a restart outlasted the backoff).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "infra/postgres/bid_repository.hpp"
#include "infra/postgres/pool.hpp"
#include "infra/rabbitmq/consumer.hpp"
#include "internal/consumers/bid_consumer.hpp"

namespace {

using namespace auction;
using namespace std::chrono_literals;

TEST(BidConsumerOutage, HoldsAValidBidWhileTheDatabaseIsUnreachableInsteadOfDeadLetteringIt) {
    config::WorkerConfig cfg;
    cfg.postgres.hosts = {"127.0.0.1"};
    cfg.postgres.ports = {1};  // nothing listens: every connect is refused at once
    cfg.postgres.database = "none";
    cfg.postgres.username = "none";
    cfg.postgres.max_open_conns = 1;
    cfg.postgres.max_idle_conns = 1;
    cfg.retry_max_attempts = 2;
    cfg.retry_backoff_initial = 10ms;
    cfg.retry_backoff_max = 20ms;
    postgres::PgPool pool(cfg.postgres, "unit-outage");
    postgres::PgBidStore store(pool);
    consumers::BidConsumer consumer(store, cfg);

    rabbitmq::Delivery d;
    d.routing_key = "bid.placed.v1";
    d.body =
        R"({"event":"bid.placed","version":"v1","timestamp":"2024-01-16T10:00:00Z","traceId":"t","correlationId":"c",)"
        R"("payload":{"bidId":"b-1","itemId":"0190a000-0000-7000-8000-000000000001","userId":"u",)"
        R"("amount":"150.00","currencyCode":"USD"}})";
    std::atomic<bool> stopping{false};
    // Far more than retry_max_attempts backoffs fit in 600 ms; the bid must still be held, then handed back.
    std::thread stopper([&stopping] {
        std::this_thread::sleep_for(600ms);
        stopping = true;
    });
    const std::vector<rabbitmq::Delivery> batch{d};
    const auto outcomes = consumer.Handle(batch, stopping);
    stopper.join();
    ASSERT_EQ(outcomes.size(), 1U);
    EXPECT_EQ(outcomes[0].verdict, rabbitmq::Verdict::kRequeue) << outcomes[0].reason;
}

}  // namespace
