// auction-worker semantics on the real RabbitMQ and PostgreSQL, with an in-process worker.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <random>
#include <thread>

#include "cmd/worker/worker_app.hpp"
#include "pkg/ids/uuid.hpp"
#include "support/bid_support.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

using namespace std::chrono_literals;

class Worker : public ::testing::Test {
protected:
    void SetUp() override {
        ApiServer::Shared();  // migrations applied, API available for creating items
        ResetBidQueues();
        worker_ = std::make_unique<worker::WorkerApp>(TestWorkerConfig("test-" + ids::NewUuidV4().substr(0, 4)));
        worker_->Start(10s);
        seller_ = UniqueUser("seller");
    }
    void TearDown() override { worker_->Stop(); }

    bool Settled(std::uint64_t messages) {
        return Eventually([&] {
            auto s = worker_->Stats();
            return s.acked + s.dead_lettered >= messages;
        });
    }

    std::unique_ptr<worker::WorkerApp> worker_;
    BidPublisher bids_;
    std::string seller_;
};

TEST_F(Worker, PlacedBidRaisesThePriceOnlyWhenHigherActiveAndSameCurrency) {
    const auto item = CreateBidItem(seller_);
    bids_.Publish("bid.placed", "b1-" + item, item, "alice", "150.00", "USD");
    bids_.Publish("bid.placed", "b2-" + item, item, "bob", "120.00", "USD");    // lower: no change
    bids_.Publish("bid.placed", "b3-" + item, item, "carol", "150.00", "USD");  // equal: no change
    bids_.Flush();
    ASSERT_TRUE(Settled(3));
    EXPECT_EQ(ReadItem(item).current_price, "150.00");
    EXPECT_EQ(worker_->Stats().dead_lettered, 0U);
}

TEST_F(Worker, PoisonMessagesGoToTheDeadLetterQueueWithTheirReason) {
    const auto item = CreateBidItem(seller_, "EUR");
    bids_.Publish("bid.placed", "p1-" + item, item, "alice", "150.00", "USD");  // wrong currency
    bids_.Publish("bid.placed", "p2-" + item, "0190b6a0-0000-7000-8000-00000000beef", "alice", "150.00", "EUR");
    bids_.PublishRaw("bid.placed.v1", "{not json", "p3-" + item);
    bids_.PublishRaw("bid.placed.v1", R"({"event":"bid.placed","version":"v1","payload":{"bidId":"p4"}})",
                     "p4-" + item);
    bids_.Publish("bid.won", "p5-" + item, item, "alice", "1.00", "GBP");  // won, wrong currency
    bids_.Flush();
    ASSERT_TRUE(Settled(5));
    EXPECT_EQ(worker_->Stats().dead_lettered, 5U);
    auto dead = DrainQueue("auction.bid.all.v1.dlq", 2s);
    ASSERT_EQ(dead.size(), 5U);
    std::map<std::string, std::string> reasons;
    for (const auto& d : dead) {
        reasons[d.properties.message_id.empty() ? d.body : d.properties.message_id] = d.headers.at("x-error-reason");
        EXPECT_EQ(d.headers.at("x-original-exchange"), "auction.bid");
        EXPECT_FALSE(d.headers.at("x-original-routing-key").empty());
    }
    EXPECT_EQ(reasons.at("p3-" + item), "body is not a JSON object");
    EXPECT_NE(reasons.at("p4-" + item).find("payload.itemId"), std::string::npos);
    std::size_t currency = 0;
    std::size_t unknown = 0;
    for (const auto& [id, reason] : reasons) {
        currency += reason.find("currency") != std::string::npos ? 1 : 0;
        unknown += reason == "unknown item" ? 1 : 0;
    }
    EXPECT_EQ(currency, 2U);
    EXPECT_EQ(unknown, 1U);
    EXPECT_EQ(ReadItem(item).current_price, "100.00");
}

TEST_F(Worker, DuplicatesAndShuffledOrderConvergeToTheHighestBid) {
    std::vector<std::string> items;
    for (int i = 0; i < 8; ++i) {
        items.push_back(CreateBidItem(seller_));
    }
    struct Bid {
        std::string id;
        std::string item;
        int cents;
    };
    std::vector<Bid> all;
    std::mt19937 rng(42);
    std::map<std::string, int> highest;
    for (int n = 0; n < 400; ++n) {
        Bid b{"dup-" + ids::NewUuidV4(), items[static_cast<std::size_t>(n) % items.size()],
              10001 + static_cast<int>(rng() % 50000)};
        highest[b.item] = std::max(highest[b.item], b.cents);
        all.push_back(b);
        all.push_back(b);  // every bid delivered twice
    }
    std::shuffle(all.begin(), all.end(), rng);
    for (const auto& b : all) {
        bids_.Publish("bid.placed", b.id, b.item, "bidder", domain::FormatMoney(domain::Money{b.cents}), "USD");
    }
    bids_.Flush();
    ASSERT_TRUE(Settled(all.size()));
    for (const auto& item : items) {
        EXPECT_EQ(ReadItem(item).current_price, domain::FormatMoney(domain::Money{highest[item]})) << item;
    }
    auto conn = postgres::PgConnection::Connect(TestApiConfig().postgres.ConnInfo("t"), 5s);
    EXPECT_EQ(conn->ExecParams("SELECT count(*) FROM processed_bid_events WHERE item_id = ANY($1::uuid[])",
                               {postgres::FormatTextArray(items)})
                  .Int64(0, 0),
              400);
    EXPECT_EQ(worker_->Stats().dead_lettered, 0U);
}

