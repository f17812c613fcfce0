#include <boost/json/serialize.hpp>

#include "app/comment_json.hpp"
#include "app/handlers.hpp"
#include "pkg/ids/uuid.hpp"

namespace auction::app {

namespace {

ports::StoredAnswer CommentCreated(const domain::ItemComment& comment) {
    return CreatedAnswer(boost::json::serialize(boost::json::value_from(comment)),
                         "/api/v1/items/" + comment.item_id + "/comments/" + comment.id);
}

}  // namespace

// POST /api/v1/items/:id/comments: any identified user may comment, on an item in any status. Answers 201
// with the comment and its Location. With an Idempotency-Key, a retry gets the same answer.
boost::asio::awaitable<Response> CreateCommentHandler(Services& s, RequestContext& ctx) {
    const auto& author = ctx.RequireUser();
    const auto id = PathId(ctx, "id", "item");
    std::function<std::string()> body_as_sent;  // the JSON body itself stands in the fingerprint
    co_return co_await Idempotently(
        s, ctx, std::move(body_as_sent),
        [&s, &ctx, &author, &id](std::optional<ports::IdempotencyClaim> claim) -> boost::asio::awaitable<Response> {
            const auto body = ParseJsonBody(ctx);
            domain::FieldErrors errors;
            auto draft = DecodeCommentDraft(body, errors);
            ThrowIfInvalid(errors);
            auto comment = domain::NewComment(*draft, ids::NewUuidV7(), id, author);
            auto meta = EventMetaOf(ctx);
            ports::Idempotent<domain::ItemComment> idempotency{std::move(claim), CommentCreated};
            auto created = co_await s.comments.Create(std::move(comment), std::move(meta), std::move(idempotency));
            if (!created) {
                ThrowNotFound("item", id);
            }
            co_return AnswerResponse(ctx, CommentCreated(*created));
        });
}

}  // namespace auction::app
