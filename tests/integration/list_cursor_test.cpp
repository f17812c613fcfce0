// Keyset pages (`cursor`, `nextCursor`) of GET /api/v1/items and GET /api/v1/items/:id/comments against the
// real database: a walk while the list changes, every sort and filter, the switch from page to cursor mode, and
// the 400s for a cursor with page, a malformed cursor and a cursor made for another list.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "pkg/ids/uuid.hpp"
#include "support/api_assertions.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

namespace json = boost::json;

constexpr const char* kCameras = "c0000000-0000-4000-8000-000000000002";

struct Page {
    std::vector<std::string> ids;
    std::vector<std::string> names;
    json::value next_cursor;
    json::object body;
};

class ListCursor : public ::testing::Test {
protected:
    void SetUp() override {
        client_ = std::make_unique<HttpClient>(ApiServer::Shared().port());
        seller_ = UniqueUser("cursor");
        word_ = "kq" + ids::NewUuidV4().substr(0, 8);
    }

    // An item ending in `end_days` days.
    std::string Create(const std::string& name, const std::string& price, int end_days, bool in_cameras = false,
                       bool with_word = false, const std::string& seller = "") {
        auto body = SampleItem(name);
        body["startPrice"] = price;
        body["endDate"] = TimeFromNow(std::chrono::hours(24 * end_days));
        if (in_cameras) {
            body["categoryIds"] = json::array{kCameras};
        }
        if (with_word) {
            body["description"] = "mentions " + word_ + " here";
        }
        auto res = client_->PostJson("/api/v1/items", body, seller.empty() ? seller_ : seller);
        EXPECT_EQ(res.status, 201) << res.body;
        return std::string(res.Json().at("id").as_string());
    }

    Page Get(const std::string& target) {
        auto res = client_->Get(target);
        EXPECT_EQ(res.status, 200) << target << ": " << res.body;
        Page page;
        if (res.status != 200) {
            return page;
        }
        page.body = res.Json().as_object();
        const char* rows = page.body.contains("items") ? "items" : "comments";
        for (const auto& row : page.body.at(rows).as_array()) {
            page.ids.emplace_back(row.at("id").as_string());
            if (row.as_object().contains("name")) {
                page.names.emplace_back(row.at("name").as_string());
            } else {
                page.names.emplace_back(row.at("content").as_string());
            }
        }
        page.next_cursor = page.body.at("nextCursor");
        return page;
    }

    // Every page of `path` + `query` in cursor mode, from the start (`cursor=`), `limit` rows at a time;
    // `between` runs after each page. Checks the cursor-mode members of each answer.
    std::vector<Page> Walk(const std::string& path, const std::string& query, int limit,
                           const std::function<void()>& between = {}) {
        std::vector<Page> pages;
        std::string cursor;
        for (int guard = 0; guard < 200; ++guard) {
            const auto target = path + "?" + query + (query.empty() ? "" : "&") + "limit=" + std::to_string(limit) +
                                "&cursor=" + cursor;
            auto page = Get(target);
            EXPECT_FALSE(page.body.contains("page")) << target;
            EXPECT_FALSE(page.body.contains("total")) << target;
            EXPECT_FALSE(page.body.contains("totalPages")) << target;
            EXPECT_EQ(page.body.at("limit").as_int64(), limit);
            EXPECT_LE(page.ids.size(), static_cast<std::size_t>(limit));
            const bool last = !page.next_cursor.is_string();
            EXPECT_TRUE(last || page.ids.size() == static_cast<std::size_t>(limit)) << "a short page is the last";
            if (!last) {
                cursor = std::string(page.next_cursor.as_string());
            }
            pages.push_back(std::move(page));
            if (last) {
                return pages;
            }
            if (between) {
                between();
            }
        }
        ADD_FAILURE() << "the walk did not end";
        return pages;
    }

    static std::vector<std::string> Names(const std::vector<Page>& pages) {
        std::vector<std::string> out;
        for (const auto& p : pages) {
            out.insert(out.end(), p.names.begin(), p.names.end());
        }
        return out;
    }

    std::string Items(const std::string& query) const {
        return "/api/v1/items?sellerId=" + seller_ + (query.empty() ? "" : "&" + query);
    }

    std::unique_ptr<HttpClient> client_;
    std::string seller_;
    std::string word_;
};

