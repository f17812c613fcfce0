// Attributes API (GET/POST /api/v1/items/:itemId/attributes, GET/DELETE .../attributes/:attributeId) and
// its events, against the real PostgreSQL and RabbitMQ.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <set>
#include <thread>

#include "pkg/ids/uuid.hpp"
#include "support/api_assertions.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

namespace json = boost::json;
using rabbitmq::Delivery;

constexpr const char* kUnknownId = "0190b6a0-0000-7000-8000-000000000000";

json::object Attr(const std::string& key, const std::string& value) {
    return json::object{{"key", key}, {"value", value}};
}

json::object Body(json::array attributes) {
    return json::object{{"attributes", std::move(attributes)}};
}

// The body of the design's curl example.
json::object DesignExample() {
    return Body({Attr("brand", "Canon"), Attr("condition", "excellent"), Attr("year", "1965")});
}

class AttributesApi : public ::testing::Test {
protected:
    void SetUp() override { client_ = std::make_unique<HttpClient>(ApiServer::Shared().port()); }

    std::string CreateItem(const std::string& seller) {
        auto res = client_->PostJson("/api/v1/items", SampleItem(), seller);
        EXPECT_EQ(res.status, 201) << res.body;
        return std::string(res.Json().at("id").as_string());
    }

    static std::string AttributesPath(const std::string& item_id) { return "/api/v1/items/" + item_id + "/attributes"; }

    json::array Add(const std::string& item_id, const std::string& seller, const json::object& body,
                    std::map<std::string, std::string> headers = {}) {
        auto res = client_->PostJson(AttributesPath(item_id), body, seller, std::move(headers));
        EXPECT_EQ(res.status, 201) << res.body;
        return res.status == 201 ? res.Json().at("attributes").as_array() : json::array{};
    }

    json::array List(const std::string& item_id) {
        auto res = client_->Get(AttributesPath(item_id));
        EXPECT_EQ(res.status, 200) << res.body;
        return res.Json().at("attributes").as_array();
    }

    std::vector<std::string> Keys(const std::string& item_id) {
        std::vector<std::string> keys;
        for (const auto& a : List(item_id)) {
            keys.emplace_back(a.at("key").as_string());
        }
        return keys;
    }

    std::unique_ptr<HttpClient> client_;
};

TEST_F(AttributesApi, CreateAnswers201WithTheAttributesInRequestOrder) {
    const auto seller = UniqueUser("seller");
    const auto item_id = CreateItem(seller);
    auto res =
        client_->PostJson(AttributesPath(item_id),
                          Body({Attr("year", "1965"), Attr("brand", "Canon"), Attr("condition", "excellent")}), seller);
    ASSERT_EQ(res.status, 201) << res.body;
    EXPECT_EQ(res.Header("location"), AttributesPath(item_id));
    auto body = res.Json().as_object();
    EXPECT_EQ(body.size(), 1U);
    const auto created = body.at("attributes").as_array();
    ASSERT_EQ(created.size(), 3U);
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"year", "1965"}, {"brand", "Canon"}, {"condition", "excellent"}};
    for (std::size_t i = 0; i < created.size(); ++i) {
        const auto& a = created[i].as_object();
        EXPECT_EQ(a.size(), 5U) << a;
        EXPECT_TRUE(ids::IsUuid(a.at("id").as_string()));
        EXPECT_EQ(a.at("itemId").as_string(), item_id);
        EXPECT_EQ(a.at("key").as_string(), expected[i].first);
        EXPECT_EQ(a.at("value").as_string(), expected[i].second);
        EXPECT_TRUE(timeutil::ParseRfc3339(a.at("createdAt").as_string()).has_value());
        EXPECT_EQ(a.at("createdAt"), created[0].at("createdAt"));

        auto one = client_->Get(AttributesPath(item_id) + "/" + std::string(a.at("id").as_string()));
        ASSERT_EQ(one.status, 200) << one.body;
        EXPECT_EQ(one.Json(), created[i]);
    }
    // The list is ordered by key.
    EXPECT_EQ(List(item_id), (json::array{created[1], created[2], created[0]}));
}

