#include "app/handlers.hpp"

namespace auction::app {

// DELETE /api/v1/items/:itemId/comments/:commentId: the comment's author or the item's seller (403 for
// anyone else). Answers 204.
boost::asio::awaitable<Response> DeleteCommentHandler(Services& s, RequestContext& ctx) {
    const auto& user = ctx.RequireUser();
    const auto item_id = PathId(ctx, "itemId", "item");
    const auto comment_id = PathId(ctx, "commentId", "comment");
    std::function<void(const domain::Item&, const domain::ItemComment&)> check =
        [&user](const domain::Item& item, const domain::ItemComment& comment) {
            if (!domain::MayDeleteComment(comment, item, user)) {
                throw errors::Error(errors::Kind::kForbidden,
                                    "only the comment's author or the item's seller may delete it");
            }
        };
    auto meta = EventMetaOf(ctx);
    std::string item = item_id;
    std::string comment = comment_id;
    const auto result =
        co_await s.comments.Delete(std::move(item), std::move(comment), std::move(check), std::move(meta));
    switch (result) {
        case ChildDeleteResult::kItemNotFound:
            ThrowNotFound("item", item_id);
        case ChildDeleteResult::kNotFound:
            throw errors::Error(errors::Kind::kNotFound,
                                "comment " + comment_id + " does not exist on item " + item_id);
        case ChildDeleteResult::kDeleted:
            break;
    }
    co_return NoContentResponse(ctx);
}

}  // namespace auction::app
