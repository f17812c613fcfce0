// GET /api/v1/items: pagination, filters, sort and their validation; categories.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "pkg/ids/uuid.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

namespace json = boost::json;

constexpr const char* kCameras = "c0000000-0000-4000-8000-000000000002";      // Electronics > Cameras & Photo
constexpr const char* kElectronics = "c0000000-0000-4000-8000-000000000001";  // a root

class ItemListing : public ::testing::Test {
protected:
    void SetUp() override {
        client_ = std::make_unique<HttpClient>(ApiServer::Shared().port());
        seller_ = UniqueUser("lister");
        word_ = "zq" + ids::NewUuidV4().substr(0, 8);
        // Five items with distinct prices and end dates; two of them in Cameras, one mentioning word_.
        for (int i = 0; i < 5; ++i) {
            auto body = SampleItem("Lot " + std::to_string(i));
            body["startPrice"] = std::to_string(10 * (i + 1)) + ".00";
            body["endDate"] = TimeFromNow(std::chrono::hours(24 * (5 - i)));
            if (i < 2) {
                body["categoryIds"] = json::array{kCameras};
            }
            if (i == 3) {
                body["description"] = "has the word " + word_ + " inside";
            }
            auto res = client_->PostJson("/api/v1/items", body, seller_);
            ASSERT_EQ(res.status, 201) << res.body;
            ids_.emplace_back(res.Json().at("id").as_string());
        }
    }

    json::object List(const std::string& query) {
        auto res = client_->Get("/api/v1/items?sellerId=" + seller_ + (query.empty() ? "" : "&" + query));
        EXPECT_EQ(res.status, 200) << res.body;
        return res.Json().as_object();
    }

    std::vector<std::string> Names(const json::object& page) {
        std::vector<std::string> out;
        for (const auto& i : page.at("items").as_array()) {
            out.emplace_back(i.at("name").as_string());
        }
        return out;
    }

    std::unique_ptr<HttpClient> client_;
    std::string seller_;
    std::string word_;
    std::vector<std::string> ids_;
};

TEST_F(ItemListing, PaginatesNewestFirstByDefault) {
    auto page = List("limit=2&page=2");
    EXPECT_EQ(page.at("page").as_int64(), 2);
    EXPECT_EQ(page.at("limit").as_int64(), 2);
    EXPECT_EQ(page.at("total").as_int64(), 5);
    EXPECT_EQ(page.at("totalPages").as_int64(), 3);
    EXPECT_EQ(Names(page), (std::vector<std::string>{"Lot 2", "Lot 1"}));
    auto last = List("limit=2&page=3");
    EXPECT_EQ(Names(last), (std::vector<std::string>{"Lot 0"}));
    auto beyond = List("limit=2&page=9");
    EXPECT_TRUE(beyond.at("items").as_array().empty());
    EXPECT_EQ(beyond.at("total").as_int64(), 5);
    EXPECT_EQ(List("").at("limit").as_int64(), 20);
}

TEST_F(ItemListing, SortsByEachKeyBothWays) {
    EXPECT_EQ(Names(List("sort=currentPrice")),
              (std::vector<std::string>{"Lot 0", "Lot 1", "Lot 2", "Lot 3", "Lot 4"}));
    EXPECT_EQ(Names(List("sort=-currentPrice")),
              (std::vector<std::string>{"Lot 4", "Lot 3", "Lot 2", "Lot 1", "Lot 0"}));
    EXPECT_EQ(Names(List("sort=endDate")), (std::vector<std::string>{"Lot 4", "Lot 3", "Lot 2", "Lot 1", "Lot 0"}));
    EXPECT_EQ(Names(List("sort=createdAt")), (std::vector<std::string>{"Lot 0", "Lot 1", "Lot 2", "Lot 3", "Lot 4"}));
}