TEST_F(AttributesApi, TheDesignsExampleWorksAndAnEmptyItemListsNothing) {
    const auto seller = UniqueUser("seller");
    const auto item_id = CreateItem(seller);
    EXPECT_EQ(client_->Get(AttributesPath(item_id)).Json(), (json::object{{"attributes", json::array{}}}));
    EXPECT_EQ(Add(item_id, seller, DesignExample()).size(), 3U);
    EXPECT_EQ(Keys(item_id), (std::vector<std::string>{"brand", "condition", "year"}));
}

TEST_F(AttributesApi, OnlyTheSellerAddsAttributes) {
    const auto item_id = CreateItem(UniqueUser("seller"));
    ExpectProblem(client_->PostJson(AttributesPath(item_id), DesignExample(), ""), 401);
    ExpectProblem(client_->PostJson(AttributesPath(item_id), DesignExample(), UniqueUser("other")), 403);
    EXPECT_TRUE(List(item_id).empty());
}

TEST_F(AttributesApi, CreateValidatesTheBody) {
    const auto seller = UniqueUser("seller");
    const auto item_id = CreateItem(seller);
    const auto path = AttributesPath(item_id);
    auto expect_400 = [&](const json::object& body, const std::string& field) {
        auto res = client_->PostJson(path, body, seller);
        ExpectProblem(res, 400);
        EXPECT_TRUE(HasFieldError(res, field)) << field << " in " << res.body;
    };
    expect_400(json::object{}, "attributes");
    expect_400(Body({}), "attributes");
    json::array too_many;
    for (int i = 0; i < 51; ++i) {
        too_many.push_back(Attr("k" + std::to_string(i), "v"));
    }
    expect_400(Body(too_many), "attributes");
    expect_400(Body({Attr("brand", "Canon"), Attr("brand", "Nikon")}), "attributes[1].key");
    expect_400(Body({Attr(" brand", "Canon")}), "attributes[0].key");
    expect_400(Body({Attr("", "Canon")}), "attributes[0].key");
    expect_400(Body({Attr(std::string(101, 'k'), "v")}), "attributes[0].key");
    expect_400(Body({Attr("brand", "")}), "attributes[0].value");
    expect_400(Body({Attr("brand", std::string(1001, 'v'))}), "attributes[0].value");
    expect_400(Body({json::object{{"key", "brand"}, {"value", "Canon"}, {"id", "x"}}}), "attributes[0].id");
    auto extra = DesignExample();
    extra["itemId"] = item_id;
    expect_400(extra, "itemId");
    ExpectProblem(client_->Request("POST", path, "{\"attributes\": [",
                                   {{"Content-Type", "application/json"}, {"X-User-ID", seller}}),
                  400);
    ExpectProblem(client_->Request("POST", path, "brand=Canon",
                                   {{"Content-Type", "application/x-www-form-urlencoded"}, {"X-User-ID", seller}}),
                  415);
    EXPECT_TRUE(List(item_id).empty()) << "nothing of a refused request is stored";

    // Limits count characters, not bytes.
    std::string key;
    std::string value;
    for (int i = 0; i < 100; ++i) {
        key += "\xC3\xA9";
    }
    for (int i = 0; i < 1000; ++i) {
        value += "\xE2\x82\xAC";
    }
    EXPECT_EQ(Add(item_id, seller, Body({Attr(key, value)})).size(), 1U);
}

TEST_F(AttributesApi, UnknownOrMalformedIdsAre404) {
    const auto seller = UniqueUser("seller");
    const auto item_id = CreateItem(seller);
    const std::string attr_id(Add(item_id, seller, DesignExample())[0].at("id").as_string());
    ExpectProblem(client_->PostJson(AttributesPath(kUnknownId), DesignExample(), seller), 404);
    ExpectProblem(client_->PostJson(AttributesPath("not-a-uuid"), DesignExample(), seller), 404);
    ExpectProblem(client_->Get(AttributesPath(kUnknownId)), 404);
    ExpectProblem(client_->Get(AttributesPath("not-a-uuid")), 404);
    ExpectProblem(client_->Get(AttributesPath(item_id) + "/" + kUnknownId), 404);
    ExpectProblem(client_->Get(AttributesPath(item_id) + "/not-a-uuid"), 404);
    ExpectProblem(client_->Get(AttributesPath(kUnknownId) + "/" + attr_id), 404);
    ExpectProblem(client_->Delete(AttributesPath(item_id) + "/" + kUnknownId, seller), 404);
    ExpectProblem(client_->Delete(AttributesPath(item_id) + "/not-a-uuid", seller), 404);
    ExpectProblem(client_->Delete(AttributesPath(kUnknownId) + "/" + attr_id, seller), 404);
}

