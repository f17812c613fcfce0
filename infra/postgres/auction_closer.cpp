#include "infra/postgres/auction_closer.hpp"

#include "domain/item_events.hpp"
#include "infra/postgres/item_repository.hpp"
#include "infra/postgres/outbox_store.hpp"
#include "pkg/events/events.hpp"
#include "pkg/ids/uuid.hpp"

namespace auction::postgres {

std::vector<ports::ClosedItem> CloseDueItems(PgConnection& conn, std::chrono::milliseconds grace,
                                             std::chrono::milliseconds settle_timeout, int limit) {
    // due: the oldest ends first, through the partial index on active items' end_date. FOR UPDATE SKIP LOCKED: the
    // closers of several replicas take disjoint items and never wait for each other or for a bid batch (a locked
    // item is taken on a later round). The lock re-reads each row at its latest version and re-checks the WHERE
    // on it, so an item a bid.won sold, or a bid counted, since the snapshot is not taken.
    // The UPDATE returns the item after its triggers (updated_at, version): the event is built from exactly that.
    static const std::string kSql =
        "WITH due AS (SELECT id, bid_count > 0 AS unsettled FROM items "
        "  WHERE status = 'active' AND end_date <= now() - $1::bigint * interval '1 millisecond' "
        "  AND (bid_count = 0 OR greatest(end_date, coalesce(last_bid_at, end_date)) "
        "       <= now() - $2::bigint * interval '1 millisecond') "
        "  ORDER BY end_date LIMIT $3 FOR UPDATE SKIP LOCKED) "
        "UPDATE items AS i SET status = 'expired' FROM due WHERE i.id = due.id RETURNING " +
        std::string(kItemColumns) + ", due.unsettled";
    PgTransaction tx(conn);
    auto rows = conn.ExecPrepared(
        "close_due", kSql.c_str(),
        {std::to_string(grace.count()), std::to_string(settle_timeout.count()), std::to_string(limit)});
    std::vector<ports::ClosedItem> closed;
    if (rows.Rows() == 0) {
        tx.Commit();
        return closed;
    }
    constexpr int kUnsettledColumn = kItemColumnCount;
    std::vector<events::OutboxMessage> messages;
    messages.reserve(static_cast<std::size_t>(rows.Rows()));
    closed.reserve(static_cast<std::size_t>(rows.Rows()));
    for (int r = 0; r < rows.Rows(); ++r) {
        const auto item = ItemFromRow(rows, r);
        // No request started this change: the event starts its own trace, correlated with the item.
        const events::EventMeta meta{ids::NewUuidV4(), item.id};
        messages.push_back(
            events::MakeItemEvent("item.updated", meta, item.id, domain::ItemUpdatedPayload(item), item.updated_at));
        closed.push_back({item.id, rows.Bool(r, kUnsettledColumn)});
    }
    static const std::string kInsert = "WITH " + outbox::InsertBatchCte(1) + " SELECT pg_notify('" + kOutboxChannel +
                                       "', '') WHERE EXISTS (SELECT 1 FROM ev)";
    Params params;
    outbox::AppendBatchParams(params, messages);
    conn.ExecPrepared("close_events", kInsert.c_str(), params);
    tx.Commit();
    return closed;
}

}  // namespace auction::postgres
