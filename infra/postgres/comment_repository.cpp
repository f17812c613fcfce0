#include "infra/postgres/comment_repository.hpp"

#include "domain/item_events.hpp"
#include "infra/postgres/idempotency_store.hpp"
#include "infra/postgres/item_repository.hpp"
#include "infra/postgres/outbox_store.hpp"
#include "pkg/timeutil/rfc3339.hpp"

namespace auction::postgres {

namespace {

using domain::ItemComment;

// Every comment read selects the same columns (table aliased `c`), starting at column `first`.
constexpr const char* kColumns =
    "c.id::text, c.item_id::text, c.author_id, c.content, (extract(epoch FROM c.created_at) * 1000000)::bigint";

ItemComment CommentFromRow(const PgResult& rows, int r, int first) {
    ItemComment comment;
    comment.id = rows.String(r, first);
    comment.item_id = rows.String(r, first + 1);
    comment.author_id = rows.String(r, first + 2);
    comment.content = rows.String(r, first + 3);
    comment.created_at = rows.Int64(r, first + 4);
    return comment;
}

// A comment write takes a share lock on its item: concurrent comments on one item proceed together, while an
// item update or delete (FOR UPDATE) waits for them, so its event is never published before theirs.
const std::string& LockItemSql() {
    static const std::string kSql =
        std::string("SELECT ") + kItemColumns + " FROM items i WHERE i.id = $1::uuid FOR SHARE OF i";
    return kSql;
}

}  // namespace

boost::asio::awaitable<std::optional<ports::CommentPage>> PgCommentRepository::List(std::string item_id,
                                                                                    ports::ListPaging paging) {
    auto work = [item_id = std::move(item_id),
                 paging = std::move(paging)](PgConnection& conn) -> std::optional<ports::CommentPage> {
        // One statement, so the existence check, the total and the page come from one snapshot.
        static const std::string kOffsetSql =
            std::string("SELECT s.found, s.total, ") + kColumns +
            " FROM (SELECT EXISTS (SELECT 1 FROM items WHERE id = $1::uuid) AS found, "
            "(SELECT count(*) FROM item_comments WHERE item_id = $1::uuid) AS total) s "
            "LEFT JOIN LATERAL (SELECT * FROM item_comments WHERE item_id = $1::uuid ORDER BY created_at, id "
            "LIMIT $2::bigint OFFSET $3::bigint) c ON TRUE ORDER BY c.created_at, c.id";
        // Keyset paging counts nothing and reads limit + 1 comments from the position on, along the index on
        // (item_id, created_at, id): the extra one only says that more follow.
        static const std::string kFirstSql =
            std::string("SELECT s.found, 0::bigint, ") + kColumns +
            " FROM (SELECT EXISTS (SELECT 1 FROM items WHERE id = $1::uuid) AS found) s "
            "LEFT JOIN LATERAL (SELECT * FROM item_comments WHERE item_id = $1::uuid ORDER BY created_at, id "
            "LIMIT $2::bigint) c ON TRUE ORDER BY c.created_at, c.id";
        static const std::string kAfterSql =
            std::string("SELECT s.found, 0::bigint, ") + kColumns +
            " FROM (SELECT EXISTS (SELECT 1 FROM items WHERE id = $1::uuid) AS found) s "
            "LEFT JOIN LATERAL (SELECT * FROM item_comments WHERE item_id = $1::uuid "
            "AND (created_at, id) > ($3::timestamptz, $4::uuid) ORDER BY created_at, id LIMIT $2::bigint) c ON TRUE "
            "ORDER BY c.created_at, c.id";
        auto rows = [&] {
            if (!paging.keyset) {
                const auto offset = static_cast<std::int64_t>(paging.page - 1) * paging.limit;
                return conn.ExecPrepared("comment_list", kOffsetSql.c_str(),
                                         {item_id, std::to_string(paging.limit), std::to_string(offset)});
            }
            if (!paging.after) {
                return conn.ExecPrepared("comment_list_first", kFirstSql.c_str(),
                                         {item_id, std::to_string(paging.limit + 1)});
            }
            return conn.ExecPrepared("comment_list_after", kAfterSql.c_str(),
                                     {item_id, std::to_string(paging.limit + 1),
                                      timeutil::FormatRfc3339(paging.after->key), paging.after->id});
        }();
        if (rows.Rows() == 0 || !rows.Bool(0, 0)) {
            return std::nullopt;
        }
        ports::CommentPage out;
        out.total = rows.Int64(0, 1);
        for (int r = 0; r < rows.Rows(); ++r) {
            if (!rows.IsNull(r, 2)) {  // a page past the end joins no comment
                out.comments.push_back(CommentFromRow(rows, r, 2));
            }
        }
        if (paging.keyset) {
            out.more = out.comments.size() > static_cast<std::size_t>(paging.limit);
            out.comments.resize(std::min(out.comments.size(), static_cast<std::size_t>(paging.limit)));
        } else {
            const auto offset = static_cast<std::int64_t>(paging.page - 1) * paging.limit;
            out.more = offset + static_cast<std::int64_t>(out.comments.size()) < out.total;
        }
        return out;
    };
    co_return co_await db_.Run(std::move(work));
}

boost::asio::awaitable<std::optional<ItemComment>> PgCommentRepository::Create(
    ItemComment comment, events::EventMeta meta, ports::Idempotent<ItemComment> idempotency) {
    auto work = [comment = std::move(comment), meta = std::move(meta),
                 idempotency = std::move(idempotency)](PgConnection& conn) mutable -> std::optional<ItemComment> {
        PgTransaction tx(conn);
        auto item = conn.ExecPrepared("comment_item_lock", "SELECT 1 FROM items WHERE id = $1::uuid FOR SHARE",
                                      {comment.item_id});
        if (item.Rows() == 0) {
            return std::nullopt;
        }
        comment.created_at = timeutil::NowMicros();
        auto event = events::MakeItemEvent("item.comment.created", meta, comment.item_id,
                                           domain::CommentCreatedPayload(comment), comment.created_at);
        static const std::string kSql =
            "WITH ins AS (INSERT INTO item_comments (id, item_id, author_id, content, created_at, updated_at) "
            "VALUES ($1::uuid, $2::uuid, $3, $4, $5::timestamptz, $5::timestamptz)), " +
            outbox::InsertCte(6) + " SELECT pg_notify('" + kOutboxChannel + "', '') FROM ev";
        Params params{comment.id, comment.item_id, comment.author_id, comment.content,
                      timeutil::FormatRfc3339(comment.created_at)};
        outbox::AppendParams(params, event);
        conn.ExecPrepared("comment_create", kSql.c_str(), params);
        CompleteIdempotent(conn, idempotency, comment);
        tx.Commit();
        return comment;
    };
    co_return co_await db_.Run(std::move(work));
}

boost::asio::awaitable<ports::ChildDeleteResult> PgCommentRepository::Delete(
    std::string item_id, std::string comment_id, std::function<void(const domain::Item&, const ItemComment&)> check,
    events::EventMeta meta) {
    auto work = [item_id = std::move(item_id), comment_id = std::move(comment_id), check = std::move(check),
                 meta = std::move(meta)](PgConnection& conn) {
        PgTransaction tx(conn);
        auto item_rows = conn.ExecPrepared("comment_item_lock_full", LockItemSql().c_str(), {item_id});
        if (item_rows.Rows() == 0) {
            return ports::ChildDeleteResult::kItemNotFound;
        }
        const auto item = ItemFromRow(item_rows, 0);
        static const std::string kSelect =
            std::string("SELECT ") + kColumns +
            " FROM item_comments c WHERE c.id = $1::uuid AND c.item_id = $2::uuid FOR UPDATE";
        auto rows = conn.ExecPrepared("comment_lock", kSelect.c_str(), {comment_id, item_id});
        if (rows.Rows() == 0) {
            return ports::ChildDeleteResult::kNotFound;
        }
        const auto comment = CommentFromRow(rows, 0, 0);
        check(item, comment);  // throws to refuse; the transaction rolls back
        const auto now = timeutil::NowMicros();
        auto event = events::MakeItemEvent("item.comment.deleted", meta, comment.item_id,
                                           domain::CommentDeletedPayload(comment, now), now);
        static const std::string kSql = "WITH del AS (DELETE FROM item_comments WHERE id = $1::uuid), " +
                                        outbox::InsertCte(2) + " SELECT pg_notify('" + kOutboxChannel +
                                        "', '') FROM ev";
        Params params{comment.id};
        outbox::AppendParams(params, event);
        conn.ExecPrepared("comment_delete", kSql.c_str(), params);
        tx.Commit();
        return ports::ChildDeleteResult::kDeleted;
    };
    co_return co_await db_.Run(std::move(work));
}

}  // namespace auction::postgres
