#include "app/handlers.hpp"

namespace auction::app {

// GET /api/v1/items/:id/comments: oldest first, paginated like items (`page` from 1, `limit` 1..100).
boost::asio::awaitable<Response> GetCommentsHandler(Services& s, RequestContext& ctx) {
    const auto id = PathId(ctx, "id", "item");
    domain::FieldErrors errors;
    const auto [page, limit] = ParsePaging(ctx, errors);
    ThrowIfInvalid(errors);
    std::string item_id = id;
    auto result = co_await s.comments.List(std::move(item_id), page, limit);
    if (!result) {
        throw errors::Error(errors::Kind::kNotFound, "item " + id + " does not exist");
    }
    boost::json::array comments;
    comments.reserve(result->comments.size());
    for (const auto& comment : result->comments) {
        comments.push_back(boost::json::value_from(comment));
    }
    const std::int64_t total_pages = (result->total + limit - 1) / limit;
    co_return JsonResponse(ctx, 200,
                           boost::json::object{{"comments", std::move(comments)},
                                               {"page", page},
                                               {"limit", limit},
                                               {"total", result->total},
                                               {"totalPages", total_pages}});
}

}  // namespace auction::app
