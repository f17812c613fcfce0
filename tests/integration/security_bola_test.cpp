// OWASP API1 (broken object level authorization) and API3 (broken object property level authorization),
// against the real services: every write route of the route table refuses a caller who does not own the
// object, the object is unchanged when read back, and no event is published for the refused request.
// docs/SECURITY.md cites these tests.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

#include "support/api_assertions.hpp"
#include "support/image_support.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

namespace json = boost::json;

class SecurityBola : public ::testing::Test {
protected:
    void SetUp() override {
        client_ = std::make_unique<HttpClient>(ApiServer::Shared().port());
        tap_ = std::make_unique<EventTap>("auction.item", "item.#");
        seller_ = UniqueUser("victim");
        attacker_ = UniqueUser("attacker");
        trace_ = "bola-" + UniqueUser("t");
        item_id_ = CreateItem(seller_);
    }

    std::string CreateItem(const std::string& seller) {
        auto res = client_->PostJson("/api/v1/items", SampleItem(), seller);
        EXPECT_EQ(res.status, 201) << res.body;
        return res.status == 201 ? std::string(res.Json().at("id").as_string()) : std::string();
    }

    // A request as `user` carrying this test's trace id, so its events (if any) can be recognised.
    HttpResult As(const std::string& user, const std::string& method, const std::string& target,
                  const std::string& body = "", const std::string& content_type = "application/json") {
        auto headers = Traced(trace_);
        if (!user.empty()) {
            headers["X-User-ID"] = user;
        }
        if (!body.empty()) {
            headers["Content-Type"] = content_type;
        }
        return client_->Request(method, target, body, std::move(headers));
    }

    std::string Item() const { return "/api/v1/items/" + item_id_; }

    std::string GetBody(const std::string& target) {
        auto res = client_->Get(target);
        EXPECT_EQ(res.status, 200) << target << ": " << res.body;
        return res.body;
    }

    // No event carries this test's trace id: the refused requests changed nothing that would publish.
    void ExpectNoEventsForTrace() {
        auto events = tap_->Collect(WithTrace(trace_), std::chrono::milliseconds(1500));
        for (const auto& e : events) {
            ADD_FAILURE() << "a refused request published " << e.routing_key << ": " << e.body;
        }
    }

    std::unique_ptr<HttpClient> client_;
    std::unique_ptr<EventTap> tap_;
    std::string seller_;
    std::string attacker_;
    std::string trace_;
    std::string item_id_;
};

TEST_F(SecurityBola, AnotherUserCannotUpdateOrDeleteAnItem) {
    const auto before = GetBody(Item());
    const auto patch = json::serialize(json::object{{"name", "Hijacked"}, {"categoryIds", json::array{}}});
    ExpectProblem(As(attacker_, "PUT", Item(), patch), 403);
    ExpectProblem(As(attacker_, "DELETE", Item()), 403);
    // Without any identity the same writes are 401, never a silent success.
    ExpectProblem(As("", "PUT", Item(), patch), 401);
    ExpectProblem(As("", "DELETE", Item()), 401);
    EXPECT_EQ(GetBody(Item()), before);
    ExpectNoEventsForTrace();
}

TEST_F(SecurityBola, CategoriesOfAnItemChangeOnlyThroughItsSeller) {
    // Categories are attached with the item's categoryIds (there is no separate write route): the item's
    // update path is the only way, and it is guarded by the seller check.
    auto cats = client_->Get("/api/v1/categories");
    ASSERT_EQ(cats.status, 200) << cats.body;
    const auto cats_json = cats.Json();
    const auto& list = cats_json.at("categories").as_array();
    ASSERT_FALSE(list.empty());
    const auto category = std::string(list.front().at("id").as_string());
    const auto before = GetBody(Item());
    const auto patch = json::serialize(json::object{{"categoryIds", json::array{json::value(category)}}});
    ExpectProblem(As(attacker_, "PUT", Item(), patch), 403);
    EXPECT_EQ(GetBody(Item()), before);
    ExpectNoEventsForTrace();
}

