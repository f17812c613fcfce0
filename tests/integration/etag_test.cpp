// Optimistic concurrency on the real services: item ETags, If-Match on PUT and DELETE (checked on the locked row,
// so two writers holding one ETag cannot both win), If-None-Match on GET (from the database and from the item
// cache), an ETag that follows the worker's bids, and sub-resources that leave the item's ETag alone.
#include <gtest/gtest.h>

#include <barrier>
#include <boost/json.hpp>
#include <thread>

#include "cmd/worker/worker_app.hpp"
#include "pkg/ids/uuid.hpp"
#include "support/api_assertions.hpp"
#include "support/bid_support.hpp"
#include "support/image_support.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

class ETagApi : public ::testing::Test {
protected:
    void SetUp() override {
        client_ = std::make_unique<HttpClient>(ApiServer::Shared().port());
        seller_ = UniqueUser("seller");
    }

    // Creates an item; returns its path and checks the 201 carries an ETag.
    std::string CreateItem(json::object body = SampleItem()) {
        auto res = client_->PostJson("/api/v1/items", body, seller_);
        EXPECT_EQ(res.status, 201) << res.body;
        EXPECT_FALSE(res.Header("etag").empty()) << "the 201 carries the item's ETag";
        return "/api/v1/items/" + std::string(res.Json().at("id").as_string());
    }
    std::string ETagOf(const std::string& path) {
        auto res = client_->Get(path);
        EXPECT_EQ(res.status, 200) << res.body;
        return res.Header("etag");
    }
    static bool Strong(const std::string& etag) {
        return etag.size() >= 2 && etag.front() == '"' && etag.back() == '"' && etag.find('"', 1) == etag.size() - 1;
    }

    std::unique_ptr<HttpClient> client_;
    std::string seller_;
};

TEST_F(ETagApi, EveryItemAnswerCarriesAStrongETagThatChangesWithTheItem) {
    auto created = client_->PostJson("/api/v1/items", SampleItem(), seller_);
    ASSERT_EQ(created.status, 201) << created.body;
    const auto path = "/api/v1/items/" + std::string(created.Json().at("id").as_string());
    const auto etag = created.Header("etag");
    EXPECT_TRUE(Strong(etag)) << etag;
    EXPECT_EQ(ETagOf(path), etag) << "GET shows the version POST answered";
    EXPECT_EQ(ETagOf(path), etag) << "and again (from the item cache)";

    const auto updated = client_->PutJson(path, {{"name", "Renamed"}}, seller_);
    ASSERT_EQ(updated.status, 200) << updated.body;
    EXPECT_TRUE(Strong(updated.Header("etag")));
    EXPECT_NE(updated.Header("etag"), etag);
    EXPECT_EQ(ETagOf(path), updated.Header("etag"));
}

// Two sellers' tabs read the same item, then both save with If-Match: one wins, the other is told (412, with
// the ETag the winner produced) instead of silently overwriting it. Raced for real, round after round.
TEST_F(ETagApi, IfMatchPreventsALostUpdateBetweenTwoConcurrentWriters) {
    const auto path = CreateItem();
    HttpClient tab_a(ApiServer::Shared().port());
    HttpClient tab_b(ApiServer::Shared().port());
    for (int round = 0; round < 10; ++round) {
        const auto read = ETagOf(path);
        ASSERT_FALSE(read.empty());
        std::barrier start(2);
        HttpResult a;
        HttpResult b;
        const std::string name_a = "Tab A " + std::to_string(round);
        const std::string name_b = "Tab B " + std::to_string(round);
        std::thread writer_a([&] {
            start.arrive_and_wait();
            a = tab_a.PutJson(path, {{"name", name_a}}, seller_, {{"If-Match", read}});
        });
        std::thread writer_b([&] {
            start.arrive_and_wait();
            b = tab_b.PutJson(path, {{"name", name_b}}, seller_, {{"If-Match", read}});
        });
        writer_a.join();
        writer_b.join();
        ASSERT_EQ(std::min(a.status, b.status), 200) << a.body << b.body;
        ASSERT_EQ(std::max(a.status, b.status), 412) << a.body << b.body;
        const auto& winner = a.status == 200 ? a : b;
        const auto& loser = a.status == 200 ? b : a;
        EXPECT_EQ(loser.Header("content-type"), "application/problem+json");
        EXPECT_EQ(loser.Json().at("status"), 412);
        EXPECT_EQ(loser.Header("etag"), winner.Header("etag")) << "the 412 names the version to read again";
        EXPECT_NE(winner.Header("etag"), read);
        const auto now = client_->Get(path);
        EXPECT_EQ(now.Header("etag"), winner.Header("etag"));
        EXPECT_EQ(now.Json().at("name"), winner.Json().at("name")) << "the loser changed nothing";
    }
    // Without If-Match the last writer still wins, as before.
    const auto stale = ETagOf(path);
    ASSERT_EQ(client_->PutJson(path, {{"name", "First"}}, seller_).status, 200);
    ASSERT_EQ(client_->PutJson(path, {{"name", "Second"}}, seller_).status, 200);
    // With the ETag of the answer it just got, a writer goes on.
    const auto retried = client_->PutJson(path, {{"name", "Third"}}, seller_, {{"If-Match", ETagOf(path)}});
    EXPECT_EQ(retried.status, 200) << retried.body;
    EXPECT_EQ(client_->PutJson(path, {{"name", "Late"}}, seller_, {{"If-Match", stale}}).status, 412);
}

