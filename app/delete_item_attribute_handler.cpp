#include "app/handlers.hpp"

namespace auction::app {

// DELETE /api/v1/items/:itemId/attributes/:attributeId: seller only, while the item is active (409
// otherwise). Answers 204.
boost::asio::awaitable<Response> DeleteItemAttributeHandler(Services& s, RequestContext& ctx) {
    const auto& user = ctx.RequireUser();
    const auto item_id = PathId(ctx, "itemId", "item");
    const auto attribute_id = PathId(ctx, "attributeId", "attribute");
    std::function<void(const domain::Item&, const domain::ItemAttribute&)> check =
        [&user](const domain::Item& item, const domain::ItemAttribute&) {
            RequireSeller(item, user);
            if (auto conflict = domain::AttributeWriteConflict(item)) {
                throw errors::Error(errors::Kind::kConflict, *conflict);
            }
        };
    auto meta = EventMetaOf(ctx);
    std::string item = item_id;
    std::string attribute = attribute_id;
    const auto result =
        co_await s.attributes.Delete(std::move(item), std::move(attribute), std::move(check), std::move(meta));
    switch (result) {
        case ChildDeleteResult::kItemNotFound:
            ThrowNotFound("item", item_id);
        case ChildDeleteResult::kNotFound:
            throw errors::Error(errors::Kind::kNotFound,
                                "attribute " + attribute_id + " does not exist on item " + item_id);
        case ChildDeleteResult::kDeleted:
            break;
    }
    co_return NoContentResponse(ctx);
}

}  // namespace auction::app
