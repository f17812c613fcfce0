#include "infra/postgres/image_repository.hpp"

#include "domain/item_events.hpp"
#include "infra/postgres/idempotency_store.hpp"
#include "infra/postgres/item_repository.hpp"
#include "infra/postgres/outbox_store.hpp"
#include "pkg/timeutil/rfc3339.hpp"

namespace auction::postgres {

namespace {

using domain::ItemImage;

// Every image read selects the same columns (table aliased `m`), starting at column `first`.
constexpr const char* kColumns =
    "m.id::text, m.item_id::text, m.object_key, m.image_url, m.display_order, m.content_type, m.size_bytes, "
    "(extract(epoch FROM m.created_at) * 1000000)::bigint";

ItemImage ImageFromRow(const PgResult& rows, int r, int first) {
    ItemImage image;
    image.id = rows.String(r, first);
    image.item_id = rows.String(r, first + 1);
    image.object_key = rows.String(r, first + 2);
    image.image_url = rows.String(r, first + 3);
    image.display_order = static_cast<int>(rows.Int64(r, first + 4));
    image.content_type = rows.String(r, first + 5);
    image.size_bytes = rows.Int64(r, first + 6);
    image.created_at = rows.Int64(r, first + 7);
    return image;
}

// Image writes lock the item row FOR UPDATE: uploads to one item take display orders one after another,
// and the item's events leave the outbox in the order the changes committed (see 008_create_outbox.sql).
const std::string& LockItemSql() {
    static const std::string kSql =
        std::string("SELECT ") + kItemColumns + " FROM items i WHERE i.id = $1::uuid FOR UPDATE OF i";
    return kSql;
}

}  // namespace

boost::asio::awaitable<std::optional<std::vector<ItemImage>>> PgImageRepository::List(std::string item_id) {
    auto work = [item_id = std::move(item_id)](PgConnection& conn) -> std::optional<std::vector<ItemImage>> {
        // One statement, so the existence check and the list come from one snapshot.
        static const std::string kSql = std::string("SELECT s.found, ") + kColumns +
                                        " FROM (SELECT EXISTS (SELECT 1 FROM items WHERE id = $1::uuid) AS found) s "
                                        "LEFT JOIN item_images m ON m.item_id = $1::uuid "
                                        "ORDER BY m.display_order, m.created_at, m.id";
        auto rows = conn.ExecPrepared("image_list", kSql.c_str(), {item_id});
        if (rows.Rows() == 0 || !rows.Bool(0, 0)) {
            return std::nullopt;
        }
        std::vector<ItemImage> out;
        for (int r = 0; r < rows.Rows(); ++r) {
            if (!rows.IsNull(r, 1)) {  // an item without images joins no row
                out.push_back(ImageFromRow(rows, r, 1));
            }
        }
        return out;
    };
    co_return co_await db_.Run(std::move(work));
}

boost::asio::awaitable<std::optional<ItemImage>> PgImageRepository::Create(
    ItemImage image, std::function<void(const domain::Item&)> check, events::EventMeta meta,
    ports::Idempotent<ItemImage> idempotency) {
    auto work = [image = std::move(image), check = std::move(check), meta = std::move(meta),
                 idempotency = std::move(idempotency)](PgConnection& conn) mutable -> std::optional<ItemImage> {
        PgTransaction tx(conn);
        auto rows = conn.ExecPrepared("image_item_lock", LockItemSql().c_str(), {image.item_id});
        if (rows.Rows() == 0) {
            return std::nullopt;
        }
        check(ItemFromRow(rows, 0));  // throws to refuse; the transaction rolls back
        image.created_at = timeutil::NowMicros();
        auto event = events::MakeItemEvent("item.image.uploaded", meta, image.item_id,
                                           domain::ImageUploadedPayload(image), image.created_at);
        // The next display order is read under the item lock, so concurrent uploads cannot share one.
        static const std::string kSql =
            "WITH img AS (INSERT INTO item_images (id, item_id, object_key, image_url, content_type, size_bytes, "
            "display_order, created_at, updated_at) SELECT $1::uuid, $2::uuid, $3, $4, $5, $6::bigint, "
            "COALESCE(max(display_order), 0) + 1, $7::timestamptz, $7::timestamptz FROM item_images "
            "WHERE item_id = $2::uuid RETURNING display_order), " +
            outbox::InsertCte(8) + " SELECT img.display_order, pg_notify('" + kOutboxChannel +
            "', '') FROM img CROSS JOIN ev";
        Params params{image.id,
                      image.item_id,
                      image.object_key,
                      image.image_url,
                      image.content_type,
                      std::to_string(image.size_bytes),
                      timeutil::FormatRfc3339(image.created_at)};
        outbox::AppendParams(params, event);
        auto inserted = conn.ExecPrepared("image_create", kSql.c_str(), params);
        image.display_order = static_cast<int>(inserted.Int64(0, 0));
        CompleteIdempotent(conn, idempotency, image);
        tx.Commit();
        return image;
    };
    co_return co_await db_.Run(std::move(work));
}

boost::asio::awaitable<ports::ImageDeleteResult> PgImageRepository::Delete(
    std::string item_id, std::string image_id, std::function<void(const domain::Item&)> check, events::EventMeta meta) {
    auto work = [item_id = std::move(item_id), image_id = std::move(image_id), check = std::move(check),
                 meta = std::move(meta)](PgConnection& conn) {
        ports::ImageDeleteResult result;
        PgTransaction tx(conn);
        auto item = conn.ExecPrepared("image_item_lock", LockItemSql().c_str(), {item_id});
        if (item.Rows() == 0) {
            result.outcome = ports::ChildDeleteResult::kItemNotFound;
            return result;
        }
        check(ItemFromRow(item, 0));
        static const std::string kSelect = std::string("SELECT ") + kColumns +
                                           ", (extract(epoch FROM now()) * 1000000)::bigint FROM item_images m "
                                           "WHERE m.id = $1::uuid AND m.item_id = $2::uuid";
        auto rows = conn.ExecPrepared("image_get", kSelect.c_str(), {image_id, item_id});
        if (rows.Rows() == 0) {
            result.outcome = ports::ChildDeleteResult::kNotFound;
            return result;
        }
        auto image = ImageFromRow(rows, 0, 0);
        const auto now = rows.Int64(0, 8);
        auto event = events::MakeItemEvent("item.image.deleted", meta, image.item_id,
                                           domain::ImageDeletedPayload(image, now), now);
        static const std::string kSql = "WITH del AS (DELETE FROM item_images WHERE id = $1::uuid RETURNING id), " +
                                        outbox::InsertCte(2) + " SELECT pg_notify('" + kOutboxChannel +
                                        "', '') FROM ev";
        Params params{image.id};
        outbox::AppendParams(params, event);
        conn.ExecPrepared("image_delete", kSql.c_str(), params);
        tx.Commit();
        result.outcome = ports::ChildDeleteResult::kDeleted;
        result.image = std::move(image);
        return result;
    };
    co_return co_await db_.Run(std::move(work));
}

}  // namespace auction::postgres
