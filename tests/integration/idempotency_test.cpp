// Idempotency-Key on every POST (README "Retries"), on the real PostgreSQL, RabbitMQ and S3: a retry gets the first
// answer byte for byte with one change and one event; another request under the key is a 422; a request while the
// first is in flight is a 409 at once; keys are per user; a failed request leaves the key free.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <future>
#include <thread>

#include "infra/postgres/connection.hpp"
#include "infra/postgres/housekeeping_store.hpp"
#include "internal/lifecycle/retention_purger.hpp"
#include "pkg/ids/uuid.hpp"
#include "support/api_assertions.hpp"
#include "support/image_support.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

std::unique_ptr<postgres::PgConnection> Db() {
    return postgres::PgConnection::Connect(TestApiConfig().postgres.ConnInfo("idempotency-test"), 5s);
}

std::map<std::string, std::string> Headers(const std::string& user, const std::string& key,
                                           const std::string& type = "application/json") {
    return {{"X-User-ID", user}, {"Idempotency-Key", key}, {"Content-Type", type}};
}

// The first answer and its replay are the same answer: status, body byte for byte, Location and Content-Type; only
// the replay says so, and each carries its own trace id.
void ExpectReplayOf(const HttpResult& first, const HttpResult& again) {
    EXPECT_EQ(again.status, first.status);
    EXPECT_EQ(again.body, first.body);
    EXPECT_EQ(again.Header("location"), first.Header("location"));
    EXPECT_EQ(again.Header("content-type"), first.Header("content-type"));
    EXPECT_EQ(again.Header("idempotent-replayed"), "true");
    EXPECT_EQ(first.Header("idempotent-replayed"), "");
    EXPECT_NE(again.Header("x-trace-id"), first.Header("x-trace-id"));
}

class Idempotency : public ::testing::Test {
protected:
    void SetUp() override {
        client_ = std::make_unique<HttpClient>(ApiServer::Shared().port());
        seller_ = UniqueUser("retrier");
        key_ = "key-" + ids::NewUuidV4();
    }

    std::string CreateItem() {
        auto res = client_->PostJson("/api/v1/items", SampleItem("Retried lot"), seller_);
        EXPECT_EQ(res.status, 201) << res.body;
        return std::string(res.Json().at("id").as_string());
    }

    std::unique_ptr<HttpClient> client_;
    std::string seller_;
    std::string key_;
};

TEST_F(Idempotency, ARetriedItemCreateAnswersTheSameWithOneItemAndOneEvent) {
    EventTap tap("auction.item", "item.created.v1");
    const auto body = json::serialize(SampleItem("Once only"));
    const auto first = client_->Request("POST", "/api/v1/items", body, Headers(seller_, key_));
    ASSERT_EQ(first.status, 201) << first.body;
    const auto again = client_->Request("POST", "/api/v1/items", body, Headers(seller_, key_));
    ExpectReplayOf(first, again);
    auto db = Db();
    EXPECT_EQ(db->ExecParams("SELECT count(*) FROM items WHERE seller_id = $1", {seller_}).Int64(0, 0), 1);
    const std::string id(first.Json().at("id").as_string());
    auto events = tap.Collect(
        [&](const rabbitmq::Delivery& d) { return json::parse(d.body).at("payload").at("id").as_string() == id; }, 5s,
        1);
    EXPECT_EQ(events.size(), 1U);
    // The key in quotes (a structured-field string) is the same key.
    const auto quoted = client_->Request("POST", "/api/v1/items", body, Headers(seller_, "\"" + key_ + "\""));
    ExpectReplayOf(first, quoted);
}

