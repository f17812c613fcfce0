// The API replicas' item cache against the real PostgreSQL: two in-process replicas on one database, the
// change notifications of migration 010, the worker's bids, and a killed listening connection.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <thread>

#include "cmd/api/api_app.hpp"
#include "cmd/worker/worker_app.hpp"
#include "infra/postgres/connection.hpp"
#include "pkg/ids/uuid.hpp"
#include "support/bid_support.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<postgres::PgConnection> Db() {
    return postgres::PgConnection::Connect(TestApiConfig().postgres.ConnInfo("cache-test"), 5s);
}

config::ApiConfig ReplicaConfig(const std::string& name) {
    auto config = TestApiConfig();
    config.service_name = name;
    return config;
}

class ItemCacheTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto suffix = ids::NewUuidV4().substr(0, 8);
        a_ = std::make_unique<ApiServer>(ReplicaConfig("cache-a-" + suffix));
        b_ = std::make_unique<ApiServer>(ReplicaConfig("cache-b-" + suffix));
        ASSERT_TRUE(Eventually([&] { return Cache(*a_).GetStats().enabled && Cache(*b_).GetStats().enabled; }))
            << "both replicas listen for item changes";
        client_a_ = std::make_unique<HttpClient>(a_->port());
        client_b_ = std::make_unique<HttpClient>(b_->port());
        seller_ = UniqueUser("seller");
    }

    static app::ItemCache& Cache(ApiServer& server) { return server.app().item_cache(); }

    std::string CreateItem() {
        auto res = client_a_->PostJson("/api/v1/items", SampleItem(), seller_);
        EXPECT_EQ(res.status, 201) << res.body;
        return std::string(res.Json().at("id").as_string());
    }
    static std::string Name(const HttpResult& res) {
        return res.status == 200 ? std::string(res.Json().at("name").as_string()) : std::string();
    }

    std::unique_ptr<ApiServer> a_;
    std::unique_ptr<ApiServer> b_;
    std::unique_ptr<HttpClient> client_a_;
    std::unique_ptr<HttpClient> client_b_;
    std::string seller_;
};

TEST_F(ItemCacheTest, ASecondReadIsAHitWithTheSameAnswer) {
    const auto id = CreateItem();
    const auto path = "/api/v1/items/" + id;
    const auto before = Cache(*b_).GetStats();
    const auto first = client_b_->Get(path);
    const auto second = client_b_->Get(path);
    ASSERT_EQ(first.status, 200);
    EXPECT_EQ(second.status, 200);
    EXPECT_EQ(first.body, second.body);
    EXPECT_EQ(second.Header("content-type"), "application/json");
    const auto after = Cache(*b_).GetStats();
    EXPECT_EQ(after.misses - before.misses, 1U);
    EXPECT_EQ(after.hits - before.hits, 1U);
    EXPECT_EQ(after.entries - before.entries, 1U);
    // Stored compressed against the item dictionary: in well under half its size, and counted as such.
    const auto stored = Cache(*b_).StoredSize(first.body);
    EXPECT_LT(stored * 2, first.body.size());
    EXPECT_EQ(after.bytes - before.bytes, app::ItemCache::EntryBytes(id.size(), stored));
}

TEST_F(ItemCacheTest, AReplicaAnswersItsOwnWriteRightAfterIt) {
    const auto path = "/api/v1/items/" + CreateItem();
    ASSERT_EQ(client_a_->Get(path).status, 200);  // cached on A
    ASSERT_EQ(client_a_->PutJson(path, {{"name", "Renamed on A"}}, seller_).status, 200);
    EXPECT_EQ(Name(client_a_->Get(path)), "Renamed on A");  // no wait: A dropped its copy when the write returned
}

TEST_F(ItemCacheTest, OnceNotifiedNoReplicaServesTheOldVersion) {
    const auto path = "/api/v1/items/" + CreateItem();
    ASSERT_EQ(Name(client_b_->Get(path)), "Vintage Camera");
    ASSERT_EQ(Name(client_b_->Get(path)), "Vintage Camera");  // cached on B
    const auto invalidations = Cache(*b_).GetStats().invalidations;
    ASSERT_EQ(client_a_->PutJson(path, {{"name", "Renamed on A"}}, seller_).status, 200);
    // B learns of A's commit through the notification; from then on it never answers the old name.
    ASSERT_TRUE(Eventually([&] { return Cache(*b_).GetStats().invalidations > invalidations; }));
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(Name(client_b_->Get(path)), "Renamed on A");
    }
}

