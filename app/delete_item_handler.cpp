#include <limits>

#include "app/conditional_request.hpp"
#include "app/handlers.hpp"

namespace auction::app {

// DELETE /api/v1/items/:id: seller only; a sold item stays (409). Cascades to its sub-resources. If-Match is
// checked on the locked row, as for PUT (412 with the current ETag).
boost::asio::awaitable<Response> DeleteItemHandler(Services& s, RequestContext& ctx) {
    const auto& user = ctx.RequireUser();
    const auto id = PathId(ctx, "id", "item");
    const auto conditions = ParsePreconditions(ctx);
    std::function<void(const domain::Item&)> check = [&user, conditions](const domain::Item& item) {
        RequireSeller(item, user);
        RequirePreconditions(conditions, item.version);
        if (auto conflict = domain::DeleteConflict(item)) {
            throw errors::Error(errors::Kind::kConflict, *conflict);
        }
    };
    auto meta = EventMetaOf(ctx);
    std::string item_id = id;
    const bool deleted = co_await s.items.Delete(std::move(item_id), std::move(check), std::move(meta));
    if (!deleted) {
        ThrowNotFound("item", id);
    }
    if (s.item_cache != nullptr) {
        s.item_cache->Invalidate(id, std::numeric_limits<std::int64_t>::max());
    }
    co_return NoContentResponse(ctx);
}

}  // namespace auction::app