TEST_F(SecurityBola, OnlyTheAuthorOrTheSellerDeletesAComment) {
    const auto author = UniqueUser("author");
    auto created = client_->PostJson(Item() + "/comments", json::object{{"content", "Is it working?"}}, author);
    ASSERT_EQ(created.status, 201) << created.body;
    const auto comment_id = std::string(created.Json().at("id").as_string());
    const auto before = GetBody(Item() + "/comments");
    ExpectProblem(As(attacker_, "DELETE", Item() + "/comments/" + comment_id), 403);
    ExpectProblem(As("", "DELETE", Item() + "/comments/" + comment_id), 401);
    // The attacker's own item does not lend its rights to another item's comment: the pair must match.
    const auto own_item = CreateItem(attacker_);
    ExpectProblem(As(attacker_, "DELETE", "/api/v1/items/" + own_item + "/comments/" + comment_id), 404);
    EXPECT_EQ(GetBody(Item() + "/comments"), before);
    ExpectNoEventsForTrace();
    // The seller may moderate it.
    EXPECT_EQ(client_->Delete(Item() + "/comments/" + comment_id, seller_).status, 204);
}

TEST_F(SecurityBola, AnotherUserCannotAddOrDeleteAttributes) {
    const auto body =
        json::serialize(json::object{{"attributes", json::array{json::object{{"key", "brand"}, {"value", "Canon"}}}}});
    auto created = client_->PostJson(Item() + "/attributes", json::parse(body), seller_);
    ASSERT_EQ(created.status, 201) << created.body;
    const auto attribute_id = std::string(created.Json().at("attributes").at(0).at("id").as_string());
    const auto before = GetBody(Item() + "/attributes");
    const auto extra =
        json::serialize(json::object{{"attributes", json::array{json::object{{"key", "fake"}, {"value", "yes"}}}}});
    ExpectProblem(As(attacker_, "POST", Item() + "/attributes", extra), 403);
    ExpectProblem(As("", "POST", Item() + "/attributes", extra), 401);
    ExpectProblem(As(attacker_, "DELETE", Item() + "/attributes/" + attribute_id), 403);
    ExpectProblem(As("", "DELETE", Item() + "/attributes/" + attribute_id), 401);
    const auto own_item = CreateItem(attacker_);
    ExpectProblem(As(attacker_, "DELETE", "/api/v1/items/" + own_item + "/attributes/" + attribute_id), 404);
    EXPECT_EQ(GetBody(Item() + "/attributes"), before);
    EXPECT_EQ(client_->Get(Item() + "/attributes/" + attribute_id).status, 200);
    ExpectNoEventsForTrace();
}

TEST_F(SecurityBola, AnotherUserCannotUploadOrDeleteImages) {
    auto uploaded = UploadImage(*client_, item_id_, seller_, PngBytes());
    ASSERT_EQ(uploaded.status, 201) << uploaded.body;
    const auto image_id = std::string(uploaded.Json().at("id").as_string());
    const auto before = GetBody(Item() + "/images");
    const auto keys_before = ObjectKeysOfItem(item_id_);
    const auto form = MultipartBody({{"image", std::string("x.png"), "image/png", PngBytes()}});
    const auto form_type = std::string("multipart/form-data; boundary=") + kTestBoundary;
    ExpectProblem(As(attacker_, "POST", Item() + "/images", form, form_type), 403);
    ExpectProblem(As("", "POST", Item() + "/images", form, form_type), 401);
    ExpectProblem(As(attacker_, "DELETE", Item() + "/images/" + image_id), 403);
    ExpectProblem(As("", "DELETE", Item() + "/images/" + image_id), 401);
    const auto own_item = CreateItem(attacker_);
    ExpectProblem(As(attacker_, "DELETE", "/api/v1/items/" + own_item + "/images/" + image_id), 404);
    EXPECT_EQ(GetBody(Item() + "/images"), before);
    EXPECT_EQ(ObjectKeysOfItem(item_id_), keys_before);  // no object stored or deleted for the attacker
    ExpectNoEventsForTrace();
}

