#include "infra/postgres/bid_repository.hpp"

#include <map>
#include <set>

#include "domain/item_events.hpp"
#include "infra/postgres/item_repository.hpp"
#include "infra/postgres/outbox_store.hpp"
#include "pkg/events/events.hpp"

namespace auction::postgres {

namespace {

// Bids that carry no time of their own (no envelope timestamp, no AMQP timestamp) take the time they were first
// received, on the database's clock. It is recorded in a statement of its own, outside the batch's transaction,
// so a redelivery after a rollback or a crash finds the first receipt, not its own.
void ResolveReceiptTimes(PgConnection& conn, const std::vector<domain::BidEvent>& bids,
                         std::vector<timeutil::Micros>& placed_at) {
    std::vector<std::string> unknown;
    for (const auto& bid : bids) {
        if (!bid.placed_at) {
            unknown.push_back(bid.bid_id);
        }
    }
    if (unknown.empty()) {
        return;
    }
    // The second SELECT reads the snapshot from before the INSERT: the receipts recorded earlier.
    static constexpr const char* kSql =
        "WITH ins AS (INSERT INTO bid_receipts (bid_id) SELECT DISTINCT unnest($1::text[]) ON CONFLICT DO NOTHING "
        "  RETURNING bid_id, received_at) "
        "SELECT bid_id, (extract(epoch FROM received_at) * 1000000)::bigint FROM ins UNION ALL "
        "SELECT bid_id, (extract(epoch FROM received_at) * 1000000)::bigint FROM bid_receipts "
        "  WHERE bid_id = ANY($1::text[])";
    auto rows = conn.ExecPrepared("bids_receipts", kSql, {FormatTextArray(unknown)});
    std::map<std::string, timeutil::Micros> received;
    for (int r = 0; r < rows.Rows(); ++r) {
        received.emplace(rows.String(r, 0), rows.Int64(r, 1));
    }
    for (std::size_t i = 0; i < bids.size(); ++i) {
        if (!bids[i].placed_at) {
            auto it = received.find(bids[i].bid_id);
            placed_at[i] = it != received.end() ? it->second : timeutil::NowMicros();
        }
    }
}

// An in-window bid for an item the closer expired (the bid queue lagged behind the grace period): the bid
// service decides winners, so the bid applies and the item is open again, awaiting bid.won or the settle timeout
// (counted from now: last_bid_at). The change is an item.updated.v1, in the batch's transaction.
void ReopenItem(PgConnection& conn, const domain::BidEvent& bid, std::int64_t bids) {
    static const std::string kSql =
        std::string("UPDATE items AS i SET status = 'active', current_price = $2::numeric, ") +
        "bid_count = i.bid_count + $3::integer, last_bid_at = now() WHERE i.id = $1::uuid AND i.status = 'expired' "
        "RETURNING " +
        kItemColumns;
    auto rows = conn.ExecPrepared("bids_reopen", kSql.c_str(),
                                  {bid.item_id, domain::FormatMoney(bid.amount), std::to_string(bids)});
    if (rows.Rows() == 0) {
        return;  // not expired any more: the statement that classified it holds the row lock, so not reached
    }
    const auto item = ItemFromRow(rows, 0);
    events::EventMeta meta{bid.trace_id.empty() ? bid.bid_id : bid.trace_id,
                           bid.correlation_id.empty() ? bid.bid_id : bid.correlation_id};
    outbox::Insert(
        conn, events::MakeItemEvent("item.updated", meta, item.id, domain::ItemUpdatedPayload(item), item.updated_at));
}

// The text of the error that a bid needing ReopenItem raises in the batch statement's one-round-trip form.
constexpr std::string_view kReopenMarker = "auction: reopen needed for bid ";

// Reads the batch statement's answer, one row per input bid: (ord, kind, bids counted for a reopen). `reopen`
// applies a reopen (given the bid's index in the input and the count) before it is classified.
template <typename Reopen>
void Classify(const PgResult& rows, const std::vector<std::size_t>& index, Reopen&& reopen,
              std::vector<BidResult>& results) {
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
        } else if (kind == "early") {
            result = BidResult::kBeforeStart;
        } else if (kind == "late") {
            result = BidResult::kAfterEnd;
        } else if (kind == "applied") {
            result = BidResult::kApplied;
        } else if (kind == "reopen") {
            reopen(index[ord - 1], rows.Int64(r, 2));
            result = BidResult::kReopened;
        }
        results[index[ord - 1]] = result;
    }
}

}  // namespace

