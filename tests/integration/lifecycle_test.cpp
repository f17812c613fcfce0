// The item lifecycle (README "Auction lifecycle") on the real PostgreSQL and RabbitMQ: the auction's window for bids,
// the closer (expiry, settlement, the settle timeout, several closers with one killed), late bids, and the API's
// rules that follow the clock. Items end a few seconds from now; the closer runs with a short grace and poll.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <csignal>
#include <map>
#include <set>
#include <thread>

#include "cmd/worker/worker_app.hpp"
#include "domain/bid.hpp"
#include "infra/postgres/bid_repository.hpp"
#include "infra/postgres/connection.hpp"
#include "pkg/ids/uuid.hpp"
#include "pkg/timeutil/rfc3339.hpp"
#include "support/api_assertions.hpp"
#include "support/bid_support.hpp"
#include "support/process.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

std::unique_ptr<postgres::PgConnection> Db() {
    return postgres::PgConnection::Connect(TestApiConfig().postgres.ConnInfo("lifecycle-test"), 5s);
}

// The value of one series in a Prometheus text page ("name{labels}" exactly as written), -1 when absent.
double Metric(const std::string& page, const std::string& series) {
    const auto at = page.find("\n" + series + " ");
    if (at == std::string::npos) {
        return -1;
    }
    return std::stod(page.substr(at + series.size() + 2));
}

bool IsItemEventFor(const rabbitmq::Delivery& d, const std::string& item_id) {
    const auto body = json::parse(d.body).as_object();
    return body.at("payload").at("id").as_string() == item_id;
}

class Lifecycle : public ::testing::Test {
protected:
    void SetUp() override {
        ApiServer::Shared();
        ResetBidQueues();
        client_ = std::make_unique<HttpClient>(ApiServer::Shared().port());
        seller_ = UniqueUser("lifecycle");
    }
    void TearDown() override {
        if (worker_) {
            worker_->Stop();
        }
    }

    void StartWorker(std::chrono::milliseconds settle_timeout = 1h) {
        auto cfg = TestWorkerConfig("life-" + ids::NewUuidV4().substr(0, 4));
        cfg.close_grace = 300ms;
        cfg.close_interval = 100ms;
        cfg.settle_timeout = settle_timeout;
        worker_ = std::make_unique<worker::WorkerApp>(cfg);
        worker_->Start(10s);
    }

    // An item whose auction started an hour ago and ends `ends_in` from now.
    std::string CreateItem(std::chrono::milliseconds ends_in, const std::string& start_offset = "") {
        auto body = SampleItem("Lifecycle lot");
        body["startDate"] = start_offset.empty() ? TimeFromNow(-1h) : start_offset;
        body["endDate"] = TimeFromNow(ends_in);
        auto res = client_->PostJson("/api/v1/items", body, seller_);
        EXPECT_EQ(res.status, 201) << res.body;
        return std::string(res.Json().at("id").as_string());
    }

    // A bid.placed with the envelope timestamp `placed_at` (RFC 3339).
    std::string PlaceBid(const std::string& item, const std::string& amount, const std::string& placed_at) {
        auto bid = "bid-" + ids::NewUuidV4();
        json::object body{
            {"event", "bid.placed"},
            {"version", "v1"},
            {"timestamp", placed_at},
            {"payload",
             {{"bidId", bid}, {"itemId", item}, {"userId", "alice"}, {"amount", amount}, {"currencyCode", "USD"}}}};
        bids_.PublishRaw("bid.placed.v1", json::serialize(body));
        bids_.Flush();
        return bid;
    }

    bool Settled(std::uint64_t messages) {
        return Eventually([&] {
            auto s = worker_->Stats();
            return s.acked + s.dead_lettered >= messages;
        });
    }

    bool StatusBecomes(const std::string& item, const std::string& status, std::chrono::milliseconds timeout = 15s) {
        return Eventually([&] { return ReadItem(item).status == status; }, timeout);
    }

    std::string WorkerMetrics() {
        HttpClient metrics(worker_->health_port());
        return metrics.Get("/metrics").body;
    }

    std::unique_ptr<HttpClient> client_;
    std::unique_ptr<worker::WorkerApp> worker_;
    BidPublisher bids_;
    std::string seller_;
};

