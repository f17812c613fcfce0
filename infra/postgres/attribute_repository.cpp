#include "infra/postgres/attribute_repository.hpp"

#include "domain/item_events.hpp"
#include "infra/postgres/idempotency_store.hpp"
#include "infra/postgres/item_repository.hpp"
#include "infra/postgres/outbox_store.hpp"
#include "pkg/timeutil/rfc3339.hpp"

namespace auction::postgres {

namespace {

using domain::ItemAttribute;

// Every attribute read selects the same columns (table aliased `a`), starting at column `first`.
constexpr const char* kColumns =
    "a.id::text, a.item_id::text, a.key, a.value, (extract(epoch FROM a.created_at) * 1000000)::bigint";

ItemAttribute AttributeFromRow(const PgResult& rows, int r, int first) {
    ItemAttribute attribute;
    attribute.id = rows.String(r, first);
    attribute.item_id = rows.String(r, first + 1);
    attribute.key = rows.String(r, first + 2);
    attribute.value = rows.String(r, first + 3);
    attribute.created_at = rows.Int64(r, first + 4);
    return attribute;
}

// Attribute writes serialize per item: the per-item limit and the key check read the item's attributes and
// must not race with another writer. NO KEY UPDATE conflicts with every other writer's lock (FOR SHARE,
// FOR UPDATE) but not with the foreign-key checks of plain inserts into other child tables.
const std::string& LockItemSql() {
    static const std::string kSql =
        std::string("SELECT ") + kItemColumns + " FROM items i WHERE i.id = $1::uuid FOR NO KEY UPDATE OF i";
    return kSql;
}

// One attribute under one item ($1 attribute id, $2 item id).
const std::string& GetSql() {
    static const std::string kSql =
        std::string("SELECT ") + kColumns + " FROM item_attributes a WHERE a.id = $1::uuid AND a.item_id = $2::uuid";
    return kSql;
}

}  // namespace

boost::asio::awaitable<std::optional<std::vector<ItemAttribute>>> PgAttributeRepository::List(std::string item_id) {
    auto work = [item_id = std::move(item_id)](PgConnection& conn) -> std::optional<std::vector<ItemAttribute>> {
        // One statement: the existence check and the attributes come from one snapshot. Keys sort by code
        // point (COLLATE "C"), the same on every server whatever its locale.
        static const std::string kSql =
            std::string("SELECT s.found, ") + kColumns +
            " FROM (SELECT EXISTS (SELECT 1 FROM items WHERE id = $1::uuid) AS found) s "
            "LEFT JOIN item_attributes a ON a.item_id = $1::uuid ORDER BY a.key COLLATE \"C\", a.id";
        auto rows = conn.ExecPrepared("attribute_list", kSql.c_str(), {item_id});
        if (rows.Rows() == 0 || !rows.Bool(0, 0)) {
            return std::nullopt;
        }
        std::vector<ItemAttribute> out;
        out.reserve(static_cast<std::size_t>(rows.Rows()));
        for (int r = 0; r < rows.Rows(); ++r) {
            if (!rows.IsNull(r, 1)) {
                out.push_back(AttributeFromRow(rows, r, 1));
            }
        }
        return out;
    };
    co_return co_await db_.Run(std::move(work));
}

boost::asio::awaitable<std::optional<ItemAttribute>> PgAttributeRepository::Get(std::string item_id,
                                                                                std::string attribute_id) {
    auto work = [item_id = std::move(item_id),
                 attribute_id = std::move(attribute_id)](PgConnection& conn) -> std::optional<ItemAttribute> {
        auto rows = conn.ExecPrepared("attribute_get", GetSql().c_str(), {attribute_id, item_id});
        if (rows.Rows() == 0) {
            return std::nullopt;
        }
        return AttributeFromRow(rows, 0, 0);
    };
    co_return co_await db_.Run(std::move(work));
}

boost::asio::awaitable<std::optional<std::vector<ItemAttribute>>> PgAttributeRepository::Create(
    std::string item_id, std::vector<ItemAttribute> attributes,
    std::function<void(const domain::Item&, const std::vector<std::string>&)> check, events::EventMeta meta,
    ports::Idempotent<std::vector<ItemAttribute>> idempotency) {
    auto work = [item_id = std::move(item_id), attributes = std::move(attributes), check = std::move(check),
                 meta = std::move(meta), idempotency = std::move(idempotency)](
                    PgConnection& conn) mutable -> std::optional<std::vector<ItemAttribute>> {
        PgTransaction tx(conn);
        auto item_rows = conn.ExecPrepared("attribute_item_lock", LockItemSql().c_str(), {item_id});
        if (item_rows.Rows() == 0) {
            return std::nullopt;
        }
        const auto item = ItemFromRow(item_rows, 0);
        auto key_rows =
            conn.ExecPrepared("attribute_keys", "SELECT key FROM item_attributes WHERE item_id = $1::uuid", {item_id});
        std::vector<std::string> existing_keys;
        existing_keys.reserve(static_cast<std::size_t>(key_rows.Rows()));
        for (int r = 0; r < key_rows.Rows(); ++r) {
            existing_keys.push_back(key_rows.String(r, 0));
        }
        check(item, existing_keys);  // throws to refuse; the transaction rolls back

        const auto now = timeutil::NowMicros();
        std::vector<std::string> ids;
        std::vector<std::string> keys;
        std::vector<std::string> values;
        std::vector<events::OutboxMessage> messages;
        ids.reserve(attributes.size());
        keys.reserve(attributes.size());
        values.reserve(attributes.size());
        messages.reserve(attributes.size());
        for (auto& attribute : attributes) {
            attribute.item_id = item_id;
            attribute.created_at = now;
            ids.push_back(attribute.id);
            keys.push_back(attribute.key);
            values.push_back(attribute.value);
            messages.push_back(events::MakeItemEvent("item.attribute.created", meta, item_id,
                                                     domain::AttributeCreatedPayload(attribute), now));
        }
        // One statement inserts every attribute and every event: the UNIQUE (item_id, key) constraint still
        // refuses the whole statement (409) should a duplicate ever get past the check above.
        static const std::string kSql =
            "WITH ins AS (INSERT INTO item_attributes (id, item_id, key, value, created_at, updated_at) "
            "SELECT a.id, $1::uuid, a.key, a.value, $2::timestamptz, $2::timestamptz "
            "FROM unnest($3::uuid[], $4::text[], $5::text[]) AS a(id, key, value)), " +
            outbox::InsertBatchCte(6) + " SELECT pg_notify('" + kOutboxChannel + "', '') FROM ev LIMIT 1";
        Params params{item_id, timeutil::FormatRfc3339(now), FormatTextArray(ids), FormatTextArray(keys),
                      FormatTextArray(values)};
        outbox::AppendBatchParams(params, messages);
        conn.ExecPrepared("attribute_create", kSql.c_str(), params);
        CompleteIdempotent(conn, idempotency, attributes);
        tx.Commit();
        return attributes;
    };
    co_return co_await db_.Run(std::move(work));
}

boost::asio::awaitable<ports::ChildDeleteResult> PgAttributeRepository::Delete(
    std::string item_id, std::string attribute_id, std::function<void(const domain::Item&, const ItemAttribute&)> check,
    events::EventMeta meta) {
    auto work = [item_id = std::move(item_id), attribute_id = std::move(attribute_id), check = std::move(check),
                 meta = std::move(meta)](PgConnection& conn) {
        PgTransaction tx(conn);
        auto item_rows = conn.ExecPrepared("attribute_item_lock", LockItemSql().c_str(), {item_id});
        if (item_rows.Rows() == 0) {
            return ports::ChildDeleteResult::kItemNotFound;
        }
        const auto item = ItemFromRow(item_rows, 0);
        // The item lock keeps every other attribute writer out, so the row needs no lock of its own.
        auto rows = conn.ExecPrepared("attribute_get", GetSql().c_str(), {attribute_id, item_id});
        if (rows.Rows() == 0) {
            return ports::ChildDeleteResult::kNotFound;
        }
        const auto attribute = AttributeFromRow(rows, 0, 0);
        check(item, attribute);  // throws to refuse; the transaction rolls back
        const auto now = timeutil::NowMicros();
        auto event = events::MakeItemEvent("item.attribute.deleted", meta, attribute.item_id,
                                           domain::AttributeDeletedPayload(attribute, now), now);
        static const std::string kSql = "WITH del AS (DELETE FROM item_attributes WHERE id = $1::uuid), " +
                                        outbox::InsertCte(2) + " SELECT pg_notify('" + kOutboxChannel +
                                        "', '') FROM ev";
        Params params{attribute.id};
        outbox::AppendParams(params, event);
        conn.ExecPrepared("attribute_delete", kSql.c_str(), params);
        tx.Commit();
        return ports::ChildDeleteResult::kDeleted;
    };
    co_return co_await db_.Run(std::move(work));
}

}  // namespace auction::postgres
