// Comments API (GET/POST /api/v1/items/:id/comments, DELETE .../comments/:commentId) and its events,
// against the real PostgreSQL and RabbitMQ.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "pkg/ids/uuid.hpp"
#include "support/api_assertions.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

namespace json = boost::json;
using rabbitmq::Delivery;

constexpr const char* kUnknownId = "0190b6a0-0000-7000-8000-000000000000";

class CommentsApi : public ::testing::Test {
protected:
    void SetUp() override { client_ = std::make_unique<HttpClient>(ApiServer::Shared().port()); }

    std::string CreateItem(const std::string& seller) {
        auto res = client_->PostJson("/api/v1/items", SampleItem(), seller);
        EXPECT_EQ(res.status, 201) << res.body;
        return std::string(res.Json().at("id").as_string());
    }

    static std::string CommentsPath(const std::string& item_id) { return "/api/v1/items/" + item_id + "/comments"; }

    json::object Comment(const std::string& item_id, const std::string& author, const std::string& content,
                         std::map<std::string, std::string> headers = {}) {
        auto res =
            client_->PostJson(CommentsPath(item_id), json::object{{"content", content}}, author, std::move(headers));
        EXPECT_EQ(res.status, 201) << res.body;
        return res.Json().as_object();
    }

    static void SetStatus(const std::string& item_id, const std::string& status) {
        // Only the worker sells items; simulate its committed change directly in the database.
        auto conn = postgres::PgConnection::Connect(TestApiConfig().postgres.ConnInfo("test"), std::chrono::seconds(5));
        conn->ExecParams("UPDATE items SET status = $2 WHERE id = $1", {item_id, status});
    }

    std::unique_ptr<HttpClient> client_;
};

TEST_F(CommentsApi, CreateAnswers201WithTheCommentAndItsLocation) {
    const auto item_id = CreateItem(UniqueUser("seller"));
    const auto author = UniqueUser("author");
    auto res =
        client_->PostJson(CommentsPath(item_id), json::object{{"content", "Is this item still available?"}}, author);
    ASSERT_EQ(res.status, 201) << res.body;
    EXPECT_EQ(res.Header("content-type"), "application/json");
    auto comment = res.Json().as_object();
    EXPECT_EQ(comment.size(), 5U) << res.body;
    const std::string id(comment.at("id").as_string());
    EXPECT_TRUE(ids::IsUuid(id));
    EXPECT_EQ(comment.at("itemId").as_string(), item_id);
    EXPECT_EQ(comment.at("authorId").as_string(), author);
    EXPECT_EQ(comment.at("content").as_string(), "Is this item still available?");
    EXPECT_TRUE(timeutil::ParseRfc3339(comment.at("createdAt").as_string()).has_value());
    EXPECT_EQ(res.Header("location"), CommentsPath(item_id) + "/" + id);

    auto list = client_->Get(CommentsPath(item_id));
    ASSERT_EQ(list.status, 200) << list.body;
    EXPECT_EQ(list.Json().at("comments"), (json::array{comment}));
}

TEST_F(CommentsApi, CreateNeedsAUser) {
    const auto item_id = CreateItem(UniqueUser("seller"));
    ExpectProblem(client_->PostJson(CommentsPath(item_id), json::object{{"content", "hi"}}, ""), 401);
    ExpectProblem(client_->PostJson(CommentsPath(item_id), json::object{{"content", "hi"}}, "has space"), 401);
    EXPECT_EQ(client_->Get(CommentsPath(item_id)).Json().at("total").as_int64(), 0);
}

