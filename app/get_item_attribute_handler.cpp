#include "app/handlers.hpp"

namespace auction::app {

// GET /api/v1/items/:itemId/attributes/:attributeId: 404 unless the attribute belongs to that item.
boost::asio::awaitable<Response> GetItemAttributeHandler(Services& s, RequestContext& ctx) {
    const auto item_id = PathId(ctx, "itemId", "item");
    const auto attribute_id = PathId(ctx, "attributeId", "attribute");
    std::string item = item_id;
    std::string attribute_key = attribute_id;
    auto attribute = co_await s.attributes.Get(std::move(item), std::move(attribute_key));
    if (!attribute) {
        throw errors::Error(errors::Kind::kNotFound,
                            "attribute " + attribute_id + " does not exist on item " + item_id);
    }
    co_return JsonResponse(ctx, 200, boost::json::value_from(*attribute));
}

}  // namespace auction::app
