#include "app/handlers.hpp"
#include "pkg/logging/logger.hpp"

namespace auction::app {

using errors::Error;
using errors::Kind;

boost::asio::awaitable<void> DeleteObjectQuietly(aws::ObjectStorage& storage, std::string key, std::string trace_id) {
    boost::json::object fields{{"key", key}, {"traceId", trace_id}};
    try {
        co_await storage.Delete(std::move(key));
    } catch (const std::exception& e) {
        fields["error"] = e.what();
        logging::Warn("image object could not be deleted now; the deletion queue retries it", std::move(fields));
    }
}

// DELETE /api/v1/items/:itemId/images/:imageId: seller only, active items only. The row and its event commit
// first; then the object goes. If storage fails then, the image is still gone for clients (a warning is logged).
boost::asio::awaitable<Response> DeleteItemImageHandler(Services& s, RequestContext& ctx) {
    const auto& user = ctx.RequireUser();
    const auto item_id = PathId(ctx, "itemId", "item");
    const auto image_id = PathId(ctx, "imageId", "image");
    std::function<void(const domain::Item&)> check = [&user](const domain::Item& item) {
        RequireImageWrite(item, user);
    };
    auto meta = EventMetaOf(ctx);
    std::string item_arg = item_id;
    std::string image_arg = image_id;
    auto result =
        co_await s.images.Delete(std::move(item_arg), std::move(image_arg), std::move(check), std::move(meta));
    if (result.outcome == ChildDeleteResult::kItemNotFound) {
        ThrowNotFound("item", item_id);
    }
    if (result.outcome != ChildDeleteResult::kDeleted || !result.image) {
        throw Error(Kind::kNotFound, "image " + image_id + " does not exist on item " + item_id);
    }
    std::string key = result.image->object_key;
    std::string trace = ctx.trace.trace_id;
    co_await DeleteObjectQuietly(s.storage, std::move(key), std::move(trace));
    co_return NoContentResponse(ctx);
}

}  // namespace auction::app
