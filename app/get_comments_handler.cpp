#include "app/handlers.hpp"

namespace auction::app {

// GET /api/v1/items/:id/comments: oldest first, paginated like items (`page` from 1, or `cursor`; `limit` 1..100).
boost::asio::awaitable<Response> GetCommentsHandler(Services& s, RequestContext& ctx) {
    const auto id = PathId(ctx, "id", "item");
    domain::FieldErrors errors;
    const auto paging = ParsePaging(ctx, errors);
    ThrowIfInvalid(errors);
    const auto list_paging =
        paging.cursor
            ? KeysetPaging(paging, [&id](std::string_view cursor) { return CommentCursorPosition(cursor, id); })
            : OffsetPaging(paging);
    std::string item_id = id;
    auto result = co_await s.comments.List(std::move(item_id), list_paging);
    if (!result) {
        ThrowNotFound("item", id);
    }
    auto comments = JsonArrayOf(result->comments);
    std::optional<std::string> next_cursor;
    if (result->more && !result->comments.empty()) {
        next_cursor = CommentCursor(id, result->comments.back());
    }
    boost::json::object body{{"comments", std::move(comments)}};
    AddPagingMembers(body, list_paging, result->total, std::move(next_cursor));
    co_return JsonResponse(ctx, 200, body);
}

}  // namespace auction::app