// The walk: a filtered list sorted by createdAt, written to (by this test between pages and by another
// client all along) while it is walked. Every item present throughout is seen exactly once, whatever came and
// went around it.
TEST_F(ListCursor, AWalkSeesEveryItemPresentThroughoutExactlyOnceWhileTheListChanges) {
    for (const char* sort : {"-createdAt", "createdAt"}) {
        SCOPED_TRACE(sort);
        seller_ = UniqueUser("walk");
        std::vector<std::string> initial;
        for (int i = 0; i < 24; ++i) {
            initial.push_back(Create("Walk " + std::to_string(i), std::to_string(10 + i) + ".00", 10, i % 2 == 0));
        }
        // Another client creates items of this seller (in and out of the filter), renames and cancels some of
        // its own, while the walk runs (a bounded number, so that an ascending walk does not chase it forever).
        std::atomic<bool> stop{false};
        std::vector<std::string> created_meanwhile;
        std::thread writer([&] {
            HttpClient other(ApiServer::Shared().port());
            for (int n = 0; n < 40 && !stop.load(); ++n) {
                auto body = SampleItem("Meanwhile " + std::to_string(n));
                if (n % 2 == 0) {
                    body["categoryIds"] = json::array{kCameras};
                }
                auto res = other.PostJson("/api/v1/items", body, seller_);
                if (res.status == 201) {
                    const std::string id(res.Json().at("id").as_string());
                    created_meanwhile.push_back(id);
                    if (n % 3 == 0) {
                        other.PutJson("/api/v1/items/" + id, {{"name", "Renamed " + std::to_string(n)}}, seller_);
                    }
                    if (n % 5 == 0) {
                        other.PutJson("/api/v1/items/" + id, {{"status", "cancelled"}}, seller_);
                    }
                }
            }
        });
        // Between pages: one of the initial items is deleted, one cancelled (leaving the filter), one renamed.
        std::set<std::string> gone;
        std::size_t next_victim = 0;
        auto between = [&] {
            if (next_victim + 3 > initial.size()) {
                return;
            }
            // Victims from both ends, so some were seen already and some not yet.
            const auto& deleted = initial[next_victim % 2 == 0 ? next_victim : initial.size() - 1 - next_victim];
            if (gone.insert(deleted).second) {
                EXPECT_EQ(client_->Delete("/api/v1/items/" + deleted, seller_).status, 204);
            }
            const auto& cancelled = initial[next_victim + 1];
            if (gone.insert(cancelled).second) {
                EXPECT_EQ(client_->PutJson("/api/v1/items/" + cancelled, {{"status", "cancelled"}}, seller_).status,
                          200);
            }
            const auto& renamed = initial[next_victim + 2];
            if (gone.count(renamed) == 0) {
                EXPECT_EQ(client_->PutJson("/api/v1/items/" + renamed, {{"name", "Renamed"}}, seller_).status, 200);
            }
            next_victim += 3;
        };
        const auto pages = Walk("/api/v1/items", "sellerId=" + seller_ + "&status=active&sort=" + sort, 4, between);
        stop = true;
        writer.join();

        std::map<std::string, int> seen;
        for (const auto& p : pages) {
            for (const auto& id : p.ids) {
                EXPECT_EQ(++seen[id], 1) << id << " seen twice";
            }
        }
        for (const auto& id : initial) {
            if (gone.count(id) == 0) {
                EXPECT_EQ(seen.count(id), 1U) << id << " was present throughout but skipped";
            }
        }
        EXPECT_GT(created_meanwhile.size(), 0U);
        EXPECT_GE(gone.size(), 6U);
    }
}

// Every sort, each way, and every filter: the cursor walk yields exactly the list page mode yields (ties on the
// sort key broken by id alike), with nextCursor null on the last page.
TEST_F(ListCursor, EverySortAndFilterWalksTheSameListAsPageMode) {
    // Prices and end dates repeat, so ties are broken by id.
    for (int i = 0; i < 9; ++i) {
        Create("Lot " + std::to_string(i), std::to_string(10 * (1 + i % 4)) + ".00", 1 + i % 3, i % 2 == 0, i % 3 == 0);
    }
    Create("Someone else's", "20.00", 2, true, true, UniqueUser("other"));
    ASSERT_EQ(client_
                  ->PutJson("/api/v1/items/" + Create("Cancelled", "30.00", 3, true, true), {{"status", "cancelled"}},
                            seller_)
                  .status,
              200);
    const std::vector<std::string> filters = {"",
                                              "status=active",
                                              "status=cancelled",
                                              std::string("categoryId=") + kCameras,
                                              "minPrice=20",
                                              "maxPrice=30.00",
                                              "minPrice=20&maxPrice=30",
                                              "q=" + word_,
                                              "q=lot",
                                              "status=active&minPrice=20&q=" + word_ + "&categoryId=" + kCameras};
    for (const char* sort : {"createdAt", "-createdAt", "endDate", "-endDate", "currentPrice", "-currentPrice"}) {
        for (const auto& filter : filters) {
            SCOPED_TRACE(std::string(sort) + " " + filter);
            const std::string query = "sellerId=" + seller_ + "&sort=" + sort + (filter.empty() ? "" : "&" + filter);
            const auto all = Get("/api/v1/items?" + query + "&limit=100");
            EXPECT_TRUE(all.next_cursor.is_null());
            const auto walked = Walk("/api/v1/items", query, 2);
            EXPECT_EQ(Names(walked), all.names);
            EXPECT_EQ(walked.size(), all.names.empty() ? 1U : (all.names.size() + 1) / 2);
        }
    }
    EXPECT_EQ(Get(Items("status=sold&cursor=")).ids.size(), 0U);
}

