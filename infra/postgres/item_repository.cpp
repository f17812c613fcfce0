#include "infra/postgres/item_repository.hpp"

#include <algorithm>

#include "domain/item_events.hpp"
#include "infra/postgres/idempotency_store.hpp"
#include "infra/postgres/outbox_store.hpp"
#include "pkg/timeutil/rfc3339.hpp"

namespace auction::postgres {

namespace {

using domain::Item;

std::string Micros(timeutil::Micros t) {
    return timeutil::FormatRfc3339(t);
}

domain::Money MoneyColumn(const PgResult& rows, int row, int col) {
    auto m = domain::ParseMoney(rows.Get(row, col));
    if (!m) {
        throw PgError("unexpected money value in items", "", "", false);
    }
    return *m;
}

// Every item read selects the same columns, so one decoder serves all queries.
constexpr const char* kColumns =
    "i.id::text, i.name, i.description, i.seller_id, i.currency_code, i.start_price::text, "
    "i.current_price::text, i.bid_increment::text, (extract(epoch FROM i.start_date) * 1000000)::bigint, "
    "(extract(epoch FROM i.end_date) * 1000000)::bigint, i.status, i.buyer_id, "
    "ARRAY(SELECT c.category_id::text FROM item_categories c WHERE c.item_id = i.id ORDER BY c.category_id)::text, "
    "(extract(epoch FROM i.created_at) * 1000000)::bigint, (extract(epoch FROM i.updated_at) * 1000000)::bigint, "
    "i.version, i.bid_count";
constexpr int kColumnCount = kItemColumnCount;

std::string SelectById() {
    return std::string("SELECT ") + kColumns + " FROM items i WHERE i.id = $1::uuid";
}

}  // namespace

const char* const kItemColumns = kColumns;

Item ItemFromRow(const PgResult& rows, int r) {
    Item item;
    item.id = rows.String(r, 0);
    item.name = rows.String(r, 1);
    item.description = rows.String(r, 2);
    item.seller_id = rows.String(r, 3);
    item.currency_code = rows.String(r, 4);
    item.start_price = MoneyColumn(rows, r, 5);
    item.current_price = MoneyColumn(rows, r, 6);
    item.bid_increment = MoneyColumn(rows, r, 7);
    item.start_date = rows.Int64(r, 8);
    item.end_date = rows.Int64(r, 9);
    item.status = domain::ParseItemStatus(rows.Get(r, 10)).value_or(domain::ItemStatus::kActive);
    item.buyer_id = rows.OptString(r, 11);
    item.category_ids = ParseTextArray(rows.Get(r, 12));
    item.created_at = rows.Int64(r, 13);
    item.updated_at = rows.Int64(r, 14);
    item.version = rows.Int64(r, 15);
    item.bid_count = rows.Int64(r, 16);
    return item;
}

namespace {

constexpr std::size_t kCreateBatchMax = 64;
constexpr std::size_t kCreateQueueLimit = 8192;

// Items (one or many), their categories and their events in one statement: atomic, one round trip, one commit
// (one WAL flush) and one notification for the relay for all of them. Events keep the items' order.
void InsertItems(PgConnection& conn, const std::vector<Item>& items, const std::vector<events::OutboxMessage>& events) {
    static const std::string kSql =
        "WITH src AS (SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], "
        "$6::numeric[], $7::numeric[], $8::timestamptz[], $9::timestamptz[], $10::timestamptz[]) WITH ORDINALITY "
        "AS s(id, name, description, seller_id, currency_code, start_price, bid_increment, start_date, end_date, "
        "created_at, n)), "
        "it AS (INSERT INTO items (id, name, description, seller_id, currency_code, start_price, current_price, "
        "bid_increment, start_date, end_date, status, created_at, updated_at) SELECT id, name, description, "
        "seller_id, currency_code, start_price, start_price, bid_increment, start_date, end_date, 'active', "
        "created_at, created_at FROM src ORDER BY n RETURNING id), "
        "cats AS (INSERT INTO item_categories (item_id, category_id) SELECT c.item_id, c.category_id FROM "
        "unnest($11::uuid[], $12::uuid[]) AS c(item_id, category_id) JOIN it ON it.id = c.item_id RETURNING 1), " +
        outbox::InsertBatchCte(13) + " SELECT pg_notify('" + kOutboxChannel + "', '') WHERE EXISTS (SELECT 1 FROM ev)";
    std::vector<std::vector<std::string>> columns(12);
    for (auto& column : columns) {
        column.reserve(items.size());
    }
    for (const auto& item : items) {
        columns[0].push_back(item.id);
        columns[1].push_back(item.name);
        columns[2].push_back(item.description);
        columns[3].push_back(item.seller_id);
        columns[4].push_back(item.currency_code);
        columns[5].push_back(domain::FormatMoney(item.start_price));
        columns[6].push_back(domain::FormatMoney(item.bid_increment));
        columns[7].push_back(Micros(item.start_date));
        columns[8].push_back(Micros(item.end_date));
        columns[9].push_back(Micros(item.created_at));
        for (const auto& category : item.category_ids) {
            columns[10].push_back(item.id);
            columns[11].push_back(category);
        }
    }
    Params params;
    params.reserve(19);
    AppendArrayParams(params, columns);
    outbox::AppendBatchParams(params, events);
    conn.ExecPrepared("item_create", kSql.c_str(), params);
}

}  // namespace

PgItemRepository::PgItemRepository(DbExecutor& db, PgPipeline& reads)
    : db_(db),
      reads_(reads),
      creates_("item create", 2, kCreateBatchMax, kCreateQueueLimit,
               [this](std::vector<CreateRequest>& requests) { return CreateBatch(requests); }) {}

PgItemRepository::CreateStats PgItemRepository::GetCreateStats() const {
    const auto stats = creates_.GetStats();
    return CreateStats{stats.batches, stats.requests};
}

std::vector<PgItemRepository::CreatePool::Outcome> PgItemRepository::CreateBatch(std::vector<CreateRequest>& requests) {
    std::vector<Item> items;
    std::vector<events::OutboxMessage> events;
    items.reserve(requests.size());
    events.reserve(requests.size());
    for (auto& request : requests) {
        auto& item = items.emplace_back(std::move(request.item));
        item.created_at = item.updated_at = timeutil::NowMicros();
        item.version = 1;
        events.push_back(events::MakeItemEvent("item.created", request.meta, item.id, domain::ItemCreatedPayload(item),
                                               item.created_at));
    }
    std::vector<CreatePool::Outcome> outcomes(items.size());
    auto lease = db_.pool().Acquire();  // throws (failing the whole batch) when no connection can be had
    auto& conn = *lease;
    if (items.size() > 1) {
        try {
            InsertItems(conn, items, events);
            for (std::size_t i = 0; i < items.size(); ++i) {
                outcomes[i].value = std::move(items[i]);
            }
            return outcomes;
        } catch (const PgError& e) {
            if (e.connection_lost()) {
                throw;  // every item of the batch shares the outcome
            }
            // The database refused one of them: each on its own below, so the others commit.
        }
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
        try {
            InsertItems(conn, {items[i]}, {events[i]});
            outcomes[i].value = std::move(items[i]);
        } catch (const PgError& e) {
            outcomes[i].error = std::current_exception();
            if (e.connection_lost()) {
                // This one and the ones after it fail alike; the ones before it committed.
                std::fill(outcomes.begin() + static_cast<std::ptrdiff_t>(i) + 1, outcomes.end(),
                          CreatePool::Outcome{Item{}, outcomes[i].error});
                break;
            }
        }
    }
    return outcomes;
}

boost::asio::awaitable<Item> PgItemRepository::Create(Item item, events::EventMeta meta,
                                                      ports::Idempotent<Item> idempotency) {
    if (idempotency.claim) {
        // Its own transaction: the item, its event and the stored answer commit together.
        auto work = [item = std::move(item), meta = std::move(meta),
                     idempotency = std::move(idempotency)](PgConnection& conn) mutable {
            item.created_at = item.updated_at = timeutil::NowMicros();
            item.version = 1;
            auto event =
                events::MakeItemEvent("item.created", meta, item.id, domain::ItemCreatedPayload(item), item.created_at);
            PgTransaction tx(conn);
            InsertItems(conn, {item}, {event});
            CompleteIdempotent(conn, idempotency, item);
            tx.Commit();
            return item;
        };
        co_return co_await db_.Run(std::move(work));
    }
    CreateRequest request{std::move(item), std::move(meta)};
    co_return co_await creates_.Submit(std::move(request));
}

boost::asio::awaitable<std::optional<Item>> PgItemRepository::Get(std::string id) {
    static const std::string kSql = SelectById();
    auto decode = [](const PgResult& rows) {
        return rows.Rows() == 0 ? std::optional<Item>() : std::optional<Item>(ItemFromRow(rows, 0));
    };
    Params params{std::move(id)};
    std::string sql = kSql;
    co_return co_await reads_.Query("item_get", std::move(sql), std::move(params), std::move(decode));
}

namespace {

// The list statement, assembled from constant fragments only; every value travels as a parameter.
struct ListStatement {
    std::string sql;        // offset paging: the page, with count(*) OVER () as the last column; keyset: limit + 1 rows
    std::string count_sql;  // offset paging: the count alone, for a page past the end
    Params params;          // count_sql takes all but the last two (LIMIT, OFFSET)
};

const char* SortColumn(ports::ItemSort sort) {
    switch (sort) {
        case ports::ItemSort::kEndDate:
            return "i.end_date";
        case ports::ItemSort::kCurrentPrice:
            return "p.current_price";
        case ports::ItemSort::kCreatedAt:
            break;
    }
    return "i.created_at";
}

// A keyset position's sort key value as SQL text of the column's type.
std::string KeyParam(ports::ItemSort sort, std::int64_t key) {
    return sort == ports::ItemSort::kCurrentPrice ? domain::FormatMoney(domain::Money{key}) : Micros(key);
}

ListStatement BuildList(const ports::ItemQuery& q) {
    ListStatement st;
    // Price order reads item_prices (migration 015), whose indexes are the only ones on the price: its status and
    // price are the item's own, kept by triggers in the statement that changes the item.
    const bool by_price = q.sort == ports::ItemSort::kCurrentPrice;
    const std::string from = by_price ? " FROM item_prices p JOIN items i ON i.id = p.id" : " FROM items i";
    const char* alias = by_price ? "p." : "i.";
    std::string where = " WHERE TRUE";
    auto param = [&st](std::string value) {
        st.params.emplace_back(std::move(value));
        return Placeholder(st.params.size());
    };
    if (q.status) {
        where += std::string(" AND ") + alias + "status = " + param(std::string(domain::ToString(*q.status)));
    }
    if (q.seller_id) {
        where += " AND i.seller_id = " + param(*q.seller_id);
    }
    if (q.category_id) {
        where += " AND EXISTS (SELECT 1 FROM item_categories ic WHERE ic.item_id = i.id AND ic.category_id = " +
                 param(*q.category_id) + "::uuid)";
    }
    if (q.min_price) {
        where +=
            std::string(" AND ") + alias + "current_price >= " + param(domain::FormatMoney(*q.min_price)) + "::numeric";
    }
    if (q.max_price) {
        where +=
            std::string(" AND ") + alias + "current_price <= " + param(domain::FormatMoney(*q.max_price)) + "::numeric";
    }
    if (q.text) {
        std::string pattern = "%";
        for (char c : *q.text) {
            if (c == '%' || c == '_' || c == '\\') {
                pattern += '\\';
            }
            pattern += c;
        }
        pattern += '%';
        const auto p = param(pattern);
        where += " AND (i.name ILIKE " + p + " OR i.description ILIKE " + p + ")";
    }
    const char* column = SortColumn(q.sort);
    const char* dir = q.descending ? " DESC" : " ASC";
    // Both columns in one direction, so an index on (column, id) yields the order read forwards or backwards
    // (migration 012), and the keyset condition below is one range of that index.
    const std::string order = std::string(" ORDER BY ") + column + dir + ", " + alias + "id" + dir;
    if (q.paging.keyset) {
        if (q.paging.after) {
            const char* type = q.sort == ports::ItemSort::kCurrentPrice ? "::numeric" : "::timestamptz";
            const auto key = param(KeyParam(q.sort, q.paging.after->key));
            const auto id = param(q.paging.after->id);
            where += std::string(" AND (") + column + ", " + alias + "id) " + (q.descending ? "<" : ">") + " (" + key +
                     type + ", " + id + "::uuid)";
        }
        // One row more than the page tells whether another page follows, without counting.
        const auto limit = param(std::to_string(q.paging.limit + 1));
        st.sql = std::string("SELECT ") + kColumns + from + where + order + " LIMIT " + limit;
        return st;
    }
    st.count_sql = "SELECT count(*)" + from + where;
    const auto limit = param(std::to_string(q.paging.limit));
    const auto offset = param(std::to_string(static_cast<std::int64_t>(q.paging.page - 1) * q.paging.limit));
    st.sql = std::string("SELECT ") + kColumns + ", count(*) OVER ()" + from + where + order + " LIMIT " + limit +
             " OFFSET " + offset;
    return st;
}

// total = -1 when the page is empty: the window count is then unavailable.
ports::ItemPage PageFromRows(const PgResult& rows) {
    ports::ItemPage page;
    page.items.reserve(static_cast<std::size_t>(rows.Rows()));
    for (int r = 0; r < rows.Rows(); ++r) {
        page.items.push_back(ItemFromRow(rows, r));
    }
    page.total = rows.Rows() > 0 ? rows.Int64(0, kColumnCount) : -1;
    return page;
}

// Keyset paging: up to limit + 1 rows; the extra one only says that more follow.
ports::ItemPage KeysetPageFromRows(const PgResult& rows, int limit) {
    ports::ItemPage page;
    const int shown = std::min(rows.Rows(), limit);
    page.items.reserve(static_cast<std::size_t>(shown));
    for (int r = 0; r < shown; ++r) {
        page.items.push_back(ItemFromRow(rows, r));
    }
    page.more = rows.Rows() > limit;
    return page;
}

}  // namespace

boost::asio::awaitable<ports::ItemPage> PgItemRepository::List(ports::ItemQuery q) {
    auto st = BuildList(q);
    if (q.paging.keyset) {
        auto decode_keyset = [limit = q.paging.limit](const PgResult& rows) { return KeysetPageFromRows(rows, limit); };
        co_return co_await reads_.Query(nullptr, std::move(st.sql), std::move(st.params), std::move(decode_keyset));
    }
    auto decode_page = [](const PgResult& rows) { return PageFromRows(rows); };
    std::string sql = st.sql;
    Params params = st.params;
    auto page = co_await reads_.Query(nullptr, std::move(sql), std::move(params), std::move(decode_page));
    if (page.total < 0) {
        auto decode_count = [](const PgResult& rows) { return rows.Int64(0, 0); };
        st.params.resize(st.params.size() - 2);
        page.total =
            co_await reads_.Query(nullptr, std::move(st.count_sql), std::move(st.params), std::move(decode_count));
    }
    const auto offset = static_cast<std::int64_t>(q.paging.page - 1) * q.paging.limit;
    page.more = offset + static_cast<std::int64_t>(page.items.size()) < page.total;
    co_return page;
}

boost::asio::awaitable<std::optional<Item>> PgItemRepository::Update(std::string id, ports::ItemDecision decide,
                                                                     events::EventMeta meta) {
    auto work = [id = std::move(id), decide = std::move(decide),
                 meta = std::move(meta)](PgConnection& conn) -> std::optional<Item> {
        PgTransaction tx(conn);
        static const std::string kLock = SelectById() + " FOR UPDATE OF i";
        auto rows = conn.ExecPrepared("item_lock", kLock.c_str(), {id});
        if (rows.Rows() == 0) {
            return std::nullopt;
        }
        Item item = ItemFromRow(rows, 0);
        const auto previous_categories = item.category_ids;
        // now(), the transaction's start time: the clock of the lifecycle rules, and what the updated_at trigger
        // stamps (so it also builds the event).
        const auto now =
            conn.ExecPrepared("tx_now", "SELECT (extract(epoch FROM now()) * 1000000)::bigint", {}).Int64(0, 0);
        decide(item, now);  // throws to refuse; the transaction rolls back
        item.updated_at = now;
        auto event =
            events::MakeItemEvent("item.updated", meta, item.id, domain::ItemUpdatedPayload(item), item.updated_at);
        static const std::string kSql =
            "WITH upd AS (UPDATE items SET name = $2, description = $3, currency_code = $4, start_price = "
            "$5::numeric, current_price = $6::numeric, bid_increment = $7::numeric, start_date = $8::timestamptz, "
            "end_date = $9::timestamptz, status = $10 WHERE id = $1::uuid RETURNING id, version), "
            "del AS (DELETE FROM item_categories WHERE $11::boolean AND item_id = $1::uuid "
            "AND NOT (category_id = ANY($12::uuid[]))), "
            "ins AS (INSERT INTO item_categories (item_id, category_id) SELECT $1::uuid, c FROM "
            "unnest($12::uuid[]) AS c WHERE $11::boolean ON CONFLICT DO NOTHING), " +
            outbox::InsertCte(13) + " SELECT (SELECT version FROM upd), pg_notify('" + kOutboxChannel +
            "', '') FROM ev";
        const bool categories_changed = item.category_ids != previous_categories;
        Params params{item.id,
                      item.name,
                      item.description,
                      item.currency_code,
                      domain::FormatMoney(item.start_price),
                      domain::FormatMoney(item.current_price),
                      domain::FormatMoney(item.bid_increment),
                      Micros(item.start_date),
                      Micros(item.end_date),
                      std::string(domain::ToString(item.status)),
                      categories_changed ? "true" : "false",
                      FormatTextArray(item.category_ids)};
        outbox::AppendParams(params, event);
        item.version = conn.ExecPrepared("item_update", kSql.c_str(), params).Int64(0, 0);
        tx.Commit();
        std::sort(item.category_ids.begin(), item.category_ids.end());
        return item;
    };
    co_return co_await db_.Run(std::move(work));
}

boost::asio::awaitable<bool> PgItemRepository::Delete(std::string id, std::function<void(const Item&)> check,
                                                      events::EventMeta meta) {
    auto work = [id = std::move(id), check = std::move(check), meta = std::move(meta)](PgConnection& conn) {
        PgTransaction tx(conn);
        static const std::string kLock = SelectById() + " FOR UPDATE OF i";
        auto rows = conn.ExecPrepared("item_lock", kLock.c_str(), {id});
        if (rows.Rows() == 0) {
            return false;
        }
        const Item item = ItemFromRow(rows, 0);
        check(item);
        const auto now =
            conn.ExecPrepared("tx_now", "SELECT (extract(epoch FROM now()) * 1000000)::bigint", {}).Int64(0, 0);
        auto event = events::MakeItemEvent("item.deleted", meta, item.id, domain::ItemDeletedPayload(item, now), now);
        static const std::string kSql = "WITH del AS (DELETE FROM items WHERE id = $1::uuid RETURNING id), " +
                                        outbox::InsertCte(2) + " SELECT pg_notify('" + kOutboxChannel +
                                        "', '') FROM ev";
        Params params{item.id};
        outbox::AppendParams(params, event);
        conn.ExecPrepared("item_delete", kSql.c_str(), params);
        tx.Commit();
        return true;
    };
    co_return co_await db_.Run(std::move(work));
}

}  // namespace auction::postgres
