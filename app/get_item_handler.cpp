#include <boost/json/serialize.hpp>

#include "app/conditional_request.hpp"
#include "app/handlers.hpp"

namespace auction::app {

// GET /api/v1/items/:id, answered from the replica's item cache when it holds the item (app/item_cache.hpp). The
// ETag is the item's version, which the cache keeps with each answer, so If-None-Match is answered (304) from
// the cache too.
boost::asio::awaitable<Response> GetItemHandler(Services& s, RequestContext& ctx) {
    const auto id = PathId(ctx, "id", "item");
    const auto conditions = ParsePreconditions(ctx);
    ItemCache::Ticket ticket;
    if (s.item_cache != nullptr) {
        if (auto hit = s.item_cache->Get(id)) {
            co_return ConditionalJsonResponse(ctx, conditions, hit->version, std::move(hit->json));
        }
        ticket = s.item_cache->BeginFill(id);
    }
    std::string item_id = id;
    auto item = co_await s.items.Get(std::move(item_id));
    if (!item) {
        ThrowNotFound("item", id);
    }
    auto json = boost::json::serialize(boost::json::value_from(*item));
    if (s.item_cache != nullptr) {
        s.item_cache->Fill(ticket, id, item->version, json);
    }
    co_return ConditionalJsonResponse(ctx, conditions, item->version, std::move(json));
}

}  // namespace auction::app
