#include "app/handlers.hpp"

namespace auction::app {

// GET /api/v1/categories: the whole (small, seeded) tree as a flat list, roots first.
boost::asio::awaitable<Response> GetCategoriesHandler(Services& s, RequestContext& ctx) {
    auto categories = co_await s.categories.List();
    co_return JsonResponse(ctx, 200, ListBody("categories", categories));
}

}  // namespace auction::app
