// Price order read from item_prices (migration 015), the copy of each item's status and price that the
// price-ordered lists use, so that a bid updates items without touching an index of items: the copy follows every
// kind of change (a bid applied by a real worker, an edit, a status change by SQL, a delete), and no index of
// items names a column a bid changes.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "cmd/worker/worker_app.hpp"
#include "infra/postgres/connection.hpp"
#include "pkg/ids/uuid.hpp"
#include "support/api_assertions.hpp"
#include "support/bid_support.hpp"
#include "support/image_support.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<postgres::PgConnection> Db() {
    return postgres::PgConnection::Connect(TestApiConfig().postgres.ConnInfo("test-item-prices"), 5s);
}

class ItemPrices : public ::testing::Test {
protected:
    void SetUp() override {
        client_ = std::make_unique<HttpClient>(ApiServer::Shared().port());
        seller_ = UniqueUser("prices");
        ResetBidQueues();
        worker_ = std::make_unique<worker::WorkerApp>(TestWorkerConfig("prices-" + ids::NewUuidV4().substr(0, 4)));
        worker_->Start(10s);
    }
    void TearDown() override { worker_->Stop(); }

    // The seller's items in the order of `query` (a price sort, maybe with a status filter), as ids.
    std::vector<std::string> Listed(const std::string& query) {
        auto res = client_->Get("/api/v1/items?sellerId=" + seller_ + "&limit=100&" + query);
        EXPECT_EQ(res.status, 200) << res.body;
        std::vector<std::string> ids;
        if (res.status == 200) {
            const auto body = res.Json();
            for (const auto& row : body.at("items").as_array()) {
                ids.emplace_back(row.at("id").as_string());
            }
        }
        return ids;
    }

    // Same list in cursor mode, one row per page: the keyset condition on the copy's price.
    std::vector<std::string> Walked(const std::string& query) {
        std::vector<std::string> ids;
        std::string cursor;
        for (int guard = 0; guard < 20; ++guard) {
            std::string target = "/api/v1/items?sellerId=" + seller_;
            target.append("&limit=1&").append(query).append("&cursor=").append(cursor);
            auto res = client_->Get(target);
            EXPECT_EQ(res.status, 200) << res.body;
            if (res.status != 200) {
                break;
            }
            const auto body = res.Json().as_object();
            for (const auto& row : body.at("items").as_array()) {
                ids.emplace_back(row.at("id").as_string());
            }
            if (!body.at("nextCursor").is_string()) {
                break;
            }
            cursor = std::string(body.at("nextCursor").as_string());
        }
        return ids;
    }

    // Rows of item_prices for the seller's items that differ from the item itself (status or price), or are
    // missing, or outlived their item: none, whatever changed.
    std::int64_t Disagreements() {
        auto conn = Db();
        auto r = conn->ExecParams(
            "SELECT count(*) FROM items i FULL JOIN item_prices p ON p.id = i.id "
            "WHERE (i.seller_id = $1 OR p.id = ANY($2::uuid[])) "
            "AND (i.id IS NULL OR p.id IS NULL OR p.status <> i.status OR p.current_price <> i.current_price)",
            {seller_, "{" + (deleted_.empty() ? std::string() : deleted_) + "}"});
        return r.Int64(0, 0);
    }

    std::unique_ptr<HttpClient> client_;
    std::string seller_;
    std::unique_ptr<worker::WorkerApp> worker_;
    BidPublisher bids_;
    std::string deleted_;
};

TEST_F(ItemPrices, PriceOrderFollowsBidsEditsStatusChangesAndDeletes) {
    const auto a = CreateBidItem(seller_, "USD", "10.00");
    const auto b = CreateBidItem(seller_, "USD", "20.00");
    const auto c = CreateBidItem(seller_, "USD", "30.00");
    const auto d = CreateBidItem(seller_, "USD", "40.00");
    EXPECT_EQ(Listed("sort=-currentPrice"), (std::vector<std::string>{d, c, b, a}));
    EXPECT_EQ(Disagreements(), 0);

    // A bid applied by the worker moves a to the top.
    bids_.Publish("bid.placed", "prices-" + a, a, "alice", "500.00", "USD");
    bids_.Flush();
    ASSERT_TRUE(Eventually([&] { return ReadItem(a).current_price == "500.00"; }));
    EXPECT_EQ(Listed("sort=-currentPrice"), (std::vector<std::string>{a, d, c, b}));
    EXPECT_EQ(Walked("sort=-currentPrice"), (std::vector<std::string>{a, d, c, b}));
    EXPECT_EQ(Listed("sort=currentPrice&minPrice=25"), (std::vector<std::string>{c, d, a}));

    // An edit of an item without bids sets its price from the new start price.
    const auto put = client_->PutJson("/api/v1/items/" + b, {{"startPrice", "1000.00"}}, seller_);
    ASSERT_EQ(put.status, 200) << put.body;
    EXPECT_EQ(Listed("sort=-currentPrice"), (std::vector<std::string>{b, a, d, c}));

    // A status change by any writer (here an operator's SQL) moves the item between the status filters.
    ExecSql("UPDATE items SET status = 'cancelled' WHERE id = '" + d + "'");
    EXPECT_EQ(Listed("status=active&sort=-currentPrice"), (std::vector<std::string>{b, a, c}));
    EXPECT_EQ(Walked("status=active&sort=currentPrice"), (std::vector<std::string>{c, a, b}));
    EXPECT_EQ(Listed("status=cancelled&sort=-currentPrice"), (std::vector<std::string>{d}));

    // A deleted item leaves the price order and its copy with it.
    ASSERT_EQ(client_->Delete("/api/v1/items/" + c, seller_).status, 204);
    deleted_ = c;
    EXPECT_EQ(Listed("sort=-currentPrice"), (std::vector<std::string>{b, a, d}));
    EXPECT_EQ(Disagreements(), 0);
}

// What a bid.placed changes on items (infra/postgres/bid_repository.cpp, and the triggers of migration 010/015)
// must not be in any index of items, or every bid is again an update that rewrites the row into every index.
TEST_F(ItemPrices, NoIndexOfItemsNamesAColumnABidChanges) {
    auto conn = Db();
    auto r = conn->ExecParams(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
        "WHERE indrelid = 'items'::regclass",
        {});
    ASSERT_GT(r.Rows(), 5);
    // A column named as a whole identifier in the index's definition (not as part of a longer one).
    auto names = [](const std::string& def, const std::string& column) {
        auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; };
        for (auto at = def.find(column); at != std::string::npos; at = def.find(column, at + 1)) {
            const auto end = at + column.size();
            if ((at == 0 || !word(def[at - 1])) && (end == def.size() || !word(def[end]))) {
                return true;
            }
        }
        return false;
    };
    for (int i = 0; i < r.Rows(); ++i) {
        for (const char* column : {"current_price", "bid_count", "last_bid_at", "version", "updated_at"}) {
            EXPECT_FALSE(names(r.String(i, 1), column)) << r.String(i, 1) << " names " << column;
        }
    }
    // The copy's indexes are there for the price order.
    auto copy = conn->ExecParams(
        "SELECT count(*) FROM pg_indexes WHERE tablename = 'item_prices' AND indexdef LIKE '%(current_price, id)%'",
        {});
    EXPECT_EQ(copy.Int64(0, 0), 1);
    auto with_status = conn->ExecParams(
        "SELECT count(*) FROM pg_indexes WHERE tablename = 'item_prices' "
        "AND indexdef LIKE '%(status, current_price, id)%'",
        {});
    EXPECT_EQ(with_status.Int64(0, 0), 1);
}

}  // namespace
}  // namespace auction::testing
