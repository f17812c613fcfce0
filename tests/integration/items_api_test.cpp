// Items API against the real PostgreSQL and RabbitMQ started by scripts/test.sh.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/api_assertions.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

namespace json = boost::json;

class ItemsApi : public ::testing::Test {
protected:
    void SetUp() override { client_ = std::make_unique<HttpClient>(ApiServer::Shared().port()); }

    json::object CreateItem(const std::string& seller, json::object body = SampleItem()) {
        auto res = client_->PostJson("/api/v1/items", body, seller);
        EXPECT_EQ(res.status, 201) << res.body;
        return res.Json().as_object();
    }

    std::unique_ptr<HttpClient> client_;
};

TEST_F(ItemsApi, CreateAnswers201WithItemAndLocation) {
    const auto seller = UniqueUser();
    const auto sent = SampleItem();
    auto res = client_->PostJson("/api/v1/items", sent, seller);
    ASSERT_EQ(res.status, 201) << res.body;
    auto item = res.Json().as_object();
    EXPECT_EQ(res.Header("location"), "/api/v1/items/" + std::string(item.at("id").as_string()));
    EXPECT_EQ(item.at("name").as_string(), "Vintage Camera");
    EXPECT_EQ(item.at("description").as_string(), "Rare 1960s camera");
    EXPECT_EQ(item.at("sellerId").as_string(), seller);
    EXPECT_EQ(item.at("currencyCode").as_string(), "USD");
    EXPECT_EQ(item.at("startPrice").as_string(), "100.00");
    EXPECT_EQ(item.at("currentPrice").as_string(), "100.00");
    EXPECT_EQ(item.at("bidIncrement").as_string(), "5.00");
    EXPECT_EQ(item.at("startDate"), sent.at("startDate"));
    EXPECT_EQ(item.at("endDate"), sent.at("endDate"));
    EXPECT_EQ(item.at("status").as_string(), "active");
    EXPECT_TRUE(item.at("buyerId").is_null());
    EXPECT_TRUE(item.at("categoryIds").as_array().empty());
    EXPECT_FALSE(item.at("createdAt").as_string().empty());
    EXPECT_EQ(item.at("createdAt"), item.at("updatedAt"));
    EXPECT_FALSE(res.Header("x-trace-id").empty());
    EXPECT_FALSE(res.Header("x-correlation-id").empty());

    auto got = client_->Get("/api/v1/items/" + std::string(item.at("id").as_string()));
    ASSERT_EQ(got.status, 200);
    EXPECT_EQ(got.Json(), json::value(item));
}

TEST_F(ItemsApi, CreateWithoutUserIs401) {
    ExpectProblem(client_->PostJson("/api/v1/items", SampleItem(), ""), 401);
    ExpectProblem(client_->PostJson("/api/v1/items", SampleItem(), "has space"), 401);
}

TEST_F(ItemsApi, CreateValidatesEveryField) {
    const auto user = UniqueUser();
    auto body = SampleItem();
    body["name"] = "";
    body["startPrice"] = 100.0;
    body["bidIncrement"] = "0";
    body["currencyCode"] = "XXQ";
    body["endDate"] = "2024-01-10T10:00:00Z";
    auto res = client_->PostJson("/api/v1/items", body, user);
    ExpectProblem(res, 400);
    for (const char* field : {"name", "startPrice", "bidIncrement", "currencyCode"}) {
        EXPECT_TRUE(HasFieldError(res, field)) << field << " in " << res.body;
    }
    auto dates = SampleItem();  // both in the future, the end before the start
    dates["startDate"] = TimeFromNow(std::chrono::hours(48));
    dates["endDate"] = TimeFromNow(std::chrono::hours(24));
    EXPECT_TRUE(HasFieldError(client_->PostJson("/api/v1/items", dates, user), "endDate"));
    auto bad_date = SampleItem();
    bad_date["startDate"] = "2024-02-30T10:00:00Z";
    EXPECT_TRUE(HasFieldError(client_->PostJson("/api/v1/items", bad_date, user), "startDate"));
    auto missing = SampleItem();
    missing.erase("name");
    EXPECT_TRUE(HasFieldError(client_->PostJson("/api/v1/items", missing, user), "name"));
    auto long_name = SampleItem(std::string(201, 'x'));
    EXPECT_TRUE(HasFieldError(client_->PostJson("/api/v1/items", long_name, user), "name"));
    auto max_name = SampleItem(std::string(200, 'x'));
    EXPECT_EQ(client_->PostJson("/api/v1/items", max_name, user).status, 201);
}