TEST_F(Worker, WonBidSellsTheItemOnceAndPublishesItemUpdated) {
    EventTap tap("auction.item", "item.updated.v1");
    const auto item = CreateBidItem(seller_);
    const auto bid = "won-" + item;
    bids_.Publish("bid.placed", "pl-" + item, item, "alice", "140.00", "USD");
    bids_.Publish("bid.won", bid, item, "alice", "140.00", "USD");
    bids_.Publish("bid.won", bid, item, "alice", "140.00", "USD");              // redelivered
    bids_.Publish("bid.placed", "late-" + item, item, "bob", "999.00", "USD");  // after the sale: ignored
    bids_.Publish("bid.won", "other-" + item, item, "bob", "150.00", "USD");    // sold already: poison
    bids_.Flush();
    ASSERT_TRUE(Settled(5));
    auto row = ReadItem(item);
    EXPECT_EQ(row.status, "sold");
    EXPECT_EQ(row.buyer_id.value_or(""), "alice");
    EXPECT_EQ(row.current_price, "140.00");
    EXPECT_EQ(worker_->Stats().dead_lettered, 1U);

    auto events = tap.Collect(
        [&](const rabbitmq::Delivery& d) {
            return boost::json::parse(d.body).at("payload").at("id").as_string() == item;
        },
        10s, 1);
    ASSERT_EQ(events.size(), 1U) << "one item.updated.v1 for the sale, none for the duplicate";
    auto body = boost::json::parse(events[0].body).as_object();
    EXPECT_EQ(body.at("traceId").as_string(), "trace-" + bid);
    EXPECT_EQ(body.at("correlationId").as_string(), "corr-" + bid);
    auto payload = body.at("payload").as_object();
    EXPECT_EQ(payload.at("status").as_string(), "sold");
    EXPECT_EQ(payload.at("buyerId").as_string(), "alice");
    EXPECT_EQ(payload.at("currentPrice").as_string(), "140.00");
    HttpClient client(ApiServer::Shared().port());
    EXPECT_EQ(client.Get("/api/v1/items/" + item).Json().as_object(), payload) << "the event is the item as stored";
}

TEST_F(Worker, NeverHoldsMoreThanThePoolSizeInFlight) {
    // A slow database (a held row lock) makes in-flight work pile up: the consumer must stop taking more.
    const auto item = CreateBidItem(seller_);
    auto blocker = postgres::PgConnection::Connect(TestApiConfig().postgres.ConnInfo("t"), 60s);
    blocker->Exec("BEGIN");
    blocker->ExecParams("SELECT 1 FROM items WHERE id = $1::uuid FOR UPDATE", {item});
    for (int i = 0; i < 50; ++i) {
        bids_.Publish("bid.placed", "bp-" + std::to_string(i) + "-" + item, item, "u", std::to_string(101 + i) + ".00",
                      "USD");
    }
    bids_.Flush();
    std::this_thread::sleep_for(1s);
    const auto cfg = TestWorkerConfig("x");
    EXPECT_LE(worker_->Stats().received,
              static_cast<std::uint64_t>(std::min(cfg.prefetch_count, cfg.worker_pool_size)));
    blocker->Exec("COMMIT");
    ASSERT_TRUE(Settled(50));
    EXPECT_EQ(ReadItem(item).current_price, "150.00");
}

}  // namespace
}  // namespace auction::testing

namespace auction::testing {
namespace {

TEST_F(Worker, SurvivesABrokerRestartAndLosesNothing) {
    std::vector<std::string> items;
    for (int i = 0; i < 4; ++i) {
        items.push_back(CreateBidItem(seller_));
    }
    std::map<std::string, int> highest;
    std::vector<std::string> bid_ids;
    auto publish = [&](BidPublisher& publisher, int from, int count) {
        for (int n = from; n < from + count; ++n) {
            const auto& item = items[static_cast<std::size_t>(n) % items.size()];
            const int cents = 10001 + n * 7;
            highest[item] = std::max(highest[item], cents);
            bid_ids.push_back("restart-" + ids::NewUuidV4());
            publisher.Publish("bid.placed", bid_ids.back(), item, "bidder", domain::FormatMoney(domain::Money{cents}),
                              "USD");
        }
        publisher.Flush();
    };
    publish(bids_, 0, 200);
    ASSERT_EQ(RunScriptFunction("auction_stop_rabbitmq_app"), 0);
    ASSERT_EQ(RunScriptFunction("auction_start_rabbitmq_app"), 0);
    BidPublisher after_restart;  // the old publisher connection died with the broker
    publish(after_restart, 200, 200);

    auto conn = postgres::PgConnection::Connect(TestApiConfig().postgres.ConnInfo("t"), 5s);
    const auto array = postgres::FormatTextArray(items);
    EXPECT_TRUE(Eventually(
        [&] {
            return conn->ExecParams("SELECT count(*) FROM processed_bid_events WHERE item_id = ANY($1::uuid[])",
                                    {array})
                       .Int64(0, 0) == static_cast<std::int64_t>(bid_ids.size());
        },
        60s))
        << "every bid, before and after the restart, applied once";
    for (const auto& item : items) {
        EXPECT_EQ(ReadItem(item).current_price, domain::FormatMoney(domain::Money{highest[item]}));
    }
    EXPECT_TRUE(worker_->Stats().connected) << "the consumer reconnected";
}

}  // namespace
}  // namespace auction::testing