// Page mode returns nextCursor too: the page after it, so a client can switch to cursors at any page.
TEST_F(ListCursor, PageModeAnswersCarryTheCursorOfTheNextPage) {
    for (int i = 0; i < 5; ++i) {
        Create("Lot " + std::to_string(i), std::to_string(10 * (i + 1)) + ".00", 5 - i);
    }
    const auto first = Get(Items("sort=currentPrice&limit=2&page=1"));
    EXPECT_EQ(first.body.at("total").as_int64(), 5);
    EXPECT_EQ(first.body.at("totalPages").as_int64(), 3);
    ASSERT_TRUE(first.next_cursor.is_string());
    const auto second = Get(Items("sort=currentPrice&limit=2&page=2"));
    const auto switched = Get(Items("sort=currentPrice&limit=2&cursor=" + std::string(first.next_cursor.as_string())));
    EXPECT_EQ(switched.names, second.names);
    EXPECT_EQ(switched.names, (std::vector<std::string>{"Lot 2", "Lot 3"}));
    EXPECT_EQ(switched.next_cursor, second.next_cursor);
    // The limit may change between pages: a cursor names a position, not a page size.
    const auto rest = Get(Items("sort=currentPrice&limit=10&cursor=" + std::string(first.next_cursor.as_string())));
    EXPECT_EQ(rest.names, (std::vector<std::string>{"Lot 2", "Lot 3", "Lot 4"}));
    EXPECT_TRUE(rest.next_cursor.is_null());
    // The last page, and a page past the end, have none.
    EXPECT_TRUE(Get(Items("sort=currentPrice&limit=2&page=3")).next_cursor.is_null());
    EXPECT_TRUE(Get(Items("sort=currentPrice&limit=5")).next_cursor.is_null());
    EXPECT_TRUE(Get(Items("sort=currentPrice&limit=2&page=9")).next_cursor.is_null());
    // A list that ends exactly at a page boundary: the cursor-mode page that fills it says so at once.
    const auto exact = Get(Items("sort=currentPrice&limit=5&cursor="));
    EXPECT_EQ(exact.ids.size(), 5U);
    EXPECT_TRUE(exact.next_cursor.is_null());
}

TEST_F(ListCursor, CursorWithPageIs400) {
    Create("Lot 0", "10.00", 1);
    const auto item = Create("Lot 1", "10.00", 1);
    const auto cursor = Get(Items("limit=1&cursor=")).next_cursor;
    for (const std::string& path : {std::string("/api/v1/items"), "/api/v1/items/" + item + "/comments"}) {
        for (const std::string& query :
             {std::string("page=1&cursor="), std::string("cursor=&page=2"),
              "page=1&cursor=" + std::string(cursor.is_string() ? cursor.as_string() : "")}) {
            auto res = client_->Get(path + "?" + query);
            ExpectProblem(res, 400);
            EXPECT_TRUE(HasFieldError(res, "cursor")) << path << "?" << query;
        }
    }
}

TEST_F(ListCursor, MalformedCursorIs400) {
    Create("Lot 0", "10.00", 1);
    Create("Lot 1", "20.00", 2);
    const auto item = Create("Lot 2", "30.00", 3);
    const auto good = std::string(Get(Items("limit=1&cursor=")).next_cursor.as_string());
    ASSERT_EQ(good.size(), 47U);
    auto flipped = good;
    flipped[0] = flipped[0] == 'A' ? 'B' : 'A';  // the version byte
    std::vector<std::string> bad = {"x",
                                    "null",
                                    good + "A",
                                    good.substr(0, 46),
                                    flipped,
                                    std::string(47, '-'),
                                    std::string(47, '='),
                                    std::string(4000, 'A'),
                                    "%00%01%02",
                                    "%FF%FE",
                                    "eyJpZCI6MX0"};  // base64url of {"id":1}
    for (const auto& cursor : bad) {
        for (const std::string& path : {std::string("/api/v1/items"), "/api/v1/items/" + item + "/comments"}) {
            auto res = client_->Get(path + "?cursor=" + cursor);
            ExpectProblem(res, 400);
            EXPECT_TRUE(HasFieldError(res, "cursor")) << path << " cursor=" << cursor;
        }
    }
}

