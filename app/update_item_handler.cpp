#include "app/conditional_request.hpp"
#include "app/handlers.hpp"
#include "app/item_json.hpp"

namespace auction::app {

// PUT /api/v1/items/:id: fields present in the body replace the item's; only its seller may do it, and
// only while it is active and its auction has not ended (409 otherwise; docs: README "Auction lifecycle"). An
// endDate in the past is a 400. Answers 200 with the item after the change and its ETag. If-Match (and
// If-None-Match) are checked on the locked row, after the seller check, so of two writers holding the same ETag
// only the first succeeds and the other gets 412 with the new ETag.
boost::asio::awaitable<Response> UpdateItemHandler(Services& s, RequestContext& ctx) {
    const auto& user = ctx.RequireUser();
    const auto id = PathId(ctx, "id", "item");
    const auto conditions = ParsePreconditions(ctx);
    const auto body = ParseJsonBody(ctx);
    domain::FieldErrors errors;
    auto patch = DecodeItemPatch(body, errors);
    ThrowIfInvalid(errors);
    if (patch->end_date) {
        domain::CheckEndInFuture(*patch->end_date, timeutil::NowMicros(), errors);
        ThrowIfInvalid(errors);
    }
    ports::ItemDecision decide = [&user, conditions, patch = *patch](domain::Item& item, timeutil::Micros now) {
        RequireSeller(item, user);
        RequirePreconditions(conditions, item.version);
        if (auto conflict = domain::UpdateConflict(item, patch, now)) {
            throw errors::Error(errors::Kind::kConflict, *conflict);
        }
        domain::FieldErrors apply_errors;
        domain::ApplyPatch(item, patch, apply_errors);
        ThrowIfInvalid(apply_errors);
    };
    auto meta = EventMetaOf(ctx);
    std::string item_id = id;
    auto updated = co_await s.items.Update(std::move(item_id), std::move(decide), std::move(meta));
    if (!updated) {
        ThrowNotFound("item", id);
    }
    if (s.item_cache != nullptr) {
        s.item_cache->Invalidate(id, updated->version);  // this replica answers its own write from now on
    }
    auto res = JsonResponse(ctx, 200, boost::json::value_from(*updated));
    SetETag(res, updated->version);
    co_return res;
}

}  // namespace auction::app
