#include "app/handlers.hpp"

namespace auction::app {

// GET /api/v1/categories: the whole (small, seeded) tree as a flat list, roots first.
boost::asio::awaitable<Response> GetCategoriesHandler(Services& s, RequestContext& ctx) {
    auto categories = co_await s.categories.List();
    boost::json::array out;
    out.reserve(categories.size());
    for (const auto& c : categories) {
        out.push_back(boost::json::value_from(c));
    }
    co_return JsonResponse(ctx, 200, boost::json::object{{"categories", std::move(out)}});
}

}  // namespace auction::app
