#include "app/handlers.hpp"

namespace auction::app {

// GET /api/v1/categories/:id: the category with its direct children.
boost::asio::awaitable<Response> GetCategoryHandler(Services& s, RequestContext& ctx) {
    const auto id = PathId(ctx, "id", "category");
    std::string category_id = id;
    auto category = co_await s.categories.Get(std::move(category_id));
    if (!category) {
        ThrowNotFound("category", id);
    }
    co_return JsonResponse(ctx, 200, boost::json::value_from(*category));
}

}  // namespace auction::app