std::vector<BidResult> ApplyPlacedBids(PgConnection& conn, const std::vector<domain::BidEvent>& bids) {
    std::vector<BidResult> results(bids.size(), BidResult::kNoChange);
    std::vector<timeutil::Micros> placed_at(bids.size(), 0);
    for (std::size_t i = 0; i < bids.size(); ++i) {
        placed_at[i] = bids[i].placed_at.value_or(0);
    }
    ResolveReceiptTimes(conn, bids, placed_at);
    // The same bid twice in one batch: the later copy is a duplicate of the first.
    std::vector<std::string> bid_ids;
    std::vector<std::string> item_ids;
    std::vector<std::string> amounts;
    std::vector<std::string> currencies;
    std::vector<std::string> times;
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
        times.push_back(std::to_string(placed_at[i]));
        index.push_back(i);
    }
    if (bid_ids.empty()) {
        return results;
    }
    // One statement, so one round trip and one commit for the whole batch:
    //  locked: the batch's items, locked in id order (replicas never deadlock); read under the lock, so the
    //          status and price are the latest committed ones;
    //  fresh:  the events not applied before (processed_bid_events is the idempotency record; a bid outside
    //          its window is recorded too, so it is never reconsidered);
    //  counted: fresh bids inside the item's window (startDate <= placed <= endDate) above its price;
    //  best:   the highest of them per item, with how many there were; upd raises the price of an active item and
    //          counts the bids. An expired item's best bid is returned as "reopen" and applied by ReopenItem in
    //          the same transaction (it needs the item's event).
    // The result classifies every input row; "applied" marks the bid that set the new price.
    static const std::string kSql =
        std::string(
            "WITH input AS (SELECT * FROM unnest($1::text[], $2::uuid[], $3::numeric[], $4::text[], $5::bigint[]) "
            "  WITH ORDINALITY AS t(bid_id, item_id, amount, currency, placed_us, ord)), "
            "locked AS (SELECT i.id, i.currency_code, i.status, i.current_price, "
            "  (extract(epoch FROM i.start_date) * 1000000)::bigint AS start_us, "
            "  (extract(epoch FROM i.end_date) * 1000000)::bigint AS end_us FROM items i "
            "  WHERE i.id IN (SELECT item_id FROM input) ORDER BY i.id FOR UPDATE), "
            "valid AS (SELECT n.* FROM input n JOIN locked l ON l.id = n.item_id AND l.currency_code = n.currency), "
            "fresh AS (INSERT INTO processed_bid_events (bid_id, event_type, item_id) "
            "  SELECT bid_id, 'bid.placed', item_id FROM valid ON CONFLICT DO NOTHING RETURNING bid_id), "
            "counted AS (SELECT v.*, l.status FROM valid v JOIN fresh f ON f.bid_id = v.bid_id "
            "  JOIN locked l ON l.id = v.item_id WHERE v.placed_us BETWEEN l.start_us AND l.end_us "
            "  AND v.amount > l.current_price AND l.status IN ('active', 'expired')), "
            "best AS (SELECT DISTINCT ON (c.item_id) c.item_id, c.amount, c.bid_id, c.status, "
            "  count(*) OVER (PARTITION BY c.item_id) AS bids FROM counted c ORDER BY c.item_id, c.amount DESC, "
            "c.ord), "
            "upd AS (UPDATE items it SET current_price = b.amount, bid_count = it.bid_count + b.bids, last_bid_at = "
            "now() "
            "  FROM best b WHERE it.id = b.item_id AND b.status = 'active' RETURNING b.bid_id) "
            "SELECT n.ord, CASE WHEN l.id IS NULL THEN 'unknown' WHEN l.currency_code <> n.currency THEN 'currency' "
            "  WHEN f.bid_id IS NULL THEN 'duplicate' WHEN n.placed_us < l.start_us THEN 'early' "
            "  WHEN n.placed_us > l.end_us THEN 'late' WHEN u.bid_id IS NOT NULL THEN 'applied' "
            "  WHEN b.bid_id IS NOT NULL THEN CASE WHEN $6::boolean THEN 'reopen' ELSE ('") +
        std::string(kReopenMarker) +
        "' || b.bid_id)::integer::text END ELSE 'nochange' END, coalesce(b.bids, 0) "
        "FROM input n LEFT JOIN locked l ON l.id = n.item_id LEFT JOIN fresh f ON f.bid_id = n.bid_id "
        "LEFT JOIN upd u ON u.bid_id = n.bid_id LEFT JOIN best b ON b.bid_id = n.bid_id AND b.status = 'expired'";
    // The price update notifies the API replicas' item caches (migration 010), and a committing transaction that
    // notified holds PostgreSQL's cluster-wide notify lock until it returns: with a synchronous commit that is
    // through its WAL flush, which serialises the replicas' commits (no group commit: about one commit per fsync).
    // So the batch commits asynchronously (the lock is held only while the commit record is written), and a
    // second, synchronous transaction that notifies nothing then waits for the WAL flush, which covers the batch's
    // commit record too (PgTransaction::Durability::kAsynchronousCommit). The messages are acknowledged only after
    // both: a crash in between loses an unacknowledged batch, which is redelivered and applied once
    // (processed_bid_events). No fsync is held under a lock; the replicas' flushes share fsyncs.
    //
    // BEGIN, the statement, the COMMIT and the flushing transaction travel in one round trip (libpq's pipeline
    // mode; each round trip saved is about 0.4 ms of a batch under load). That needs to know before the statement
    // runs that nothing follows it, and a bid that reopens an expired item (rare: the bid queue lagged behind the
    // closer) is followed by ReopenItem. So $6 says whether a reopen may be returned: in the first attempt it may
    // not, and such a bid fails the statement on purpose (a cast of the marker text to integer, which cannot
    // succeed: SQL has no RAISE), the pipelined COMMIT never runs, and the batch runs again in a transaction of
    // its own that may reopen.
    Params params{FormatTextArray(bid_ids),    FormatTextArray(item_ids), FormatTextArray(amounts),
                  FormatTextArray(currencies), FormatTextArray(times),    "false"};
    {
        PgTransaction tx(conn, PgTransaction::Durability::kAsynchronousCommit,
                         PgTransaction::Begin::kWithFirstStatement);
        try {
            const auto rows = tx.ExecPreparedAndCommit("bids_apply_batch", kSql.c_str(), params);
            Classify(
                rows, index, [](std::size_t, std::int64_t) {}, results);
            return results;
        } catch (const PgError& e) {
            if (e.sqlstate() != "22P02" || std::string_view(e.what()).find(kReopenMarker) == std::string_view::npos) {
                throw;
            }
        }
    }  // rolled back
    params.back() = "true";
    PgTransaction tx(conn, PgTransaction::Durability::kAsynchronousCommit, PgTransaction::Begin::kWithFirstStatement);
    const auto rows = tx.ExecPrepared("bids_apply_batch", kSql.c_str(), params);
    Classify(
        rows, index, [&](std::size_t i, std::int64_t bids_counted) { ReopenItem(conn, bids[i], bids_counted); },
        results);
    tx.Commit();  // returns once durable
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
    if (item.status == domain::ItemStatus::kCancelled) {
        return BidResult::kNotForSale;
    }
    // Accepted after the end (that is when it comes), and for an item the closer expired: the clock never loses a
    // sale the bid service decided.
    const bool after_expiry = item.status == domain::ItemStatus::kExpired;
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
    return after_expiry ? BidResult::kSoldAfterExpiry : BidResult::kApplied;
}

}  // namespace auction::postgres
