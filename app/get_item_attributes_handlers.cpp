#include "app/handlers.hpp"

namespace auction::app {

// GET /api/v1/items/:itemId/attributes: every attribute of the item, ordered by key.
boost::asio::awaitable<Response> GetItemAttributesHandler(Services& s, RequestContext& ctx) {
    const auto id = PathId(ctx, "itemId", "item");
    std::string item_id = id;
    auto attributes = co_await s.attributes.List(std::move(item_id));
    if (!attributes) {
        ThrowNotFound("item", id);
    }
    co_return JsonResponse(ctx, 200, ListBody("attributes", *attributes));
}

}  // namespace auction::app