TEST_F(AttributesApi, AnAttributeIsFoundOnlyUnderItsOwnItem) {
    const auto seller = UniqueUser("seller");
    const auto item_a = CreateItem(seller);
    const auto item_b = CreateItem(seller);
    const std::string attr_id(Add(item_a, seller, Body({Attr("brand", "Canon")}))[0].at("id").as_string());
    ExpectProblem(client_->Get(AttributesPath(item_b) + "/" + attr_id), 404);
    ExpectProblem(client_->Delete(AttributesPath(item_b) + "/" + attr_id, seller), 404);
    EXPECT_EQ(client_->Get(AttributesPath(item_a) + "/" + attr_id).status, 200);
}

TEST_F(AttributesApi, AnExistingKeyIs409AndNothingIsCreated) {
    const auto seller = UniqueUser("seller");
    const auto item_id = CreateItem(seller);
    Add(item_id, seller, Body({Attr("brand", "Canon")}));
    auto res =
        client_->PostJson(AttributesPath(item_id), Body({Attr("color", "black"), Attr("brand", "Nikon")}), seller);
    ExpectProblem(res, 409);
    EXPECT_TRUE(HasFieldError(res, "attributes[1].key")) << res.body;
    EXPECT_EQ(Keys(item_id), std::vector<std::string>{"brand"}) << "all or none";
    EXPECT_EQ(List(item_id)[0].at("value").as_string(), "Canon");
    // Keys are case-sensitive, as the table's unique constraint is.
    Add(item_id, seller, Body({Attr("Brand", "Nikon")}));
    EXPECT_EQ(Keys(item_id), (std::vector<std::string>{"Brand", "brand"}));
}

TEST_F(AttributesApi, TheUniqueConstraintHasTheNameTheErrorMappingExpects) {
    // infra/postgres/error_mapping.cpp maps a 23505 on this constraint to a 409 naming "attributes".
    auto conn = postgres::PgConnection::Connect(TestApiConfig().postgres.ConnInfo("test"), std::chrono::seconds(5));
    auto rows =
        conn->Exec("SELECT conname FROM pg_constraint WHERE conrelid = 'item_attributes'::regclass AND contype = 'u'");
    ASSERT_EQ(rows.Rows(), 1);
    EXPECT_EQ(rows.String(0, 0), "item_attributes_item_id_key_key");
}

TEST_F(AttributesApi, AnItemHoldsAtMostHundredAttributes) {
    const auto seller = UniqueUser("seller");
    const auto item_id = CreateItem(seller);
    for (int batch = 0; batch < 2; ++batch) {
        json::array fifty;
        for (int i = 0; i < 50; ++i) {
            fifty.push_back(Attr("k" + std::to_string(batch * 50 + i), "v"));
        }
        ASSERT_EQ(Add(item_id, seller, Body(fifty)).size(), 50U);
    }
    auto res = client_->PostJson(AttributesPath(item_id), Body({Attr("one-more", "v")}), seller);
    ExpectProblem(res, 409);
    EXPECT_TRUE(HasFieldError(res, "attributes"));
    EXPECT_EQ(List(item_id).size(), 100U);
}

TEST_F(AttributesApi, ConcurrentRequestsForOneKeyCreateItOnce) {
    const auto seller = UniqueUser("seller");
    const auto item_id = CreateItem(seller);
    constexpr int kClients = 4;
    std::vector<int> statuses(kClients);
    std::vector<std::thread> threads;
    for (int i = 0; i < kClients; ++i) {
        threads.emplace_back([&, i] {
            HttpClient client(ApiServer::Shared().port());
            statuses[static_cast<std::size_t>(i)] =
                client.PostJson(AttributesPath(item_id), Body({Attr("brand", "client " + std::to_string(i))}), seller)
                    .status;
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 201), 1);
    EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 409), kClients - 1);
    EXPECT_EQ(List(item_id).size(), 1U);
}

