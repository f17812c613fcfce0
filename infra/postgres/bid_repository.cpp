#include "infra/postgres/bid_repository.hpp"

#include <set>

#include "domain/item_events.hpp"
#include "infra/postgres/item_repository.hpp"
#include "infra/postgres/outbox_store.hpp"
#include "pkg/events/events.hpp"

namespace auction::postgres {

std::vector<BidResult> ApplyPlacedBids(PgConnection& conn, const std::vector<domain::BidEvent>& bids) {
    std::vector<BidResult> results(bids.size(), BidResult::kNoChange);
    // The same bid twice in one batch: the later copy is a duplicate of the first.
    std::vector<std::string> bid_ids;
    std::vector<std::string> item_ids;
    std::vector<std::string> amounts;
    std::vector<std::string> currencies;
    std::vector<std::size_t> index;
    std::set<std::string> in_batch;
    for (std::size_t i = 0; i < bids.size(); ++i) {
        if (!in_batch.insert(bids[i].bid_id).second) {
            results[i] = BidResult::kDuplicate;
            continue;
        }
        bid_ids.push_back(bids[i].bid_id);
        item_ids.push_back(bids[i].item_id);
        amounts.push_back(domain::FormatMoney(bids[i].amount));
        currencies.push_back(bids[i].currency_code);
        index.push_back(i);
    }
    if (bid_ids.empty()) {
        return results;
    }
    // One statement, so one round trip and one commit for the whole batch:
    //  locked: the batch's items, locked in id order (replicas never deadlock);
    //  fresh:  the events not applied before (processed_bid_events is the idempotency record);
    //  best:   the highest new bid per item; upd raises the price where the item is active and the bid
    //          higher (the WHERE is re-checked on the latest row version under the lock).
    // The result classifies every input row; "applied" marks the bid that set the new price.
    static constexpr const char* kSql =
        "WITH input AS (SELECT * FROM unnest($1::text[], $2::uuid[], $3::numeric[], $4::text[]) "
        "  WITH ORDINALITY AS t(bid_id, item_id, amount, currency, ord)), "
        "locked AS (SELECT i.id, i.currency_code, i.status FROM items i "
        "  WHERE i.id IN (SELECT item_id FROM input) ORDER BY i.id FOR UPDATE), "
        "valid AS (SELECT n.* FROM input n JOIN locked l ON l.id = n.item_id AND l.currency_code = n.currency), "
        "fresh AS (INSERT INTO processed_bid_events (bid_id, event_type, item_id) "
        "  SELECT bid_id, 'bid.placed', item_id FROM valid ON CONFLICT DO NOTHING RETURNING bid_id), "
        "best AS (SELECT DISTINCT ON (v.item_id) v.item_id, v.amount, v.bid_id FROM valid v "
        "  JOIN fresh f ON f.bid_id = v.bid_id ORDER BY v.item_id, v.amount DESC, v.ord), "
        "upd AS (UPDATE items it SET current_price = b.amount FROM best b "
        "  WHERE it.id = b.item_id AND it.status = 'active' AND it.current_price < b.amount RETURNING b.bid_id) "
        "SELECT n.ord, CASE WHEN l.id IS NULL THEN 'unknown' WHEN l.currency_code <> n.currency THEN 'currency' "
        "  WHEN f.bid_id IS NULL THEN 'duplicate' WHEN u.bid_id IS NOT NULL THEN 'applied' ELSE 'nochange' END "
        "FROM input n LEFT JOIN locked l ON l.id = n.item_id LEFT JOIN fresh f ON f.bid_id = n.bid_id "
        "LEFT JOIN upd u ON u.bid_id = n.bid_id";
    // The price update notifies the API replicas' item caches (migration 010), and a committing transaction that
    // notified holds PostgreSQL's cluster-wide notify lock until it returns: with a synchronous commit that is
    // through its WAL flush, which serialises the replicas' commits (no group commit: about one commit per fsync).
    // So the batch commits asynchronously (the lock is held only while the commit record is written), and a
    // second, synchronous transaction that notifies nothing then waits for the WAL flush, which covers the batch's
    // commit record too (PgTransaction::Durability::kAsynchronousCommit). The messages are acknowledged only after
    // both: a crash in between loses an unacknowledged batch, which is redelivered and applied once
    // (processed_bid_events). Three round trips, no fsync held under a lock; the replicas' flushes share fsyncs.
    PgTransaction tx(conn, PgTransaction::Durability::kAsynchronousCommit);
    auto rows = conn.ExecPrepared(
        "bids_apply_batch", kSql,
        {FormatTextArray(bid_ids), FormatTextArray(item_ids), FormatTextArray(amounts), FormatTextArray(currencies)});
    tx.Commit();  // returns once durable
    for (int r = 0; r < rows.Rows(); ++r) {
        const auto ord = static_cast<std::size_t>(rows.Int64(r, 0));
        if (ord < 1 || ord > index.size()) {
            continue;
        }
        const auto kind = rows.Get(r, 1);
        BidResult result = BidResult::kNoChange;
        if (kind == "unknown") {
            result = BidResult::kUnknownItem;
        } else if (kind == "currency") {
            result = BidResult::kCurrencyMismatch;
        } else if (kind == "duplicate") {
            result = BidResult::kDuplicate;
        } else if (kind == "applied") {
            result = BidResult::kApplied;
        }
        results[index[ord - 1]] = result;
    }
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
        events::MakeItemEvent("item.updated", meta, item.id, domain::ItemUpdatedPayload(item), item.updated_at);
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
