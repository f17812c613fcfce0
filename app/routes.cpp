#include "app/handlers.hpp"

namespace auction::app {

void RegisterRoutes(Router& router, Services& services) {
    using boost::beast::http::verb;
    struct Entry {
        verb method;
        const char* pattern;
        boost::asio::awaitable<Response> (*handler)(Services&, RequestContext&);
    };
    // The whole API on one screen.
    static constexpr Entry kRoutes[] = {
        {verb::get, "/api/v1/items", GetItemsHandler},
        {verb::post, "/api/v1/items", CreateItemHandler},
        {verb::get, "/api/v1/items/:id", GetItemHandler},
        {verb::put, "/api/v1/items/:id", UpdateItemHandler},
        {verb::delete_, "/api/v1/items/:id", DeleteItemHandler},
        {verb::get, "/api/v1/categories", GetCategoriesHandler},
        {verb::get, "/api/v1/categories/:id", GetCategoryHandler},
    };
    for (const auto& r : kRoutes) {
        router.Add(r.method, r.pattern, [&services, h = r.handler](RequestContext& ctx) { return h(services, ctx); });
    }
}

}  // namespace auction::app