TEST_F(ETagApi, DeleteWithAStaleIfMatchIs412AndTheItemStays) {
    const auto path = CreateItem();
    const auto old = ETagOf(path);
    ASSERT_EQ(client_->PutJson(path, {{"description", "edited elsewhere"}}, seller_).status, 200);
    const auto current = ETagOf(path);
    const auto refused = client_->Delete(path, seller_, {{"If-Match", old}});
    ExpectProblem(refused, 412);
    EXPECT_EQ(refused.Header("etag"), current);
    const auto still = client_->Get(path);
    ASSERT_EQ(still.status, 200);
    EXPECT_EQ(still.Json().at("description"), "edited elsewhere");
    // A weak tag never matches If-Match (strong comparison).
    ExpectProblem(client_->Delete(path, seller_, {{"If-Match", "W/" + current}}), 412);
    EXPECT_EQ(client_->Delete(path, seller_, {{"If-Match", "\"other\", " + current}}).status, 204);
    EXPECT_EQ(client_->Get(path).status, 404);
}

TEST_F(ETagApi, IfMatchStarMatchesAnyExistingItem) {
    const auto path = CreateItem();
    const auto put = client_->PutJson(path, {{"name", "Any version"}}, seller_, {{"If-Match", "*"}});
    EXPECT_EQ(put.status, 200) << put.body;
    EXPECT_EQ(client_->Delete(path, seller_, {{"If-Match", "*"}}).status, 204);
    // Gone: the answer without the condition (404) comes first (RFC 9110 §13.2.1).
    ExpectProblem(client_->Delete(path, seller_, {{"If-Match", "*"}}), 404);
    ExpectProblem(client_->PutJson(path, {{"name", "x"}}, seller_, {{"If-Match", "*"}}), 404);
}

TEST_F(ETagApi, OnlyTheSellerLearnsAboutThePrecondition) {
    const auto path = CreateItem();
    // Another user is refused as before, whatever If-Match says; the item is unchanged.
    ExpectProblem(client_->PutJson(path, {{"name", "mine"}}, UniqueUser("other"), {{"If-Match", "\"stale\""}}), 403);
    ExpectProblem(client_->Delete(path, UniqueUser("other"), {{"If-Match", "*"}}), 403);
    ExpectProblem(client_->Delete(path, "", {{"If-Match", "*"}}), 401);
    EXPECT_EQ(client_->Get(path).status, 200);
}

TEST_F(ETagApi, IfNoneMatchAnswers304UntilTheItemChanges) {
    const auto path = CreateItem();
    const auto etag = ETagOf(path);
    for (const auto& value : {etag, "W/" + etag, "\"nope\", " + etag, std::string("*")}) {
        // Twice: the second comes from the item cache once the first filled it.
        for (int i = 0; i < 2; ++i) {
            const auto res = client_->Get(path, {{"If-None-Match", value}});
            EXPECT_EQ(res.status, 304) << value;
            EXPECT_EQ(res.Header("etag"), etag) << value;
            EXPECT_TRUE(res.body.empty()) << value;
            EXPECT_EQ(res.Header("content-length"), "") << "a 304 does not claim an empty representation";
        }
    }
    ASSERT_EQ(client_->PutJson(path, {{"name", "Changed"}}, seller_).status, 200);
    const auto changed = client_->Get(path, {{"If-None-Match", etag}});
    ASSERT_EQ(changed.status, 200);
    EXPECT_EQ(changed.Json().at("name"), "Changed");
    EXPECT_NE(changed.Header("etag"), etag);
    EXPECT_EQ(client_->Get(path, {{"If-None-Match", changed.Header("etag")}}).status, 304);
    ExpectProblem(client_->Get("/api/v1/items/" + ids::NewUuidV7(), {{"If-None-Match", "*"}}), 404);
}