TEST_F(CommentsApi, CreateValidatesTheBody) {
    const auto item_id = CreateItem(UniqueUser("seller"));
    const auto user = UniqueUser();
    const auto path = CommentsPath(item_id);
    for (const auto& content : {std::string(), std::string(" \n\t "), std::string(2001, 'x')}) {
        auto res = client_->PostJson(path, json::object{{"content", content}}, user);
        ExpectProblem(res, 400);
        EXPECT_TRUE(HasFieldError(res, "content")) << res.body;
    }
    auto missing = client_->PostJson(path, json::object{}, user);
    ExpectProblem(missing, 400);
    EXPECT_TRUE(HasFieldError(missing, "content"));
    auto number = client_->PostJson(path, json::object{{"content", 5}}, user);
    EXPECT_TRUE(HasFieldError(number, "content"));
    auto extra = client_->PostJson(path, json::object{{"content", "hi"}, {"authorId", "me"}, {"mood", "happy"}}, user);
    ExpectProblem(extra, 400);
    EXPECT_TRUE(HasFieldError(extra, "authorId"));
    EXPECT_TRUE(HasFieldError(extra, "mood"));
    ExpectProblem(
        client_->Request("POST", path, "{\"content\": ", {{"Content-Type", "application/json"}, {"X-User-ID", user}}),
        400);
    ExpectProblem(client_->Request("POST", path, "content=hi", {{"Content-Type", "text/plain"}, {"X-User-ID", user}}),
                  415);
    EXPECT_EQ(client_->Get(path).Json().at("total").as_int64(), 0);

    // The limit counts characters, not bytes: 2000 two-byte characters fit.
    std::string longest;
    for (int i = 0; i < 2000; ++i) {
        longest += "\xC3\xA9";
    }
    EXPECT_EQ(Comment(item_id, user, longest).at("content").as_string(), longest);
}

TEST_F(CommentsApi, UnknownOrMalformedItemIs404) {
    const auto user = UniqueUser();
    ExpectProblem(client_->PostJson(CommentsPath(kUnknownId), json::object{{"content", "hi"}}, user), 404);
    ExpectProblem(client_->PostJson(CommentsPath("not-a-uuid"), json::object{{"content", "hi"}}, user), 404);
    ExpectProblem(client_->Get(CommentsPath(kUnknownId)), 404);
    ExpectProblem(client_->Get(CommentsPath("not-a-uuid")), 404);
}

TEST_F(CommentsApi, CommentsAreAllowedOnItemsInAnyStatus) {
    const auto seller = UniqueUser("seller");
    const auto cancelled = CreateItem(seller);
    ASSERT_EQ(client_->PutJson("/api/v1/items/" + cancelled, {{"status", "cancelled"}}, seller).status, 200);
    Comment(cancelled, UniqueUser(), "Why was it cancelled?");
    const auto sold = CreateItem(seller);
    SetStatus(sold, "sold");
    Comment(sold, UniqueUser(), "Congratulations to the buyer");
}

TEST_F(CommentsApi, ListIsOldestFirstAndPaginated) {
    const auto item_id = CreateItem(UniqueUser("seller"));
    std::vector<json::object> created;
    for (int i = 0; i < 5; ++i) {
        created.push_back(Comment(item_id, UniqueUser(), "comment " + std::to_string(i)));
    }
    auto all = client_->Get(CommentsPath(item_id)).Json().as_object();
    EXPECT_EQ(all.at("page").as_int64(), 1);
    EXPECT_EQ(all.at("limit").as_int64(), 20);
    EXPECT_EQ(all.at("total").as_int64(), 5);
    EXPECT_EQ(all.at("totalPages").as_int64(), 1);
    ASSERT_EQ(all.at("comments").as_array().size(), 5U);
    for (std::size_t i = 0; i < created.size(); ++i) {
        EXPECT_EQ(all.at("comments").as_array()[i], json::value(created[i])) << i;
    }

    std::vector<json::value> paged;
    for (int page = 1; page <= 3; ++page) {
        auto res = client_->Get(CommentsPath(item_id) + "?page=" + std::to_string(page) + "&limit=2");
        ASSERT_EQ(res.status, 200) << res.body;
        auto body = res.Json().as_object();
        EXPECT_EQ(body.at("page").as_int64(), page);
        EXPECT_EQ(body.at("limit").as_int64(), 2);
        EXPECT_EQ(body.at("total").as_int64(), 5);
        EXPECT_EQ(body.at("totalPages").as_int64(), 3);
        for (const auto& c : body.at("comments").as_array()) {
            paged.push_back(c);
        }
    }
    EXPECT_EQ(json::value(json::array(paged.begin(), paged.end())), all.at("comments"));
    auto past = client_->Get(CommentsPath(item_id) + "?page=4&limit=2").Json().as_object();
    EXPECT_TRUE(past.at("comments").as_array().empty());
    EXPECT_EQ(past.at("total").as_int64(), 5);

    auto empty = client_->Get(CommentsPath(CreateItem(UniqueUser("seller")))).Json().as_object();
    EXPECT_EQ(empty, (json::object{{"comments", json::array{}},
                                   {"page", 1},
                                   {"limit", 20},
                                   {"total", 0},
                                   {"totalPages", 0},
                                   {"nextCursor", nullptr}}));
}

