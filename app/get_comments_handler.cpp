#include <charconv>

#include "app/handlers.hpp"

namespace auction::app {

namespace {

constexpr int kDefaultLimit = 20;
constexpr int kMaxLimit = 100;
constexpr int kMaxPage = 100000;  // bounds OFFSET work, as for items

std::optional<int> ParseInt(const std::string& s) {
    int v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size()) {
        return std::nullopt;
    }
    return v;
}

}  // namespace

// GET /api/v1/items/:id/comments: oldest first, paginated like items (`page` from 1, `limit` 1..100).
boost::asio::awaitable<Response> GetCommentsHandler(Services& s, RequestContext& ctx) {
    const auto id = PathId(ctx, "id", "item");
    domain::FieldErrors errors;
    int page = 1;
    int limit = kDefaultLimit;
    if (auto raw = ctx.Query("page")) {
        auto v = ParseInt(*raw);
        if (!v || *v < 1 || *v > kMaxPage) {
            errors.push_back({"page", "must be an integer from 1 to 100000"});
        } else {
            page = *v;
        }
    }
    if (auto raw = ctx.Query("limit")) {
        auto v = ParseInt(*raw);
        if (!v || *v < 1 || *v > kMaxLimit) {
            errors.push_back({"limit", "must be an integer from 1 to 100"});
        } else {
            limit = *v;
        }
    }
    ThrowIfInvalid(errors);
    std::string item_id = id;
    auto result = co_await s.comments.List(std::move(item_id), page, limit);
    if (!result) {
        throw httperror::HttpError(httperror::Code::kNotFound, "item " + id + " does not exist");
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