TEST_F(Lifecycle, AnItemWithoutBidsExpiresAfterItsEndWithOneEvent) {
    EventTap tap("auction.item", "item.updated.v1");
    StartWorker();
    const auto item = CreateItem(1500ms);
    EXPECT_EQ(ReadItem(item).status, "active");
    ASSERT_TRUE(StatusBecomes(item, "expired"));
    auto events = tap.Collect([&](const rabbitmq::Delivery& d) { return IsItemEventFor(d, item); }, 10s, 1);
    ASSERT_EQ(events.size(), 1U);  // Collect listens one more second for a duplicate
    const auto payload = json::parse(events[0].body).at("payload").as_object();
    EXPECT_EQ(payload.at("status").as_string(), "expired");
    EXPECT_EQ(payload.at("currentPrice").as_string(), "100.00");
    EXPECT_EQ(client_->Get("/api/v1/items/" + item).Json().at("status").as_string(), "expired");
    EXPECT_GE(Metric(WorkerMetrics(), "auction_worker_auctions_closed_total{outcome=\"no_bids\"}"), 1);
}

TEST_F(Lifecycle, AnItemWithBidsAwaitsBidWonAfterItsEndAndIsSold) {
    EventTap tap("auction.item", "item.updated.v1");
    StartWorker();
    const auto item = CreateItem(1500ms);
    PlaceBid(item, "150.00", TimeFromNow(0ms));
    ASSERT_TRUE(Settled(1));
    // Past the end and the grace: still active, awaiting the bid service's settlement.
    std::this_thread::sleep_for(2500ms);
    EXPECT_EQ(ReadItem(item).status, "active");
    bids_.Publish("bid.won", "won-" + item, item, "alice", "150.00", "USD");
    bids_.Flush();
    ASSERT_TRUE(StatusBecomes(item, "sold"));
    auto events = tap.Collect([&](const rabbitmq::Delivery& d) { return IsItemEventFor(d, item); }, 10s, 1);
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(json::parse(events[0].body).at("payload").at("status").as_string(), "sold");
    EXPECT_EQ(worker_->Stats().dead_lettered, 0U);
}

TEST_F(Lifecycle, AnUnsettledItemExpiresAfterTheSettleTimeoutWithAWarningCounted) {
    EventTap tap("auction.item", "item.updated.v1");
    StartWorker(2s);
    const auto created = std::chrono::steady_clock::now();
    const auto item = CreateItem(1000ms);
    PlaceBid(item, "150.00", TimeFromNow(0ms));
    ASSERT_TRUE(Settled(1));
    ASSERT_TRUE(StatusBecomes(item, "expired"));
    // Not at the end plus the grace (1.3 s): after the end plus the settle timeout (3 s), whatever the timing.
    EXPECT_GE(std::chrono::steady_clock::now() - created, 2900ms);
    auto events = tap.Collect([&](const rabbitmq::Delivery& d) { return IsItemEventFor(d, item); }, 10s, 1);
    ASSERT_EQ(events.size(), 1U);
    const auto payload = json::parse(events[0].body).at("payload").as_object();
    EXPECT_EQ(payload.at("status").as_string(), "expired");
    EXPECT_EQ(payload.at("currentPrice").as_string(), "150.00");
    EXPECT_GE(Metric(WorkerMetrics(), "auction_worker_auctions_closed_total{outcome=\"unsettled\"}"), 1);
}

TEST_F(Lifecycle, BidsOutsideTheWindowAreAcknowledgedCountedAndChangeNothing) {
    StartWorker();
    const auto future = CreateItem(2h, TimeFromNow(1h));  // starts in an hour
    const auto open = CreateItem(1h);
    PlaceBid(future, "150.00", TimeFromNow(0ms));    // before its start
    PlaceBid(open, "150.00", TimeFromNow(2h));       // after its end (a bid service's clock, however odd)
    PlaceBid(open, "160.00", TimeFromNow(-2h));      // before its start
    PlaceBid(open, "120.00", TimeFromNow(-1000ms));  // inside: applies
    ASSERT_TRUE(Settled(4));
    EXPECT_EQ(worker_->Stats().dead_lettered, 0U);
    EXPECT_EQ(ReadItem(future).current_price, "100.00");
    EXPECT_EQ(ReadItem(open).current_price, "120.00");
    const auto page = WorkerMetrics();
    EXPECT_EQ(Metric(page, "auction_worker_bids_ignored_total{reason=\"before_start\"}"), 2);
    EXPECT_EQ(Metric(page, "auction_worker_bids_ignored_total{reason=\"after_end\"}"), 1);
}

