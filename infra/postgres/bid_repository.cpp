#include "infra/postgres/bid_repository.hpp"

#include <map>
#include <set>

#include "infra/postgres/item_repository.hpp"
#include "infra/postgres/outbox_store.hpp"
#include "pkg/events/events.hpp"

namespace auction::postgres {

bool IsPoison(BidResult r) noexcept {
    return r == BidResult::kUnknownItem || r == BidResult::kCurrencyMismatch || r == BidResult::kAlreadySold ||
           r == BidResult::kNotForSale;
}

const char* Describe(BidResult r) noexcept {
    switch (r) {
        case BidResult::kApplied:
            return "applied";
        case BidResult::kNoChange:
            return "no change";
        case BidResult::kDuplicate:
            return "duplicate";
        case BidResult::kUnknownItem:
            return "unknown item";
        case BidResult::kCurrencyMismatch:
            return "currency does not match the item's";
        case BidResult::kAlreadySold:
            return "item already sold to another bid";
        case BidResult::kNotForSale:
            return "item is not for sale (cancelled or expired)";
    }
    return "unknown";
}

namespace {

struct ItemState {
    std::string currency;
    std::string status;
    domain::Money price;
};

}  // namespace

std::vector<BidResult> ApplyPlacedBids(PgConnection& conn, const std::vector<domain::BidEvent>& bids) {
    std::vector<BidResult> results(bids.size(), BidResult::kNoChange);
    if (bids.empty()) {
        return results;
    }
    std::vector<std::string> item_ids;
    std::vector<std::string> bid_ids;
    for (const auto& b : bids) {
        item_ids.push_back(b.item_id);
        bid_ids.push_back(b.bid_id);
    }
    PgTransaction tx(conn);
    auto rows = conn.ExecPrepared("bids_lock_items",
                                  "SELECT id::text, currency_code, status, current_price::text FROM items "
                                  "WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE",
                                  {FormatTextArray(item_ids)});
    std::map<std::string, ItemState> items;
    for (int r = 0; r < rows.Rows(); ++r) {
        items[rows.String(r, 0)] = ItemState{rows.String(r, 1), rows.String(r, 2),
                                             domain::ParseMoney(rows.Get(r, 3)).value_or(domain::Money{})};
    }
    auto seen_rows = conn.ExecPrepared("bids_seen",
                                       "SELECT bid_id FROM processed_bid_events "
                                       "WHERE event_type = 'bid.placed' AND bid_id = ANY($1::text[])",
                                       {FormatTextArray(bid_ids)});
    std::set<std::string> seen;
    for (int r = 0; r < seen_rows.Rows(); ++r) {
        seen.insert(seen_rows.String(r, 0));
    }

    std::vector<std::string> rec_bids;
    std::vector<std::string> rec_items;
    std::map<std::string, domain::Money> best;  // item -> highest valid amount in this batch
    for (std::size_t i = 0; i < bids.size(); ++i) {
        const auto& b = bids[i];
        if (!seen.insert(b.bid_id).second) {
            results[i] = BidResult::kDuplicate;
            continue;
        }
        auto it = items.find(b.item_id);
        if (it == items.end()) {
            results[i] = BidResult::kUnknownItem;
            continue;
        }
        if (it->second.currency != b.currency_code) {
            results[i] = BidResult::kCurrencyMismatch;
            continue;
        }
        rec_bids.push_back(b.bid_id);
        rec_items.push_back(b.item_id);
        if (it->second.status == "active" && b.amount > it->second.price) {
            auto& top = best[b.item_id];
            top = std::max(top, b.amount);
        }
    }
    // Which events raised a price: the highest valid bid per item (others in the batch change nothing).
    for (std::size_t i = 0; i < bids.size(); ++i) {
        const auto& b = bids[i];
        if (results[i] == BidResult::kNoChange) {
            auto top = best.find(b.item_id);
            if (top != best.end() && top->second == b.amount) {
                results[i] = BidResult::kApplied;
                best.erase(top);  // one event per item gets the credit
            }
        }
    }
    std::vector<std::string> upd_items;
    std::vector<std::string> upd_amounts;
    for (std::size_t i = 0; i < bids.size(); ++i) {
        if (results[i] == BidResult::kApplied) {
            upd_items.push_back(bids[i].item_id);
            upd_amounts.push_back(domain::FormatMoney(bids[i].amount));
        }
    }
    if (!rec_bids.empty()) {
        conn.ExecPrepared(
            "bids_apply",
            "WITH rec AS (INSERT INTO processed_bid_events (bid_id, event_type, item_id) "
            "SELECT b, 'bid.placed', i FROM unnest($1::text[], $2::uuid[]) AS t(b, i) ON CONFLICT DO NOTHING) "
            "UPDATE items AS it SET current_price = u.amount FROM unnest($3::uuid[], $4::numeric[]) AS u(id, amount) "
            "WHERE it.id = u.id AND it.status = 'active' AND it.current_price < u.amount",
            {FormatTextArray(rec_bids), FormatTextArray(rec_items), FormatTextArray(upd_items),
             FormatTextArray(upd_amounts)});
    }
    tx.Commit();
    return results;
}

BidResult ApplyWonBid(PgConnection& conn, const domain::BidEvent& bid, const std::string& service_trace_id) {
    PgTransaction tx(conn);
    static const std::string kLock =
        std::string("SELECT ") + kItemColumns + " FROM items i WHERE i.id = $1::uuid FOR UPDATE OF i";
    auto rows = conn.ExecPrepared("won_lock_item", kLock.c_str(), {bid.item_id});
    if (rows.Rows() == 0) {
        return BidResult::kUnknownItem;
    }
    auto item = ItemFromRow(rows, 0);
    auto seen = conn.ExecPrepared(
        "won_seen", "SELECT 1 FROM processed_bid_events WHERE event_type = 'bid.won' AND bid_id = $1", {bid.bid_id});
    if (seen.Rows() > 0) {
        return BidResult::kDuplicate;
    }
    if (item.currency_code != bid.currency_code) {
        return BidResult::kCurrencyMismatch;
    }
    if (item.status == domain::ItemStatus::kSold) {
        return item.buyer_id == bid.user_id && item.current_price == bid.amount ? BidResult::kDuplicate
                                                                                : BidResult::kAlreadySold;
    }
    if (item.status != domain::ItemStatus::kActive) {
        return BidResult::kNotForSale;
    }
    item.status = domain::ItemStatus::kSold;
    item.buyer_id = bid.user_id;
    item.current_price = bid.amount;
    item.updated_at =
        conn.ExecPrepared("tx_now", "SELECT (extract(epoch FROM now()) * 1000000)::bigint", {}).Int64(0, 0);
    events::EventMeta meta{bid.trace_id.empty() ? service_trace_id : bid.trace_id,
                           bid.correlation_id.empty() ? bid.bid_id : bid.correlation_id};
    auto event =
        events::MakeItemEvent("item.updated", meta, item.id, events::ItemUpdatedPayload(item), item.updated_at);
    static const std::string kSql =
        "WITH upd AS (UPDATE items SET status = 'sold', buyer_id = $2, current_price = $3::numeric "
        "WHERE id = $1::uuid), rec AS (INSERT INTO processed_bid_events (bid_id, event_type, item_id) "
        "VALUES ($4, 'bid.won', $1::uuid)), " +
        outbox::InsertCte(5) + " SELECT pg_notify('" + kOutboxChannel + "', '') FROM ev";
    Params params{item.id, bid.user_id, domain::FormatMoney(bid.amount), bid.bid_id};
    outbox::AppendParams(params, event);
    conn.ExecPrepared("won_apply", kSql.c_str(), params);
    tx.Commit();
    return BidResult::kApplied;
}

}  // namespace auction::postgres
