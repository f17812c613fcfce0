#include <boost/json/serialize.hpp>

#include "app/conditional_request.hpp"
#include "app/handlers.hpp"
#include "app/item_json.hpp"
#include "pkg/ids/uuid.hpp"

namespace auction::app {

namespace {

ports::StoredAnswer ItemCreated(const domain::Item& item) {
    return CreatedAnswer(boost::json::serialize(boost::json::value_from(item)), "/api/v1/items/" + item.id,
                         ETagOfVersion(item.version));
}

}  // namespace

// POST /api/v1/items: the caller becomes the seller; answers 201 with the item, its Location and its ETag. With an
// Idempotency-Key, a retry gets the same answer (app/idempotency.hpp).
boost::asio::awaitable<Response> CreateItemHandler(Services& s, RequestContext& ctx) {
    const auto& seller = ctx.RequireUser();
    std::function<std::string()> body_as_sent;  // the JSON body itself stands in the fingerprint
    co_return co_await Idempotently(
        s, ctx, std::move(body_as_sent),
        [&s, &ctx, &seller](std::optional<ports::IdempotencyClaim> claim) -> boost::asio::awaitable<Response> {
            const auto body = ParseJsonBody(ctx);
            domain::FieldErrors errors;
            auto draft = DecodeItemDraft(body, errors);
            if (draft) {
                domain::CheckEndInFuture(draft->end_date, timeutil::NowMicros(), errors);
            }
            ThrowIfInvalid(errors);
            auto draft_item = domain::NewItem(*draft, ids::NewUuidV7(), seller);
            auto meta = EventMetaOf(ctx);
            ports::Idempotent<domain::Item> idempotency{std::move(claim), ItemCreated};
            auto item = co_await s.items.Create(std::move(draft_item), std::move(meta), std::move(idempotency));
            co_return AnswerResponse(ctx, ItemCreated(item));
        });
}

}  // namespace auction::app