TEST_F(Lifecycle, ABidTakesTheAmqpTimestampElseItsFirstReceipt) {
    StartWorker();
    const auto item = CreateItem(1h);
    auto body = [&](const std::string& bid, const std::string& amount) {
        return json::serialize(json::object{
            {"event", "bid.placed"},
            {"version", "v1"},
            {"payload",
             {{"bidId", bid}, {"itemId", item}, {"userId", "bob"}, {"amount", amount}, {"currencyCode", "USD"}}}});
    };
    // No envelope timestamp; the AMQP property says two hours ago, before the start: ignored.
    const auto two_hours_ago = static_cast<std::uint64_t>(timeutil::NowMicros() / 1'000'000 - 7200);
    bids_.PublishRaw("bid.placed.v1", body("amqp-" + item, "200.00"), "", two_hours_ago);
    // Neither: the time it was first received (now, inside the window), recorded for redeliveries.
    const auto receipt_bid = "receipt-" + item;
    bids_.PublishRaw("bid.placed.v1", body(receipt_bid, "130.00"));
    bids_.Flush();
    ASSERT_TRUE(Settled(2));
    EXPECT_EQ(ReadItem(item).current_price, "130.00");
    EXPECT_EQ(Metric(WorkerMetrics(), "auction_worker_bids_ignored_total{reason=\"before_start\"}"), 1);
    auto db = Db();
    EXPECT_EQ(db->ExecParams("SELECT count(*) FROM bid_receipts WHERE bid_id = $1", {receipt_bid}).Int64(0, 0), 1);
}

TEST_F(Lifecycle, AnInWindowBidThatArrivesAfterExpiryReopensTheItem) {
    EventTap tap("auction.item", "item.updated.v1");
    StartWorker();
    const auto item = CreateItem(1000ms);
    const auto placed_before_end = TimeFromNow(500ms);
    ASSERT_TRUE(StatusBecomes(item, "expired"));
    // The bid queue lagged: a bid placed before the end arrives now.
    PlaceBid(item, "175.00", placed_before_end);
    ASSERT_TRUE(Settled(1));
    auto row = ReadItem(item);
    EXPECT_EQ(row.status, "active");
    EXPECT_EQ(row.current_price, "175.00");
    EXPECT_EQ(Metric(WorkerMetrics(), "auction_worker_late_bids_total{kind=\"reopened\"}"), 1);
    // Awaiting settlement now (it has a bid): the closer leaves it alone, the bid.won sells it.
    std::this_thread::sleep_for(1000ms);
    EXPECT_EQ(ReadItem(item).status, "active");
    bids_.Publish("bid.won", "won-" + item, item, "alice", "175.00", "USD");
    bids_.Flush();
    ASSERT_TRUE(StatusBecomes(item, "sold"));
    auto events = tap.Collect([&](const rabbitmq::Delivery& d) { return IsItemEventFor(d, item); }, 10s, 3);
    std::vector<std::string> statuses;
    statuses.reserve(events.size());
    for (const auto& e : events) {
        statuses.emplace_back(json::parse(e.body).at("payload").at("status").as_string());
    }
    EXPECT_EQ(statuses, (std::vector<std::string>{"expired", "active", "sold"}));
    // A bid placed after the end still changes nothing.
    PlaceBid(item, "999.00", TimeFromNow(1h));
    ASSERT_TRUE(Settled(3));
    EXPECT_EQ(ReadItem(item).current_price, "175.00");
}

