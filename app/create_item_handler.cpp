#include "app/conditional_request.hpp"
#include "app/handlers.hpp"
#include "app/item_json.hpp"
#include "pkg/ids/uuid.hpp"

namespace auction::app {

// POST /api/v1/items: the caller becomes the seller; answers 201 with the item, its Location and its ETag.
boost::asio::awaitable<Response> CreateItemHandler(Services& s, RequestContext& ctx) {
    const auto& seller = ctx.RequireUser();
    const auto body = ParseJsonBody(ctx);
    domain::FieldErrors errors;
    auto draft = DecodeItemDraft(body, errors);
    if (draft) {
        domain::CheckEndInFuture(draft->end_date, timeutil::NowMicros(), errors);
    }
    ThrowIfInvalid(errors);
    // Arguments are named locals: GCC 12 destroys temporaries inside co_await expressions twice.
    auto draft_item = domain::NewItem(*draft, ids::NewUuidV7(), seller);
    events::EventMeta meta{ctx.trace.trace_id, ctx.trace.correlation_id};
    auto item = co_await s.items.Create(std::move(draft_item), std::move(meta));
    auto res = CreatedResponse(ctx, boost::json::value_from(item), "/api/v1/items/" + item.id);
    SetETag(res, item.version);
    co_return res;
}

}  // namespace auction::app
