#include <boost/json.hpp>

#include "app/handlers.hpp"

namespace auction::app {

// GET /api/v1/items/:id/images: {"images":[...]} by display order; 404 for an unknown item.
boost::asio::awaitable<Response> GetItemImagesHandler(Services& s, RequestContext& ctx) {
    const auto item_id = PathId(ctx, "id", "item");
    std::string item_arg = item_id;
    const auto images = co_await s.images.List(std::move(item_arg));
    if (!images) {
        ThrowNotFound("item", item_id);
    }
    co_return JsonResponse(ctx, 200, ListBody("images", *images));
}

}  // namespace auction::app