// One batch (the worker's bid store, called directly so the batch is exactly this): a late in-window bid for an
// expired item, two bids for an open item and an in-batch copy. The batch's one-round-trip form cannot reopen, so it
// rolls back and runs again in a transaction that may: every bid is applied once, the reopen's event is sent once,
// and a redelivery of the whole batch changes nothing.
TEST_F(Lifecycle, ABatchWithALateBidReopensItsItemAndAppliesTheOthersOnce) {
    EventTap tap("auction.item", "item.updated.v1");
    StartWorker();
    const auto expired = CreateItem(1000ms);
    const auto open = CreateItem(1h);
    const auto before_end = timeutil::NowMicros() + 500'000;
    ASSERT_TRUE(StatusBecomes(expired, "expired"));
    auto bid = [](const std::string& item, std::int64_t cents, timeutil::Micros placed) {
        domain::BidEvent b;
        b.bid_id = "batch-" + ids::NewUuidV4();
        b.item_id = item;
        b.user_id = "dora";
        b.amount = domain::Money{cents};
        b.currency_code = "USD";
        b.placed_at = placed;
        return b;
    };
    const auto now = timeutil::NowMicros();
    const std::vector<domain::BidEvent> batch{bid(open, 15000, now), bid(expired, 17500, before_end),
                                              bid(open, 16000, now)};
    auto with_copy = batch;
    with_copy.push_back(batch[0]);
    auto db = Db();
    const auto counted = [&](const std::string& item) {
        return db->ExecParams("SELECT bid_count FROM items WHERE id = $1::uuid", {item}).Int64(0, 0);
    };
    const auto results = postgres::ApplyPlacedBids(*db, with_copy);
    EXPECT_EQ(results, (std::vector<domain::BidResult>{domain::BidResult::kNoChange, domain::BidResult::kReopened,
                                                       domain::BidResult::kApplied, domain::BidResult::kDuplicate}));
    auto row = ReadItem(expired);
    EXPECT_EQ(row.status, "active");
    EXPECT_EQ(row.current_price, "175.00");
    EXPECT_EQ(ReadItem(open).current_price, "160.00");
    EXPECT_EQ(counted(open), 2);
    EXPECT_EQ(counted(expired), 1);
    // Redelivered: all duplicates, nothing counted twice.
    EXPECT_EQ(postgres::ApplyPlacedBids(*db, batch), std::vector<domain::BidResult>(3, domain::BidResult::kDuplicate));
    EXPECT_EQ(counted(open), 2);
    EXPECT_EQ(counted(expired), 1);
    auto events = tap.Collect([&](const rabbitmq::Delivery& d) { return IsItemEventFor(d, expired); }, 10s, 2);
    std::vector<std::string> statuses;
    statuses.reserve(events.size());
    for (const auto& e : events) {
        statuses.emplace_back(json::parse(e.body).at("payload").at("status").as_string());
    }
    EXPECT_EQ(statuses, (std::vector<std::string>{"expired", "active"})) << "the rolled-back attempt sent nothing";
}

TEST_F(Lifecycle, BidWonSellsAnExpiredItemAndIsStillPoisonForACancelledOne) {
    StartWorker();
    const auto expired = CreateItem(1000ms);
    const auto cancelled = CreateItem(1h);
    ASSERT_EQ(client_->PutJson("/api/v1/items/" + cancelled, {{"status", "cancelled"}}, seller_).status, 200);
    ASSERT_TRUE(StatusBecomes(expired, "expired"));
    bids_.Publish("bid.won", "won-" + expired, expired, "carol", "100.00", "USD");
    bids_.Publish("bid.won", "won-" + cancelled, cancelled, "carol", "100.00", "USD");
    bids_.Flush();
    ASSERT_TRUE(Settled(2));
    auto row = ReadItem(expired);
    EXPECT_EQ(row.status, "sold");
    EXPECT_EQ(row.buyer_id.value_or(""), "carol");
    EXPECT_EQ(ReadItem(cancelled).status, "cancelled");
    EXPECT_EQ(worker_->Stats().dead_lettered, 1U);
    EXPECT_EQ(Metric(WorkerMetrics(), "auction_worker_late_bids_total{kind=\"sold_after_expiry\"}"), 1);
}

TEST_F(Lifecycle, TheApiFollowsTheClock) {
    // An end in the past is a 400, on create and on update.
    auto past = SampleItem();
    past["endDate"] = TimeFromNow(-1min);
    auto res = client_->PostJson("/api/v1/items", past, seller_);
    ExpectProblem(res, 400);
    EXPECT_TRUE(HasFieldError(res, "endDate")) << res.body;
    const auto open = CreateItem(1h);
    res = client_->PutJson("/api/v1/items/" + open, {{"endDate", TimeFromNow(-1min)}}, seller_);
    ExpectProblem(res, 400);
    EXPECT_TRUE(HasFieldError(res, "endDate")) << res.body;

    // An ended auction is a 409, even before the closer ran (no worker here).
    const auto ending = CreateItem(800ms);
    std::this_thread::sleep_for(1000ms);
    ExpectProblem(client_->PutJson("/api/v1/items/" + ending, {{"name", "Too late"}}, seller_), 409);
    ExpectProblem(client_->PutJson("/api/v1/items/" + ending, {{"endDate", TimeFromNow(1h)}}, seller_), 409);

    // With bids: the start is fixed and the end only moves later.
    StartWorker();
    const auto with_bids = CreateItem(1h);
    PlaceBid(with_bids, "150.00", TimeFromNow(0ms));
    ASSERT_TRUE(Settled(1));
    const auto path = "/api/v1/items/" + with_bids;
    ExpectProblem(client_->PutJson(path, {{"startDate", TimeFromNow(-2h)}}, seller_), 409);
    ExpectProblem(client_->PutJson(path, {{"endDate", TimeFromNow(30min)}}, seller_), 409);
    EXPECT_EQ(client_->PutJson(path, {{"endDate", TimeFromNow(2h)}}, seller_).status, 200);
    EXPECT_EQ(client_->PutJson(path, {{"name", "Renamed with bids"}}, seller_).status, 200);

    // ?status=active lists every active item: not started, open, and ended awaiting settlement.
    const auto not_started = CreateItem(2h, TimeFromNow(1h));
    auto list = client_->Get("/api/v1/items?status=active&sellerId=" + seller_ + "&limit=100").Json().as_object();
    std::set<std::string> listed;
    for (const auto& i : list.at("items").as_array()) {
        listed.emplace(i.at("id").as_string());
    }
    EXPECT_TRUE(listed.count(not_started) && listed.count(open) && listed.count(with_bids));
}