TEST_F(ItemListing, FiltersCombine) {
    EXPECT_EQ(Names(List("minPrice=20&maxPrice=40.00&sort=currentPrice")),
              (std::vector<std::string>{"Lot 1", "Lot 2", "Lot 3"}));
    EXPECT_EQ(Names(List(std::string("categoryId=") + kCameras + "&sort=createdAt")),
              (std::vector<std::string>{"Lot 0", "Lot 1"}));
    EXPECT_EQ(Names(List("q=" + word_)), (std::vector<std::string>{"Lot 3"}));
    EXPECT_EQ(Names(List("q=LOT+4")), (std::vector<std::string>{"Lot 4"}));  // case-insensitive, + is a space
    EXPECT_EQ(List("status=active").at("total").as_int64(), 5);
    EXPECT_EQ(List("status=sold").at("total").as_int64(), 0);
    ASSERT_EQ(client_->PutJson("/api/v1/items/" + ids_[0], {{"status", "cancelled"}}, seller_).status, 200);
    EXPECT_EQ(Names(List("status=cancelled")), (std::vector<std::string>{"Lot 0"}));
}

TEST_F(ItemListing, HostileInputIsJustData) {
    for (const char* q : {"%27%3B%20DROP%20TABLE%20items%3B%20--", "%25", "_", "%5C"}) {
        auto page = List(std::string("q=") + q);
        EXPECT_EQ(page.at("total").as_int64(), 0) << q;
    }
    EXPECT_EQ(client_->Get("/api/v1/items?sort=id%3B%20DROP%20TABLE%20items").status, 400);
    EXPECT_EQ(client_->Get("/api/v1/items?sellerId=x%27OR%271%27%3D%271").Json().at("total").as_int64(), 0);
    EXPECT_EQ(List("").at("total").as_int64(), 5);
}

TEST_F(ItemListing, InvalidParametersAre400WithFieldErrors) {
    for (const char* query : {"page=0", "page=-1", "page=abc", "limit=0", "limit=101", "status=open", "categoryId=nope",
                              "minPrice=-1", "maxPrice=1e3", "minPrice=50&maxPrice=10", "sort=name", "sort=-", "q="}) {
        auto res = client_->Get(std::string("/api/v1/items?") + query);
        EXPECT_EQ(res.status, 400) << query;
        EXPECT_EQ(res.Header("content-type"), "application/problem+json") << query;
        EXPECT_FALSE(res.Json().at("errors").as_array().empty()) << query;
    }
}

TEST(Categories, ListIsTheSeededTreeRootsFirst) {
    HttpClient client(ApiServer::Shared().port());
    auto res = client.Get("/api/v1/categories");
    ASSERT_EQ(res.status, 200);
    const auto json = res.Json();
    const auto& list = json.at("categories").as_array();
    ASSERT_GE(list.size(), 30U);
    bool children_started = false;
    for (const auto& c : list) {
        EXPECT_TRUE(ids::IsUuid(c.at("id").as_string()));
        EXPECT_FALSE(c.at("slug").as_string().empty());
        if (!c.at("parentId").is_null()) {
            children_started = true;
        } else {
            EXPECT_FALSE(children_started) << "roots come first";
        }
    }
}

TEST(Categories, OneCategoryIncludesItsDirectChildren) {
    HttpClient client(ApiServer::Shared().port());
    auto res = client.Get(std::string("/api/v1/categories/") + kElectronics);
    ASSERT_EQ(res.status, 200);
    auto c = res.Json().as_object();
    EXPECT_EQ(c.at("name").as_string(), "Electronics");
    EXPECT_EQ(c.at("slug").as_string(), "electronics");
    EXPECT_TRUE(c.at("parentId").is_null());
    const auto& children = c.at("children").as_array();
    ASSERT_EQ(children.size(), 5U);
    for (const auto& child : children) {
        EXPECT_EQ(child.at("parentId").as_string(), kElectronics);
        EXPECT_FALSE(child.as_object().contains("children"));
    }
    const auto leaf = client.Get(std::string("/api/v1/categories/") + kCameras).Json();
    EXPECT_TRUE(leaf.at("children").as_array().empty());
    EXPECT_EQ(client.Get("/api/v1/categories/c0000000-0000-4000-8000-0000000009ff").status, 404);
    EXPECT_EQ(client.Get("/api/v1/categories/electronics").status, 404);
}

}  // namespace
}  // namespace auction::testing