TEST_F(Idempotency, ARetriedCommentAttributeAndImageAnswerTheSameWithOneChangeEach) {
    const auto item = CreateItem();
    EventTap tap("auction.item", "item.#");
    const std::string comments = "/api/v1/items/" + item + "/comments";
    const auto comment_body = json::serialize(json::object{{"content", "Is it boxed?"}});
    const auto c1 = client_->Request("POST", comments, comment_body, Headers(seller_, key_ + "-c"));
    ASSERT_EQ(c1.status, 201) << c1.body;
    ExpectReplayOf(c1, client_->Request("POST", comments, comment_body, Headers(seller_, key_ + "-c")));

    const std::string attributes = "/api/v1/items/" + item + "/attributes";
    const auto attribute_body =
        json::serialize(json::object{{"attributes", json::array{json::object{{"key", "brand"}, {"value", "Leica"}}}}});
    const auto a1 = client_->Request("POST", attributes, attribute_body, Headers(seller_, key_ + "-a"));
    ASSERT_EQ(a1.status, 201) << a1.body;
    ExpectReplayOf(a1, client_->Request("POST", attributes, attribute_body, Headers(seller_, key_ + "-a")));

    // An upload's retry comes with another multipart boundary: the parts are what count.
    const auto png = PngBytes(512);
    const auto form = MultipartBody({{"image", std::string("photo.png"), "image/png", png}});
    std::string other_form = form;
    const std::string other_boundary = "----RetriedUploadBoundary42";
    for (auto at = other_form.find(kTestBoundary); at != std::string::npos;
         at = other_form.find(kTestBoundary, at + other_boundary.size())) {
        other_form.replace(at, std::string(kTestBoundary).size(), other_boundary);
    }
    const std::string images = "/api/v1/items/" + item + "/images";
    const auto i1 =
        client_->Request("POST", images, form,
                         Headers(seller_, key_ + "-i", std::string("multipart/form-data; boundary=") + kTestBoundary));
    ASSERT_EQ(i1.status, 201) << i1.body;
    const auto i2 = client_->Request("POST", images, other_form,
                                     Headers(seller_, key_ + "-i", "multipart/form-data; boundary=" + other_boundary));
    ExpectReplayOf(i1, i2);

    auto db = Db();
    EXPECT_EQ(db->ExecParams("SELECT count(*) FROM item_comments WHERE item_id = $1::uuid", {item}).Int64(0, 0), 1);
    EXPECT_EQ(db->ExecParams("SELECT count(*) FROM item_attributes WHERE item_id = $1::uuid", {item}).Int64(0, 0), 1);
    EXPECT_EQ(db->ExecParams("SELECT count(*) FROM item_images WHERE item_id = $1::uuid", {item}).Int64(0, 0), 1);
    EXPECT_EQ(ObjectKeysOfItem(item).size(), 1U);
    auto events =
        tap.Collect([&](const rabbitmq::Delivery& d) { return d.body.find(item) != std::string::npos; }, 5s, 3);
    std::map<std::string, int> by_kind;
    for (const auto& e : events) {
        ++by_kind[e.routing_key];
    }
    EXPECT_EQ(by_kind["item.comment.created.v1"], 1);
    EXPECT_EQ(by_kind["item.attribute.created.v1"], 1);
    EXPECT_EQ(by_kind["item.image.uploaded.v1"], 1);
}

TEST_F(Idempotency, TheSameKeyWithAnotherRequestIs422) {
    const auto first =
        client_->Request("POST", "/api/v1/items", json::serialize(SampleItem("First")), Headers(seller_, key_));
    ASSERT_EQ(first.status, 201) << first.body;
    ExpectProblem(
        client_->Request("POST", "/api/v1/items", json::serialize(SampleItem("Second")), Headers(seller_, key_)), 422);
    // Another path with the same key and body is another request too.
    const auto item = std::string(first.Json().at("id").as_string());
    const auto comment = json::serialize(json::object{{"content", "hello"}});
    ASSERT_EQ(
        client_->Request("POST", "/api/v1/items/" + item + "/comments", comment, Headers(seller_, key_ + "-x")).status,
        201);
    ExpectProblem(
        client_->Request("POST", "/api/v1/items/" + CreateItem() + "/comments", comment, Headers(seller_, key_ + "-x")),
        422);
}

TEST_F(Idempotency, KeysAreNeverSharedAcrossUsers) {
    const auto body = json::serialize(SampleItem("Mine"));
    const auto mine = client_->Request("POST", "/api/v1/items", body, Headers(seller_, key_));
    ASSERT_EQ(mine.status, 201);
    const auto other_user = UniqueUser("other");
    const auto theirs = client_->Request("POST", "/api/v1/items", body, Headers(other_user, key_));
    ASSERT_EQ(theirs.status, 201) << theirs.body;
    EXPECT_EQ(theirs.Header("idempotent-replayed"), "");
    EXPECT_NE(theirs.Json().at("id"), mine.Json().at("id"));
    EXPECT_EQ(theirs.Json().at("sellerId").as_string(), other_user);
}

TEST_F(Idempotency, AFailedRequestLeavesTheKeyFree) {
    auto bad = SampleItem("Bad");
    bad["startPrice"] = "-1.00";
    ExpectProblem(client_->Request("POST", "/api/v1/items", json::serialize(bad), Headers(seller_, key_)), 400);
    // A request the database refused (an unknown item) too.
    const auto comment = json::serialize(json::object{{"content", "hello"}});
    ExpectProblem(client_->Request("POST", "/api/v1/items/0190b6a0-0000-7000-8000-00000000dead/comments", comment,
                                   Headers(seller_, key_ + "-c")),
                  404);
    // Free: another request under either key goes ahead, not 422.
    const auto good =
        client_->Request("POST", "/api/v1/items", json::serialize(SampleItem("Good")), Headers(seller_, key_));
    EXPECT_EQ(good.status, 201) << good.body;
    EXPECT_EQ(good.Header("idempotent-replayed"), "");
    const auto item = std::string(good.Json().at("id").as_string());
    EXPECT_EQ(
        client_->Request("POST", "/api/v1/items/" + item + "/comments", comment, Headers(seller_, key_ + "-c")).status,
        201);
}