// Three worker processes close the same 3,000 items, one killed with SIGKILL mid-run: every item is closed exactly
// once, with exactly one item.updated.v1.
TEST(LifecycleReplicas, ThreeClosersWithOneKilledCloseEveryItemOnceWithOneEvent) {
    ApiServer::Shared();
    ResetBidQueues();
    EventTap tap("auction.item", "item.updated.v1");
    auto db = Db();
    const auto seller = UniqueUser("closers");
    constexpr int kItems = 3000;
    // Inserted directly (the API refuses an end in the past, and the test wants them all due at once).
    db->ExecParams(
        "INSERT INTO items (id, name, seller_id, currency_code, start_price, current_price, bid_increment, start_date, "
        "end_date) SELECT gen_random_uuid(), 'Closer lot ' || g, $1, 'USD', 10, 10, 1, now() - interval '1 hour', "
        "now() + interval '2 seconds' FROM generate_series(1, $2::int) g",
        {seller, std::to_string(kItems)});
    std::vector<std::unique_ptr<ChildProcess>> workers;
    for (int n = 1; n <= 3; ++n) {
        workers.push_back(std::make_unique<ChildProcess>(
            AUCTION_WORKER_BINARY, std::map<std::string, std::string>{{"WORKER_ID", "closer-" + std::to_string(n)},
                                                                      {"LOG_LEVEL", "info"},
                                                                      {"HEALTH_PORT", "0"},
                                                                      {"AUCTION_CLOSE_GRACE", "100ms"},
                                                                      {"AUCTION_CLOSE_INTERVAL", "50ms"},
                                                                      {"AUCTION_CLOSE_BATCH", "25"}}));
    }
    for (auto& w : workers) {
        ASSERT_TRUE(w->WaitForLog("Worker service started successfully", 30s)) << w->Log();
    }
    auto expired = [&] {
        return db->ExecParams("SELECT count(*) FROM items WHERE seller_id = $1 AND status = 'expired'", {seller})
            .Int64(0, 0);
    };
    // Kill one as soon as the closing has begun (its batch in flight rolls back for the others to take).
    ASSERT_TRUE(Eventually([&] { return expired() > 0; }, 30s));
    ASSERT_TRUE(workers[1]->Signal(SIGKILL));
    EXPECT_EQ(workers[1]->WaitExit(5s), 128 + SIGKILL);
    ASSERT_TRUE(Eventually([&] { return expired() == kItems; }, 60s)) << expired();

    std::set<std::string> items;
    auto rows = db->ExecParams("SELECT id::text FROM items WHERE seller_id = $1", {seller});
    for (int r = 0; r < rows.Rows(); ++r) {
        items.insert(rows.String(r, 0));
    }
    std::map<std::string, int> events_per_item;
    auto events = tap.Collect(
        [&](const rabbitmq::Delivery& d) {
            return items.count(std::string(json::parse(d.body).at("payload").at("id").as_string())) > 0;
        },
        60s, kItems);
    for (const auto& e : events) {
        const auto payload = json::parse(e.body).at("payload").as_object();
        EXPECT_EQ(payload.at("status").as_string(), "expired");
        ++events_per_item[std::string(payload.at("id").as_string())];
    }
    EXPECT_EQ(events_per_item.size(), static_cast<std::size_t>(kItems));
    for (const auto& [id, count] : events_per_item) {
        EXPECT_EQ(count, 1) << id;
    }
    EXPECT_EQ(db->ExecParams("SELECT count(*) FROM outbox_events WHERE aggregate_id = ANY($1::text[])",
                             {postgres::FormatTextArray({items.begin(), items.end()})})
                  .Int64(0, 0),
              0);
}

}  // namespace
}  // namespace auction::testing