TEST_F(ItemCacheTest, AChangeMadeOutsideTheApiIsNotifiedToo) {
    const auto id = CreateItem();
    const auto path = "/api/v1/items/" + id;
    ASSERT_EQ(client_b_->Get(path).status, 200);
    ASSERT_EQ(client_b_->Get(path).status, 200);
    Db()->ExecParams("UPDATE items SET name = 'Renamed in SQL' WHERE id = $1", {id});
    EXPECT_TRUE(Eventually([&] { return Name(client_b_->Get(path)) == "Renamed in SQL"; }));
    EXPECT_EQ(Name(client_a_->Get(path)), "Renamed in SQL");
}

TEST_F(ItemCacheTest, AWorkerAppliedBidIsSeenByTheApi) {
    ResetBidQueues();
    worker::WorkerApp worker(TestWorkerConfig("cache-" + ids::NewUuidV4().substr(0, 4)));
    worker.Start(10s);
    const auto id = CreateBidItem(seller_);
    const auto path = "/api/v1/items/" + id;
    const auto price = [&] {
        auto res = client_b_->Get(path);
        return res.status == 200 ? std::string(res.Json().at("currentPrice").as_string()) : std::string();
    };
    const auto start_price = price();
    ASSERT_FALSE(start_price.empty());
    ASSERT_EQ(price(), start_price);  // cached on B
    BidPublisher bids;
    bids.Publish("bid.placed", "cache-bid-" + id, id, "alice", "987.00", "USD");
    bids.Flush();
    EXPECT_TRUE(Eventually([&] { return price() == "987.00"; }, 20s));
    worker.Stop();
}

TEST_F(ItemCacheTest, ADeletedItemIs404Everywhere) {
    const auto path = "/api/v1/items/" + CreateItem();
    ASSERT_EQ(client_b_->Get(path).status, 200);
    ASSERT_EQ(client_b_->Get(path).status, 200);  // cached on B
    ASSERT_EQ(client_a_->Get(path).status, 200);  // cached on A
    ASSERT_EQ(client_a_->Delete(path, seller_).status, 204);
    EXPECT_EQ(client_a_->Get(path).status, 404);
    EXPECT_TRUE(Eventually([&] { return client_b_->Get(path).status == 404; }));
    EXPECT_EQ(client_b_->Get(path).status, 404);
}

TEST_F(ItemCacheTest, AKilledListenerEmptiesAndBypassesTheCacheUntilItListensAgain) {
    const auto id = CreateItem();
    const auto path = "/api/v1/items/" + id;
    ASSERT_EQ(client_b_->Get(path).status, 200);
    ASSERT_EQ(client_b_->Get(path).status, 200);
    ASSERT_GE(Cache(*b_).GetStats().entries, 1U);
    const auto connects = b_->app().item_listener().Connects();

    auto db = Db();
    const auto killed =
        db->ExecParams("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1",
                       {b_->app().config().service_name + "-api-item-changes"});
    ASSERT_EQ(killed.Int64(0, 0), 1);
    // Changes made while nobody listens on B are never notified to B: it must not serve from the cache then.
    db->ExecParams("UPDATE items SET name = 'Renamed while B was deaf' WHERE id = $1", {id});
    ASSERT_TRUE(Eventually([&] { return b_->app().item_listener().Connects() > connects; }))
        << "the listener reconnects";
    EXPECT_EQ(Name(client_b_->Get(path)), "Renamed while B was deaf");

    ASSERT_TRUE(Eventually([&] { return Cache(*b_).GetStats().enabled; }));
    const auto before = Cache(*b_).GetStats();
    EXPECT_EQ(Name(client_b_->Get(path)), "Renamed while B was deaf");
    EXPECT_EQ(Name(client_b_->Get(path)), "Renamed while B was deaf");
    EXPECT_GE(Cache(*b_).GetStats().hits - before.hits, 1U) << "caching again once it listens";
}

TEST_F(ItemCacheTest, MetricsExposeTheCache) {
    const auto path = "/api/v1/items/" + CreateItem();
    client_b_->Get(path);
    client_b_->Get(path);
    const auto metrics = client_b_->Get("/metrics").body;
    for (const char* name :
         {"auction_item_cache_hits_total", "auction_item_cache_misses_total", "auction_item_cache_evictions_total",
          "auction_item_cache_invalidations_total", "auction_item_cache_entries", "auction_item_cache_bytes",
          "auction_item_cache_budget_bytes", "auction_item_cache_enabled 1"}) {
        EXPECT_NE(metrics.find(name), std::string::npos) << name;
    }
}

}  // namespace
}  // namespace auction::testing