TEST_F(ETagApi, MalformedConditionsAre400AndChangeNothing) {
    const auto path = CreateItem();
    const auto etag = ETagOf(path);
    const auto bare = etag.substr(1, etag.size() - 2);  // the tag without its quotes: a common mistake
    for (const auto& value : {bare, "w/" + etag, "*, " + etag, etag + " " + etag, std::string("\"open")}) {
        for (const char* header : {"If-Match", "If-None-Match"}) {
            const auto get = client_->Get(path, {{header, value}});
            ExpectProblem(get, 400);
            EXPECT_NE(get.body.find(header), std::string::npos) << get.body;
            ExpectProblem(client_->PutJson(path, {{"name", "x"}}, seller_, {{header, value}}), 400);
            ExpectProblem(client_->Delete(path, seller_, {{header, value}}), 400);
        }
    }
    EXPECT_EQ(ETagOf(path), etag);
}

// Comments, attributes and images are not part of the item's JSON, and their writes only lock the item row:
// the item's ETag stays, so a client's If-Match still holds after them.
TEST_F(ETagApi, CommentsAttributesAndImagesLeaveTheItemsETagAlone) {
    const auto path = CreateItem();
    const auto etag = ETagOf(path);
    const auto comment = client_->PostJson(path + "/comments", {{"content", "Is it boxed?"}}, UniqueUser("buyer"));
    ASSERT_EQ(comment.status, 201) << comment.body;
    EXPECT_EQ(comment.Header("etag"), "") << "a comment has no ETag of its own";
    EXPECT_EQ(ETagOf(path), etag);
    EXPECT_EQ(client_->Get(path, {{"If-None-Match", etag}}).status, 304);
    const auto attributes =
        client_->PostJson(path + "/attributes",
                          {{"attributes", json::array{json::object{{"key", "brand"}, {"value", "Leica"}}}}}, seller_);
    ASSERT_EQ(attributes.status, 201) << attributes.body;
    const auto image = UploadImage(*client_, path.substr(path.rfind('/') + 1), seller_, PngBytes());
    ASSERT_EQ(image.status, 201) << image.body;
    EXPECT_EQ(ETagOf(path), etag);
    ASSERT_EQ(client_->Delete(path + "/comments/" + std::string(comment.Json().at("id").as_string()), seller_).status,
              204);
    EXPECT_EQ(ETagOf(path), etag);
    const auto put = client_->PutJson(path, {{"name", "Still mine"}}, seller_, {{"If-Match", etag}});
    EXPECT_EQ(put.status, 200) << put.body;
}

// A bid applied by the worker changes the item (its currentPrice), so its ETag: a client holding the old one
// gets the new item, and its If-Match fails.
class ETagWorker : public ETagApi {
protected:
    void SetUp() override {
        ETagApi::SetUp();
        ResetBidQueues();
        worker_ = std::make_unique<worker::WorkerApp>(TestWorkerConfig("etag-" + ids::NewUuidV4().substr(0, 4)));
        worker_->Start(10s);
    }
    void TearDown() override { worker_->Stop(); }

    std::unique_ptr<worker::WorkerApp> worker_;
    BidPublisher bids_;
};

TEST_F(ETagWorker, TheETagChangesAfterABidAppliedByTheWorker) {
    const auto item = CreateBidItem(seller_);
    const auto path = "/api/v1/items/" + item;
    const auto before = ETagOf(path);
    ASSERT_EQ(client_->Get(path, {{"If-None-Match", before}}).status, 304);  // cached on this replica too
    bids_.Publish("bid.placed", "etag-" + item, item, "alice", "150.00", "USD");
    bids_.Flush();
    ASSERT_TRUE(Eventually([&] { return ReadItem(item).current_price == "150.00"; }));
    HttpResult after;
    ASSERT_TRUE(Eventually([&] {
        after = client_->Get(path, {{"If-None-Match", before}});
        return after.status == 200;
    })) << "the cache hears of the worker's change and the old ETag no longer matches";
    EXPECT_EQ(after.Json().at("currentPrice"), "150.00");
    EXPECT_NE(after.Header("etag"), before);
    const auto stale =
        client_->PutJson(path, {{"description", "edited before the bid"}}, seller_, {{"If-Match", before}});
    ExpectProblem(stale, 412);
    EXPECT_EQ(stale.Header("etag"), after.Header("etag"));
}

}  // namespace
}  // namespace auction::testing