TEST_F(ItemsApi, ClientCannotSetServerOwnedFields) {
    const auto user = UniqueUser();
    for (const char* field : {"currentPrice", "buyerId", "sellerId", "id", "createdAt"}) {
        auto body = SampleItem();
        body[field] = "1.00";
        auto res = client_->PostJson("/api/v1/items", body, user);
        ExpectProblem(res, 400);
        EXPECT_TRUE(HasFieldError(res, field)) << res.body;
    }
    auto sold = SampleItem();
    sold["status"] = "sold";
    EXPECT_TRUE(HasFieldError(client_->PostJson("/api/v1/items", sold, user), "status"));
}

TEST_F(ItemsApi, MalformedJsonIs400AndWrongContentTypeIs415) {
    const auto user = UniqueUser();
    auto res = client_->Request("POST", "/api/v1/items",
                                "{\"name\": ", {{"Content-Type", "application/json"}, {"X-User-ID", user}});
    ExpectProblem(res, 400);
    ExpectProblem(
        client_->Request("POST", "/api/v1/items", "[]", {{"Content-Type", "application/json"}, {"X-User-ID", user}}),
        400);
    ExpectProblem(client_->Request("POST", "/api/v1/items", "name=x",
                                   {{"Content-Type", "application/x-www-form-urlencoded"}, {"X-User-ID", user}}),
                  415);
}

TEST_F(ItemsApi, BodyOverLimitIs413) {
    std::string big(ApiServer::Shared().app().config().body_limit_bytes + 1, 'a');
    auto res = client_->Request("POST", "/api/v1/items", big,
                                {{"Content-Type", "application/json"}, {"X-User-ID", UniqueUser()}});
    ExpectProblem(res, 413);
}

TEST_F(ItemsApi, UnknownIdsAre404AndRoutesAre404Or405) {
    ExpectProblem(client_->Get("/api/v1/items/0190b6a0-0000-7000-8000-000000000000"), 404);
    ExpectProblem(client_->Get("/api/v1/items/not-a-uuid"), 404);
    ExpectProblem(client_->Get("/api/v1/nothing"), 404);
    auto res = client_->Request("PATCH", "/api/v1/items", "");
    ExpectProblem(res, 405);
    EXPECT_NE(res.Header("allow").find("GET"), std::string::npos);
    EXPECT_NE(res.Header("allow").find("POST"), std::string::npos);
    const auto user = UniqueUser();
    ExpectProblem(client_->PutJson("/api/v1/items/0190b6a0-0000-7000-8000-000000000000", {{"name", "x"}}, user), 404);
    ExpectProblem(client_->Delete("/api/v1/items/0190b6a0-0000-7000-8000-000000000000", user), 404);
}

TEST_F(ItemsApi, OnlyTheSellerUpdatesAndDeletes) {
    const auto seller = UniqueUser("seller");
    auto item = CreateItem(seller);
    const std::string path = "/api/v1/items/" + std::string(item.at("id").as_string());
    ExpectProblem(client_->PutJson(path, {{"name", "Mine now"}}, UniqueUser("other")), 403);
    ExpectProblem(client_->PutJson(path, {{"name", "Mine now"}}, ""), 401);
    ExpectProblem(client_->Delete(path, UniqueUser("other")), 403);
    ExpectProblem(client_->Delete(path, ""), 401);
    EXPECT_EQ(client_->Get(path).Json().at("name").as_string(), "Vintage Camera");
}