TEST_F(CommentsApi, ListValidatesPageAndLimit) {
    const auto path = CommentsPath(CreateItem(UniqueUser("seller")));
    for (const char* query : {"?page=0", "?page=100001", "?page=x", "?page=-1"}) {
        auto res = client_->Get(path + query);
        ExpectProblem(res, 400);
        EXPECT_TRUE(HasFieldError(res, "page")) << query;
    }
    for (const char* query : {"?limit=0", "?limit=101", "?limit=1.5", "?limit="}) {
        auto res = client_->Get(path + query);
        ExpectProblem(res, 400);
        EXPECT_TRUE(HasFieldError(res, "limit")) << query;
    }
    EXPECT_EQ(client_->Get(path + "?page=100000&limit=100").status, 200);
}

TEST_F(CommentsApi, TheAuthorOrTheSellerDeletes) {
    const auto seller = UniqueUser("seller");
    const auto item_id = CreateItem(seller);
    const auto author = UniqueUser("author");
    const std::string first(Comment(item_id, author, "first").at("id").as_string());
    const std::string second(Comment(item_id, author, "second").at("id").as_string());
    const std::string third(Comment(item_id, author, "third").at("id").as_string());

    ExpectProblem(client_->Delete(CommentsPath(item_id) + "/" + first, UniqueUser("other")), 403);
    ExpectProblem(client_->Delete(CommentsPath(item_id) + "/" + first, ""), 401);
    EXPECT_EQ(client_->Get(CommentsPath(item_id)).Json().at("total").as_int64(), 3);

    auto by_author = client_->Delete(CommentsPath(item_id) + "/" + first, author);
    EXPECT_EQ(by_author.status, 204) << by_author.body;
    EXPECT_TRUE(by_author.body.empty());
    EXPECT_EQ(client_->Delete(CommentsPath(item_id) + "/" + second, seller).status, 204);
    auto left = client_->Get(CommentsPath(item_id)).Json().as_object();
    EXPECT_EQ(left.at("total").as_int64(), 1);
    EXPECT_EQ(left.at("comments").as_array()[0].at("id").as_string(), third);
    ExpectProblem(client_->Delete(CommentsPath(item_id) + "/" + first, author), 404);
}

TEST_F(CommentsApi, DeleteOfAnUnknownCommentOrItemIs404) {
    const auto seller = UniqueUser("seller");
    const auto item_id = CreateItem(seller);
    const auto other_item = CreateItem(seller);
    const std::string id(Comment(item_id, seller, "mine").at("id").as_string());
    ExpectProblem(client_->Delete(CommentsPath(item_id) + "/" + kUnknownId, seller), 404);
    ExpectProblem(client_->Delete(CommentsPath(other_item) + "/" + id, seller), 404);  // not under that item
    ExpectProblem(client_->Delete(CommentsPath(kUnknownId) + "/" + id, seller), 404);
    ExpectProblem(client_->Delete(CommentsPath(item_id) + "/not-a-uuid", seller), 404);
    ExpectProblem(client_->Delete(CommentsPath("not-a-uuid") + "/" + id, seller), 404);
    EXPECT_EQ(client_->Get(CommentsPath(item_id)).Json().at("total").as_int64(), 1);
}

TEST_F(CommentsApi, OtherMethodsAre405WithAllow) {
    const auto item_id = CreateItem(UniqueUser("seller"));
    auto list = client_->Request("PUT", CommentsPath(item_id), "{}", {{"Content-Type", "application/json"}});
    ExpectProblem(list, 405);
    EXPECT_EQ(list.Header("allow"), "GET, POST");
    auto one = client_->Get(CommentsPath(item_id) + "/" + kUnknownId);
    ExpectProblem(one, 405);
    EXPECT_EQ(one.Header("allow"), "DELETE");
}

TEST_F(CommentsApi, CommentsGoWithTheirItem) {
    const auto seller = UniqueUser("seller");
    const auto item_id = CreateItem(seller);
    Comment(item_id, UniqueUser(), "soon gone");
    ASSERT_EQ(client_->Delete("/api/v1/items/" + item_id, seller).status, 204);
    ExpectProblem(client_->Get(CommentsPath(item_id)), 404);
}

// ---- events -----------------------------------------------------------------------------------------

class CommentsEvents : public CommentsApi {
protected:
    void SetUp() override {
        CommentsApi::SetUp();
        tap_ = std::make_unique<EventTap>("auction.item", "item.#");
    }

    std::unique_ptr<EventTap> tap_;
};