TEST_F(Idempotency, ARequestWhileTheFirstIsInFlightIs409AtOnce) {
    const auto item = CreateItem();
    // Hold the item's row so the first comment (which locks it FOR SHARE) waits inside its transaction.
    auto db = Db();
    db->Exec("BEGIN");
    db->ExecParams("SELECT 1 FROM items WHERE id = $1::uuid FOR UPDATE", {item});
    const std::string path = "/api/v1/items/" + item + "/comments";
    const auto body = json::serialize(json::object{{"content", "first"}});
    auto first = std::async(std::launch::async, [&] {
        HttpClient own(ApiServer::Shared().port());
        return own.Request("POST", path, body, Headers(seller_, key_));
    });
    // Once the first holds the key, a second with the same key is refused at once, whatever it carries.
    ASSERT_TRUE(Eventually([&] {
        return db->ExecParams("SELECT count(*) FROM idempotency_keys WHERE user_id = $1 AND idem_key = $2",
                              {seller_, key_})
                   .Int64(0, 0) == 1;
    }));
    const auto started = std::chrono::steady_clock::now();
    HttpClient second(ApiServer::Shared().port());
    ExpectProblem(second.Request("POST", path, body, Headers(seller_, key_)), 409);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    db->Exec("COMMIT");
    const auto done = first.get();
    ASSERT_EQ(done.status, 201) << done.body;
    ExpectReplayOf(done, second.Request("POST", path, body, Headers(seller_, key_)));
    EXPECT_EQ(db->ExecParams("SELECT count(*) FROM item_comments WHERE item_id = $1::uuid", {item}).Int64(0, 0), 1);
}

TEST_F(Idempotency, AMalformedKeyIs400AndNoKeyBehavesAsBefore) {
    const auto body = json::serialize(SampleItem("Plain"));
    for (const std::string& bad : {std::string(""), std::string(256, 'k'), std::string("tab\there"),
                                   std::string("\"unterminated"), std::string("\"bad \\x escape\"")}) {
        ExpectProblem(client_->Request("POST", "/api/v1/items", body, Headers(seller_, bad)), 400);
    }
    EXPECT_EQ(client_->Request("POST", "/api/v1/items", body, Headers(seller_, std::string(255, 'k'))).status, 201);
    std::map<std::string, std::string> plain{{"X-User-ID", seller_}, {"Content-Type", "application/json"}};
    EXPECT_EQ(client_->Request("POST", "/api/v1/items", body, plain).status, 201);
    EXPECT_EQ(client_->Request("POST", "/api/v1/items", body, plain).status, 201);
    auto db = Db();
    EXPECT_EQ(db->ExecParams("SELECT count(*) FROM items WHERE seller_id = $1", {seller_}).Int64(0, 0), 3);
}

// Past IDEMPOTENCY_TTL a key is forgotten: a retry is a new request (a second item), and the purge job removes the
// aged row in its batches while a fresh key stays.
TEST_F(Idempotency, AKeyPastItsTtlIsANewRequestAndIsPurged) {
    const auto body = json::serialize(SampleItem("Retried after a day"));
    const auto first = client_->Request("POST", "/api/v1/items", body, Headers(seller_, key_));
    ASSERT_EQ(first.status, 201) << first.body;
    const auto fresh_key = key_ + "-fresh";
    ASSERT_EQ(client_->Request("POST", "/api/v1/items", body, Headers(seller_, fresh_key)).status, 201);
    auto db = Db();
    const auto rows = [&](const std::string& key) {
        return db
            ->ExecParams("SELECT count(*) FROM idempotency_keys WHERE user_id = $1 AND idem_key = $2", {seller_, key})
            .Int64(0, 0);
    };
    // The key's day passes (the shared API keeps the default 24h).
    db->ExecParams(
        "UPDATE idempotency_keys SET created_at = now() - interval '25 hours' "
        "WHERE user_id = $1 AND idem_key = $2",
        {seller_, key_});
    const auto again = client_->Request("POST", "/api/v1/items", body, Headers(seller_, key_));
    ASSERT_EQ(again.status, 201) << again.body;
    EXPECT_EQ(again.Header("idempotent-replayed"), "");
    EXPECT_NE(again.Json().at("id"), first.Json().at("id"));
    EXPECT_EQ(db->ExecParams("SELECT count(*) FROM items WHERE seller_id = $1", {seller_}).Int64(0, 0), 3);

    // Aged again, then the API's purge rule (IDEMPOTENCY_TTL) removes it and leaves the fresh key.
    db->ExecParams(
        "UPDATE idempotency_keys SET created_at = now() - interval '25 hours' "
        "WHERE user_id = $1 AND idem_key = $2",
        {seller_, key_});
    postgres::PgPool pool(TestApiConfig().postgres, "idempotency-purge-test");
    postgres::PgRetentionStore store(pool);
    lifecycle::RetentionPurger purger(store, {{"idempotency_keys", TestApiConfig().idempotency_ttl}},
                                      {.interval = std::chrono::hours(1), .batch_size = 1000});
    EXPECT_GE(purger.RunOnce(), 1);
    EXPECT_GE(purger.purged().at("idempotency_keys"), 1U);
    EXPECT_EQ(rows(key_), 0);
    EXPECT_EQ(rows(fresh_key), 1);
    // The fresh key still replays.
    EXPECT_EQ(
        client_->Request("POST", "/api/v1/items", body, Headers(seller_, fresh_key)).Header("idempotent-replayed"),
        "true");
}

}  // namespace
}  // namespace auction::testing
