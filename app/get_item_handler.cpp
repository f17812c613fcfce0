#include "app/handlers.hpp"

namespace auction::app {

// GET /api/v1/items/:id
boost::asio::awaitable<Response> GetItemHandler(Services& s, RequestContext& ctx) {
    const auto id = PathId(ctx, "id", "item");
    std::string item_id = id;
    auto item = co_await s.items.Get(std::move(item_id));
    if (!item) {
        throw errors::Error(errors::Kind::kNotFound, "item " + id + " does not exist");
    }
    co_return JsonResponse(ctx, 200, boost::json::value_from(*item));
}

}  // namespace auction::app
