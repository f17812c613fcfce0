// Nothing left behind (README "Images" and "Retention"), on the real PostgreSQL and S3: the image objects of a deleted
// item are deleted from S3 even when S3 was down at the time; old bookkeeping rows are purged in small batches.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <thread>

#include "cmd/worker/worker_app.hpp"
#include "infra/postgres/connection.hpp"
#include "infra/postgres/housekeeping_store.hpp"
#include "internal/lifecycle/retention_purger.hpp"
#include "pkg/ids/uuid.hpp"
#include "support/bid_support.hpp"
#include "support/image_support.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<postgres::PgConnection> Db() {
    return postgres::PgConnection::Connect(TestApiConfig().postgres.ConnInfo("housekeeping-test"), 5s);
}

std::int64_t PendingDeletions(postgres::PgConnection& db, const std::vector<std::string>& keys) {
    return db
        .ExecParams("SELECT count(*) FROM pending_object_deletions WHERE object_key = ANY($1::text[])",
                    {postgres::FormatTextArray(keys)})
        .Int64(0, 0);
}

TEST(Housekeeping, ImagesOfADeletedItemAreDeletedFromS3AlsoWhenS3WasDown) {
    HttpClient client(ApiServer::Shared().port());
    const auto seller = UniqueUser("cleaner");
    auto created = client.PostJson("/api/v1/items", SampleItem("Item with photos"), seller);
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string item(created.Json().at("id").as_string());
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(UploadImage(client, item, seller, PngBytes(300 + static_cast<std::size_t>(i))).status, 201);
    }
    const auto keys = ObjectKeysOfItem(item);
    ASSERT_EQ(keys.size(), 3U);

    // S3 goes away; the item (and by cascade its image rows) is deleted meanwhile: the keys are queued in the
    // same transaction, and the API keeps retrying them.
    ASSERT_EQ(RunScriptFunction("auction_stop_s3"), 0);
    const auto deleted = client.Delete("/api/v1/items/" + item, seller);
    EXPECT_EQ(deleted.status, 204) << deleted.body;
    auto db = Db();
    EXPECT_EQ(PendingDeletions(*db, keys), 3);
    std::this_thread::sleep_for(2s);  // attempts fail while S3 is down
    EXPECT_EQ(PendingDeletions(*db, keys), 3);
    EXPECT_GT(
        db->ExecParams(
              "SELECT coalesce(max(attempts), 0) FROM pending_object_deletions WHERE object_key = ANY($1::text[])",
              {postgres::FormatTextArray(keys)})
            .Int64(0, 0),
        0);

    ASSERT_EQ(RunScriptFunction("auction_start_s3"), 0);
    EXPECT_TRUE(Eventually([&] { return ObjectKeysOfItem(item).empty(); }, 90s)) << "objects still in the bucket";
    EXPECT_TRUE(Eventually([&] { return PendingDeletions(*db, keys) == 0; }, 10s));
}

TEST(Housekeeping, DeletingOneImageAlsoLeavesNothingQueued) {
    HttpClient client(ApiServer::Shared().port());
    const auto seller = UniqueUser("cleaner");
    auto created = client.PostJson("/api/v1/items", SampleItem("Item with a photo"), seller);
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string item(created.Json().at("id").as_string());
    auto image = UploadImage(client, item, seller, PngBytes(400));
    ASSERT_EQ(image.status, 201);
    const std::string image_id(image.Json().at("id").as_string());
    const auto keys = ObjectKeysOfItem(item);
    ASSERT_EQ(keys.size(), 1U);
    ASSERT_EQ(client.Delete("/api/v1/items/" + item + "/images/" + image_id, seller).status, 204);
    EXPECT_FALSE(TestS3().HeadObject(keys[0]).has_value());
    auto db = Db();
    EXPECT_TRUE(Eventually([&] { return PendingDeletions(*db, keys) == 0; }, 10s));
}

TEST(Housekeeping, OldBookkeepingRowsArePurgedInBatchesAndFreshOnesStay) {
    ApiServer::Shared();  // migrations
    auto db = Db();
    const auto tag = "purge-" + ids::NewUuidV4().substr(0, 8);
    // 2,500 aged rows and 10 fresh ones in each table.
    db->ExecParams(
        "INSERT INTO processed_bid_events (bid_id, event_type, item_id, processed_at) "
        "SELECT $1 || '-old-' || g, 'bid.placed', gen_random_uuid(), now() - interval '8 days' "
        "FROM generate_series(1, 2500) g",
        {tag});
    db->ExecParams(
        "INSERT INTO processed_bid_events (bid_id, event_type, item_id) "
        "SELECT $1 || '-new-' || g, 'bid.placed', gen_random_uuid() FROM generate_series(1, 10) g",
        {tag});
    db->ExecParams(
        "INSERT INTO bid_receipts (bid_id, received_at) SELECT $1 || '-old-' || g, now() - interval '8 days' "
        "FROM generate_series(1, 2500) g",
        {tag});
    db->ExecParams("INSERT INTO bid_receipts (bid_id) SELECT $1 || '-new-' || g FROM generate_series(1, 10) g", {tag});

    auto pool_cfg = TestApiConfig().postgres;
    postgres::PgPool pool(pool_cfg, "purge-test");
    postgres::PgRetentionStore store(pool);
    lifecycle::RetentionPurger purger(
        store, {{"processed_bid_events", std::chrono::hours(24 * 7)}, {"bid_receipts", std::chrono::hours(24 * 7)}},
        {.interval = std::chrono::hours(1), .batch_size = 1000});
    EXPECT_GE(purger.RunOnce(), 5000);  // 3 batches per table (1000, 1000, 500), plus any aged rows of other tests
    auto count = [&](const char* sql) { return db->ExecParams(sql, {tag + "%"}).Int64(0, 0); };
    EXPECT_EQ(count("SELECT count(*) FROM processed_bid_events WHERE bid_id LIKE $1"), 10);
    EXPECT_EQ(count("SELECT count(*) FROM bid_receipts WHERE bid_id LIKE $1"), 10);
    const auto purged = purger.purged();
    EXPECT_GE(purged.at("processed_bid_events"), 2500U);
    EXPECT_GE(purged.at("bid_receipts"), 2500U);
    EXPECT_EQ(purger.RunOnce(), 0);  // nothing aged left
}

TEST(Housekeeping, TheWorkerReportsWhatItPurged) {
    ApiServer::Shared();
    auto cfg = TestWorkerConfig("purge-" + ids::NewUuidV4().substr(0, 4));
    cfg.bid_dedupe_retention = 1h;
    cfg.purge_interval = 100ms;
    auto db = Db();
    const auto tag = "wpurge-" + ids::NewUuidV4().substr(0, 8);
    db->ExecParams(
        "INSERT INTO processed_bid_events (bid_id, event_type, item_id, processed_at) "
        "SELECT $1 || '-' || g, 'bid.won', gen_random_uuid(), now() - interval '2 hours' FROM generate_series(1, 5) g",
        {tag});
    worker::WorkerApp worker(cfg);
    worker.Start(10s);
    EXPECT_TRUE(Eventually([&] {
        return db->ExecParams("SELECT count(*) FROM processed_bid_events WHERE bid_id LIKE $1", {tag + "%"})
                   .Int64(0, 0) == 0;
    }));
    HttpClient metrics(worker.health_port());
    const auto page = metrics.Get("/metrics").body;
    EXPECT_NE(page.find("auction_worker_purged_rows_total{table=\"processed_bid_events\"}"), std::string::npos);
    worker.Stop();
}

}  // namespace
}  // namespace auction::testing
