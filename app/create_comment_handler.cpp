#include "app/comment_json.hpp"
#include "app/handlers.hpp"
#include "pkg/ids/uuid.hpp"

namespace auction::app {

// POST /api/v1/items/:id/comments: any identified user may comment, on an item in any status. Answers 201
// with the comment and its Location.
boost::asio::awaitable<Response> CreateCommentHandler(Services& s, RequestContext& ctx) {
    const auto& author = ctx.RequireUser();
    const auto id = PathId(ctx, "id", "item");
    const auto body = ParseJsonBody(ctx);
    domain::FieldErrors errors;
    auto draft = DecodeCommentDraft(body, errors);
    ThrowIfInvalid(errors);
    // Arguments are named locals: GCC 12 destroys temporaries inside co_await expressions twice.
    auto comment = domain::NewComment(*draft, ids::NewUuidV7(), id, author);
    events::EventMeta meta{ctx.trace.trace_id, ctx.trace.correlation_id};
    auto created = co_await s.comments.Create(std::move(comment), std::move(meta));
    if (!created) {
        throw errors::Error(errors::Kind::kNotFound, "item " + id + " does not exist");
    }
    co_return CreatedResponse(ctx, boost::json::value_from(*created),
                              "/api/v1/items/" + created->item_id + "/comments/" + created->id);
}

}  // namespace auction::app