TEST_F(CommentsEvents, CreatedEventCarriesTheComment) {
    const auto item_id = CreateItem(UniqueUser("seller"));
    const auto author = UniqueUser("author");
    const auto trace = ids::NewUuidV4();
    const auto comment = Comment(item_id, author, "Is this item still available?", Traced(trace));

    auto d = tap_->Next(WithTrace(trace));
    ASSERT_TRUE(d.has_value()) << "no item.comment.created.v1 arrived";
    ExpectItemEvent(*d, "item.comment.created.v1", trace);
    const auto body = EventBody(*d);
    EXPECT_EQ(body.at("timestamp"), comment.at("createdAt"));
    const auto& payload = body.at("payload").as_object();
    EXPECT_EQ(payload.size(), 5U) << d->body;
    EXPECT_EQ(payload.at("id"), comment.at("id"));
    EXPECT_EQ(payload.at("itemId").as_string(), item_id);
    EXPECT_EQ(payload.at("authorId").as_string(), author);
    EXPECT_EQ(payload.at("content").as_string(), "Is this item still available?");
    EXPECT_EQ(payload.at("createdAt"), comment.at("createdAt"));
}

TEST_F(CommentsEvents, DeletedEventCarriesIdItemIdAndDeletedAt) {
    const auto seller = UniqueUser("seller");
    const auto item_id = CreateItem(seller);
    const auto comment = Comment(item_id, UniqueUser("author"), "to be removed");
    const std::string id(comment.at("id").as_string());

    const auto trace = ids::NewUuidV4();
    auto headers = Traced(trace);
    headers["X-User-ID"] = seller;
    const auto before = timeutil::NowMicros();
    ASSERT_EQ(client_->Request("DELETE", CommentsPath(item_id) + "/" + id, "", headers).status, 204);
    auto d = tap_->Next(WithTrace(trace));
    ASSERT_TRUE(d.has_value()) << "no item.comment.deleted.v1 arrived";
    ExpectItemEvent(*d, "item.comment.deleted.v1", trace);
    const auto body = EventBody(*d);
    const auto& payload = body.at("payload").as_object();
    EXPECT_EQ(payload.size(), 3U) << d->body;
    EXPECT_EQ(payload.at("id").as_string(), id);
    EXPECT_EQ(payload.at("itemId").as_string(), item_id);
    EXPECT_EQ(payload.at("deletedAt"), body.at("timestamp"));
    const auto deleted_at = timeutil::ParseRfc3339(payload.at("deletedAt").as_string());
    ASSERT_TRUE(deleted_at.has_value());
    EXPECT_GE(*deleted_at, before - 1'000'000);  // clocks of test and server are the same machine's
    EXPECT_GE(*deleted_at, *timeutil::ParseRfc3339(comment.at("createdAt").as_string()));
}

TEST_F(CommentsEvents, RefusedWritesPublishNothing) {
    const auto seller = UniqueUser("seller");
    const auto item_id = CreateItem(seller);
    const std::string id(Comment(item_id, UniqueUser("author"), "stays").at("id").as_string());

    const auto forbidden = ids::NewUuidV4();
    auto headers = Traced(forbidden);
    headers["X-User-ID"] = UniqueUser("other");
    ASSERT_EQ(client_->Request("DELETE", CommentsPath(item_id) + "/" + id, "", headers).status, 403);
    const auto invalid = ids::NewUuidV4();
    ASSERT_EQ(client_->PostJson(CommentsPath(item_id), json::object{{"content", " "}}, seller, Traced(invalid)).status,
              400);
    const auto unknown = ids::NewUuidV4();
    ASSERT_EQ(
        client_->PostJson(CommentsPath(kUnknownId), json::object{{"content", "hi"}}, seller, Traced(unknown)).status,
        404);

    // A later committed write's event arriving proves the relay has passed the refused ones.
    const auto marker = ids::NewUuidV4();
    Comment(item_id, seller, "marker", Traced(marker));
    std::vector<std::string> seen;
    auto d = tap_->Next([&](const Delivery& m) {
        seen.emplace_back(EventBody(m).at("traceId").as_string());
        return seen.back() == marker;
    });
    ASSERT_TRUE(d.has_value());
    for (const auto& t : seen) {
        EXPECT_NE(t, forbidden);
        EXPECT_NE(t, invalid);
        EXPECT_NE(t, unknown);
    }
}

}  // namespace
}  // namespace auction::testing