TEST_F(ListCursor, ACursorForOtherFiltersOrAnotherSortIs400) {
    for (int i = 0; i < 3; ++i) {
        Create("Lot " + std::to_string(i), std::to_string(10 * (i + 1)) + ".00", i + 1, true);
    }
    const std::string query = "status=active&categoryId=" + std::string(kCameras) + "&sort=endDate&minPrice=10";
    const auto cursor = std::string(Get(Items(query + "&limit=1")).next_cursor.as_string());
    // The same list, whatever the spelling: parameters in another order, a price with its decimals, another limit.
    EXPECT_EQ(client_
                  ->Get("/api/v1/items?minPrice=10.00&sort=endDate&categoryId=" + std::string(kCameras) +
                        "&status=active&sellerId=" + seller_ + "&limit=7&cursor=" + cursor)
                  .status,
              200);
    const std::vector<std::string> others = {
        Items("cursor=" + cursor),  // no filters at all
        Items("status=active&categoryId=" + std::string(kCameras) + "&sort=endDate&cursor=" + cursor),
        Items("status=sold&categoryId=" + std::string(kCameras) + "&sort=endDate&minPrice=10&cursor=" + cursor),
        Items(query + "&q=lot&cursor=" + cursor),
        "/api/v1/items?" + query + "&sellerId=" + UniqueUser("else") + "&cursor=" + cursor,
        "/api/v1/items?" + query + "&cursor=" + cursor,  // without the seller
    };
    for (const auto& target : others) {
        auto res = client_->Get(target);
        ExpectProblem(res, 400);
        EXPECT_TRUE(HasFieldError(res, "cursor")) << target;
    }
    for (const char* sort : {"-endDate", "createdAt", "-createdAt", "currentPrice"}) {
        auto res = client_->Get(Items("status=active&categoryId=" + std::string(kCameras) +
                                      "&minPrice=10&sort=" + sort + "&cursor=" + cursor));
        ExpectProblem(res, 400);
        EXPECT_TRUE(HasFieldError(res, "cursor")) << sort;
    }
    // An item cursor on a comments list.
    const auto item = Create("Commented", "10.00", 1);
    auto res = client_->Get("/api/v1/items/" + item + "/comments?cursor=" + cursor);
    ExpectProblem(res, 400);
    EXPECT_TRUE(HasFieldError(res, "cursor"));
}

TEST_F(ListCursor, CommentsPageByCursorOldestFirst) {
    const auto item = Create("Commented", "10.00", 1);
    const auto path = "/api/v1/items/" + item + "/comments";
    std::vector<std::string> contents;
    for (int i = 0; i < 7; ++i) {
        contents.push_back("comment " + std::to_string(i));
        ASSERT_EQ(client_->PostJson(path, json::object{{"content", contents.back()}}, UniqueUser()).status, 201);
    }
    const auto pages = Walk(path, "", 3);
    ASSERT_EQ(pages.size(), 3U);
    EXPECT_EQ(Names(pages), contents);
    // Comments added while walking come after the ones present: a walk started before sees them at its end.
    const auto first = Get(path + "?limit=3&cursor=");
    ASSERT_EQ(client_->PostJson(path, json::object{{"content", "late"}}, UniqueUser()).status, 201);
    auto second = Get(path + "?limit=10&cursor=" + std::string(first.next_cursor.as_string()));
    EXPECT_EQ(second.names, (std::vector<std::string>{"comment 3", "comment 4", "comment 5", "comment 6", "late"}));
    EXPECT_TRUE(second.next_cursor.is_null());
    // Page mode gives the cursor of the next page too.
    const auto paged = Get(path + "?page=2&limit=3");
    EXPECT_EQ(paged.body.at("total").as_int64(), 8);
    const auto after_paged = Get(path + "?limit=3&cursor=" + std::string(paged.next_cursor.as_string()));
    EXPECT_EQ(after_paged.names, (std::vector<std::string>{"comment 6", "late"}));

    // Another item's comment cursor is a 400; an unknown item stays a 404.
    const auto other = Create("Other", "10.00", 1);
    auto res =
        client_->Get("/api/v1/items/" + other + "/comments?cursor=" + std::string(first.next_cursor.as_string()));
    ExpectProblem(res, 400);
    EXPECT_TRUE(HasFieldError(res, "cursor"));
    ExpectProblem(client_->Get("/api/v1/items/0190b6a0-0000-7000-8000-000000000000/comments?cursor="), 404);
    // A comment cursor on the item list.
    res = client_->Get("/api/v1/items?cursor=" + std::string(first.next_cursor.as_string()));
    ExpectProblem(res, 400);
    EXPECT_TRUE(HasFieldError(res, "cursor"));
    // No comments: one empty page.
    const auto empty = Get("/api/v1/items/" + other + "/comments?cursor=");
    EXPECT_TRUE(empty.ids.empty());
    EXPECT_TRUE(empty.next_cursor.is_null());
}

}  // namespace
}  // namespace auction::testing