TEST_F(ItemsApi, UpdateReplacesPresentFieldsAndKeepsOthers) {
    const auto seller = UniqueUser("seller");
    auto item = CreateItem(seller);
    const std::string path = "/api/v1/items/" + std::string(item.at("id").as_string());
    auto res = client_->PutJson(path, {{"name", "Vintage Camera (boxed)"}, {"startPrice", "120.50"}}, seller);
    ASSERT_EQ(res.status, 200) << res.body;
    auto updated = res.Json().as_object();
    EXPECT_EQ(updated.at("name").as_string(), "Vintage Camera (boxed)");
    EXPECT_EQ(updated.at("startPrice").as_string(), "120.50");
    EXPECT_EQ(updated.at("currentPrice").as_string(), "120.50");  // no bids yet: follows the start price
    EXPECT_EQ(updated.at("description").as_string(), "Rare 1960s camera");
    EXPECT_EQ(updated.at("createdAt"), item.at("createdAt"));
    EXPECT_NE(updated.at("updatedAt"), item.at("updatedAt"));
    EXPECT_EQ(client_->Get(path).Json(), json::value(updated));

    ExpectProblem(client_->PutJson(path, {{"endDate", "2024-01-01T00:00:00Z"}}, seller), 400);
    ExpectProblem(client_->PutJson(path, {{"currentPrice", "500.00"}}, seller), 400);
    ExpectProblem(client_->PutJson(path, {{"status", "sold"}}, seller), 400);
    ExpectProblem(client_->PutJson(path, json::object{}, seller), 400);
}

TEST_F(ItemsApi, CancelledItemCannotBeEditedAnymore) {
    const auto seller = UniqueUser("seller");
    auto item = CreateItem(seller);
    const std::string path = "/api/v1/items/" + std::string(item.at("id").as_string());
    ASSERT_EQ(client_->PutJson(path, {{"status", "cancelled"}}, seller).status, 200);
    ExpectProblem(client_->PutJson(path, {{"name", "again"}}, seller), 409);
}

TEST_F(ItemsApi, SoldItemConflicts) {
    const auto seller = UniqueUser("seller");
    auto item = CreateItem(seller);
    const std::string id(item.at("id").as_string());
    // Only the worker sells items; simulate its committed change directly in the database.
    {
        auto conn = postgres::PgConnection::Connect(TestApiConfig().postgres.ConnInfo("test"), std::chrono::seconds(5));
        conn->ExecParams("UPDATE items SET status = 'sold', buyer_id = 'buyer-1', current_price = 150 WHERE id = $1",
                         {id});
    }
    ExpectProblem(client_->PutJson("/api/v1/items/" + id, {{"name", "x"}}, seller), 409);
    ExpectProblem(client_->Delete("/api/v1/items/" + id, seller), 409);
    auto got = client_->Get("/api/v1/items/" + id).Json();
    EXPECT_EQ(got.at("status").as_string(), "sold");
    EXPECT_EQ(got.at("buyerId").as_string(), "buyer-1");
}

TEST_F(ItemsApi, DeleteAnswers204ThenTheItemIsGone) {
    const auto seller = UniqueUser("seller");
    auto item = CreateItem(seller);
    const std::string path = "/api/v1/items/" + std::string(item.at("id").as_string());
    auto res = client_->Delete(path, seller);
    EXPECT_EQ(res.status, 204);
    EXPECT_TRUE(res.body.empty());
    ExpectProblem(client_->Get(path), 404);
    ExpectProblem(client_->Delete(path, seller), 404);
}

TEST_F(ItemsApi, TraceIdsAreEchoed) {
    auto res = client_->Get("/api/v1/categories", {{"X-Trace-Id", "trace-abc"}, {"X-Correlation-Id", "corr-1"}});
    EXPECT_EQ(res.Header("x-trace-id"), "trace-abc");
    EXPECT_EQ(res.Header("x-correlation-id"), "corr-1");
    auto w3c = client_->Get("/api/v1/categories",
                            {{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}});
    EXPECT_EQ(w3c.Header("x-trace-id"), "4bf92f3577b34da6a3ce929d0e0e4736");
    auto injected = client_->Get("/api/v1/categories", {{"X-Trace-Id", "bad\"id"}});
    EXPECT_NE(injected.Header("x-trace-id"), "bad\"id");
    EXPECT_FALSE(injected.Header("x-trace-id").empty());
}

}  // namespace
}  // namespace auction::testing