TEST_F(AttributesApi, AnInactiveItemsAttributesAreFrozen) {
    const auto seller = UniqueUser("seller");
    const auto item_id = CreateItem(seller);
    const std::string attr_id(Add(item_id, seller, Body({Attr("brand", "Canon")}))[0].at("id").as_string());
    ASSERT_EQ(client_->PutJson("/api/v1/items/" + item_id, {{"status", "cancelled"}}, seller).status, 200);
    ExpectProblem(client_->PostJson(AttributesPath(item_id), Body({Attr("color", "black")}), seller), 409);
    ExpectProblem(client_->Delete(AttributesPath(item_id) + "/" + attr_id, seller), 409);
    EXPECT_EQ(Keys(item_id), std::vector<std::string>{"brand"});
    EXPECT_EQ(client_->Get(AttributesPath(item_id) + "/" + attr_id).status, 200);
}

TEST_F(AttributesApi, OnlyTheSellerDeletes) {
    const auto seller = UniqueUser("seller");
    const auto item_id = CreateItem(seller);
    const auto created = Add(item_id, seller, DesignExample());
    const std::string path = AttributesPath(item_id) + "/" + std::string(created[0].at("id").as_string());
    ExpectProblem(client_->Delete(path, ""), 401);
    ExpectProblem(client_->Delete(path, UniqueUser("other")), 403);
    auto res = client_->Delete(path, seller);
    EXPECT_EQ(res.status, 204) << res.body;
    EXPECT_TRUE(res.body.empty());
    ExpectProblem(client_->Get(path), 404);
    ExpectProblem(client_->Delete(path, seller), 404);
    EXPECT_EQ(Keys(item_id), (std::vector<std::string>{"condition", "year"}));
    // A deleted key can be added again.
    Add(item_id, seller, Body({Attr("brand", "Leica")}));
}

TEST_F(AttributesApi, OtherMethodsAre405WithAllow) {
    const auto item_id = CreateItem(UniqueUser("seller"));
    auto list = client_->Request("PUT", AttributesPath(item_id), "{}", {{"Content-Type", "application/json"}});
    ExpectProblem(list, 405);
    EXPECT_EQ(list.Header("allow"), "GET, POST");
    auto one = client_->Request("PUT", AttributesPath(item_id) + "/" + kUnknownId, "{}",
                                {{"Content-Type", "application/json"}});
    ExpectProblem(one, 405);
    EXPECT_EQ(one.Header("allow"), "GET, DELETE");
}

TEST_F(AttributesApi, AttributesGoWithTheirItem) {
    const auto seller = UniqueUser("seller");
    const auto item_id = CreateItem(seller);
    const std::string attr_id(Add(item_id, seller, DesignExample())[0].at("id").as_string());
    ASSERT_EQ(client_->Delete("/api/v1/items/" + item_id, seller).status, 204);
    ExpectProblem(client_->Get(AttributesPath(item_id)), 404);
    ExpectProblem(client_->Get(AttributesPath(item_id) + "/" + attr_id), 404);
}

// ---- events -----------------------------------------------------------------------------------------

class AttributesEvents : public AttributesApi {
protected:
    void SetUp() override {
        AttributesApi::SetUp();
        tap_ = std::make_unique<EventTap>("auction.item", "item.#");
    }

    std::unique_ptr<EventTap> tap_;
};