// API3: the fields only the server or the worker may set are refused on create and update, whoever asks.
TEST_F(SecurityBola, ClientsCannotSetServerOwnedProperties) {
    const std::pair<const char*, json::value> kForbidden[] = {{"currentPrice", "99999.00"},
                                                              {"buyerId", "someone"},
                                                              {"sellerId", "someone-else"},
                                                              {"id", "0190b6a0-0000-7000-8000-000000000000"},
                                                              {"createdAt", "2020-01-01T00:00:00Z"}};
    for (const auto& [field, value] : kForbidden) {
        auto create = SampleItem("Mass assignment");
        create[field] = value;
        auto res = As(seller_, "POST", "/api/v1/items", json::serialize(create));
        ExpectProblem(res, 400);
        EXPECT_TRUE(HasFieldError(res, field)) << field << ": " << res.body;
        auto update = As(seller_, "PUT", Item(), json::serialize(json::object{{field, value}}));
        ExpectProblem(update, 400);
        EXPECT_TRUE(HasFieldError(update, field)) << field << ": " << update.body;
    }
    // status: a client creates active items and may cancel its own, but never declares one sold.
    auto sold = SampleItem("Sold by decree");
    sold["status"] = "sold";
    ExpectProblem(As(seller_, "POST", "/api/v1/items", json::serialize(sold)), 400);
    ExpectProblem(As(seller_, "PUT", Item(), json::serialize(json::object{{"status", "sold"}})), 400);
    ExpectProblem(As(seller_, "PUT", Item(), json::serialize(json::object{{"status", "expired"}})), 400);
    const auto item = json::parse(GetBody(Item())).as_object();
    EXPECT_EQ(item.at("status").as_string(), "active");
    EXPECT_EQ(item.at("currentPrice").as_string(), "100.00");
    EXPECT_TRUE(item.at("buyerId").is_null());
    EXPECT_EQ(item.at("sellerId").as_string(), seller_);
    ExpectNoEventsForTrace();
}

TEST_F(SecurityBola, TheCallerIdentityComesFromTheHeaderNotTheBody) {
    // authorId of a comment is the caller's, whatever the body claims (unknown fields are refused).
    auto forged = As(attacker_, "POST", Item() + "/comments",
                     json::serialize(json::object{{"content", "hi"}, {"authorId", seller_}}));
    ExpectProblem(forged, 400);
    auto honest = client_->PostJson(Item() + "/comments", json::object{{"content", "hi"}}, attacker_);
    ASSERT_EQ(honest.status, 201) << honest.body;
    EXPECT_EQ(honest.Json().at("authorId").as_string(), attacker_);
}

TEST_F(SecurityBola, ReadsExposeNoStorageInternals) {
    // API3 on reads: an image shows its public URL, never the bucket key layout beyond it, credentials or
    // row internals; items show exactly the documented fields.
    auto uploaded = UploadImage(*client_, item_id_, seller_, PngBytes());
    ASSERT_EQ(uploaded.status, 201) << uploaded.body;
    const auto image = uploaded.Json().as_object();
    EXPECT_EQ(image.size(), 7U) << uploaded.body;
    EXPECT_FALSE(image.contains("objectKey"));
    EXPECT_EQ(uploaded.body.find(TestApiConfig().aws.secret_key), std::string::npos);
    const auto item = json::parse(GetBody(Item())).as_object();
    for (const auto& [key, value] : item) {
        static const std::set<std::string> kDocumented = {"id",           "name",       "description",  "sellerId",
                                                          "currencyCode", "startPrice", "currentPrice", "bidIncrement",
                                                          "startDate",    "endDate",    "status",       "buyerId",
                                                          "categoryIds",  "createdAt",  "updatedAt"};
        EXPECT_TRUE(kDocumented.count(std::string(key))) << "undocumented field " << key;
    }
}

}  // namespace
}  // namespace auction::testing