TEST_F(AttributesEvents, OneCreatedEventPerAttributeInRequestOrder) {
    const auto seller = UniqueUser("seller");
    const auto item_id = CreateItem(seller);
    const auto trace = ids::NewUuidV4();
    const auto created = Add(item_id, seller, DesignExample(), Traced(trace));
    ASSERT_EQ(created.size(), 3U);

    auto events = tap_->Collect(WithTrace(trace), std::chrono::seconds(10), 3);
    ASSERT_EQ(events.size(), 3U) << "one item.attribute.created.v1 per attribute, no more";
    std::set<std::string> message_ids;
    for (std::size_t i = 0; i < events.size(); ++i) {
        const auto& d = events[i];
        ExpectItemEvent(d, "item.attribute.created.v1", trace);
        message_ids.insert(d.properties.message_id);
        const auto body = EventBody(d);
        EXPECT_EQ(body.at("timestamp"), created[i].at("createdAt"));
        const auto& payload = body.at("payload").as_object();
        EXPECT_EQ(payload.size(), 5U) << d.body;
        EXPECT_EQ(payload.at("id"), created[i].at("id"));
        EXPECT_EQ(payload.at("itemId").as_string(), item_id);
        EXPECT_EQ(payload.at("key"), created[i].at("key"));
        EXPECT_EQ(payload.at("value"), created[i].at("value"));
        EXPECT_EQ(payload.at("createdAt"), created[i].at("createdAt"));
    }
    EXPECT_EQ(message_ids.size(), 3U) << "each event has its own message_id";
}

TEST_F(AttributesEvents, DeletedEventCarriesIdItemIdAndDeletedAt) {
    const auto seller = UniqueUser("seller");
    const auto item_id = CreateItem(seller);
    const std::string attr_id(Add(item_id, seller, DesignExample())[1].at("id").as_string());

    const auto trace = ids::NewUuidV4();
    auto headers = Traced(trace);
    headers["X-User-ID"] = seller;
    ASSERT_EQ(client_->Request("DELETE", AttributesPath(item_id) + "/" + attr_id, "", headers).status, 204);
    auto d = tap_->Next(WithTrace(trace));
    ASSERT_TRUE(d.has_value()) << "no item.attribute.deleted.v1 arrived";
    ExpectItemEvent(*d, "item.attribute.deleted.v1", trace);
    const auto body = EventBody(*d);
    const auto& payload = body.at("payload").as_object();
    EXPECT_EQ(payload.size(), 3U) << d->body;
    EXPECT_EQ(payload.at("id").as_string(), attr_id);
    EXPECT_EQ(payload.at("itemId").as_string(), item_id);
    EXPECT_EQ(payload.at("deletedAt"), body.at("timestamp"));
    EXPECT_TRUE(timeutil::ParseRfc3339(payload.at("deletedAt").as_string()).has_value());
}

TEST_F(AttributesEvents, RefusedWritesPublishNothing) {
    const auto seller = UniqueUser("seller");
    const auto item_id = CreateItem(seller);
    const std::string attr_id(Add(item_id, seller, Body({Attr("brand", "Canon")}))[0].at("id").as_string());

    // All or none: one conflicting key refuses the whole request and publishes nothing for the others.
    const auto conflict = ids::NewUuidV4();
    ASSERT_EQ(client_
                  ->PostJson(AttributesPath(item_id), Body({Attr("color", "black"), Attr("brand", "Nikon")}), seller,
                             Traced(conflict))
                  .status,
              409);
    const auto forbidden = ids::NewUuidV4();
    ASSERT_EQ(client_->PostJson(AttributesPath(item_id), Body({Attr("size", "L")}), "other", Traced(forbidden)).status,
              403);
    const auto forbidden_delete = ids::NewUuidV4();
    auto headers = Traced(forbidden_delete);
    headers["X-User-ID"] = "other";
    ASSERT_EQ(client_->Request("DELETE", AttributesPath(item_id) + "/" + attr_id, "", headers).status, 403);

    // A later committed write's event arriving proves the relay has passed the refused ones.
    const auto marker = ids::NewUuidV4();
    Add(item_id, seller, Body({Attr("marker", "m")}), Traced(marker));
    std::vector<std::string> seen;
    auto d = tap_->Next([&](const Delivery& m) {
        seen.emplace_back(EventBody(m).at("traceId").as_string());
        return seen.back() == marker;
    });
    ASSERT_TRUE(d.has_value());
    for (const auto& t : seen) {
        EXPECT_NE(t, conflict);
        EXPECT_NE(t, forbidden);
        EXPECT_NE(t, forbidden_delete);
    }
}

}  // namespace
}  // namespace auction::testing
