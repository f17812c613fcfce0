#include <boost/json/serialize.hpp>

#include "app/attribute_json.hpp"
#include "app/handlers.hpp"
#include "pkg/ids/uuid.hpp"

namespace auction::app {

namespace {

[[noreturn]] void ThrowConflict(domain::AttributeConflict conflict) {
    std::vector<errors::FieldError> errors;
    errors.reserve(conflict.errors.size());
    for (auto& e : conflict.errors) {
        errors.push_back({std::move(e.field), std::move(e.message)});
    }
    throw errors::Error(errors::Kind::kConflict, std::move(conflict.detail), std::move(errors));
}

ports::StoredAnswer AttributesCreated(const std::string& item_id, const std::vector<domain::ItemAttribute>& created) {
    return CreatedAnswer(boost::json::serialize(ListBody("attributes", created)),
                         "/api/v1/items/" + item_id + "/attributes");
}

}  // namespace

// POST /api/v1/items/:itemId/attributes: the seller adds 1..50 attributes to an active item, all or none.
// A key the item already has, or more than 100 attributes in all, refuses the request (409). Answers 201
// with the created attributes in request order. With an Idempotency-Key, a retry gets the same answer.
boost::asio::awaitable<Response> CreateItemAttributesHandler(Services& s, RequestContext& ctx) {
    const auto& user = ctx.RequireUser();
    const auto id = PathId(ctx, "itemId", "item");
    std::function<std::string()> body_as_sent;  // the JSON body itself stands in the fingerprint
    co_return co_await Idempotently(
        s, ctx, std::move(body_as_sent),
        [&s, &ctx, &user, &id](std::optional<ports::IdempotencyClaim> claim) -> boost::asio::awaitable<Response> {
            const auto body = ParseJsonBody(ctx);
            domain::FieldErrors errors;
            auto drafts = DecodeAttributeDrafts(body, errors);
            ThrowIfInvalid(errors);
            std::vector<std::string> attribute_ids;
            attribute_ids.reserve(drafts->size());
            for (std::size_t i = 0; i < drafts->size(); ++i) {
                attribute_ids.push_back(ids::NewUuidV7());
            }
            auto attributes = domain::NewAttributes(*drafts, id, attribute_ids);
            std::function<void(const domain::Item&, const std::vector<std::string>&)> check =
                [&user, attributes](const domain::Item& item, const std::vector<std::string>& existing_keys) {
                    RequireSeller(item, user);
                    if (auto conflict = domain::AttributeWriteConflict(item)) {
                        throw errors::Error(errors::Kind::kConflict, *conflict);
                    }
                    if (auto conflict = domain::NewAttributesConflict(existing_keys, attributes)) {
                        ThrowConflict(std::move(*conflict));
                    }
                };
            auto meta = EventMetaOf(ctx);
            std::string item_id = id;
            ports::Idempotent<std::vector<domain::ItemAttribute>> idempotency{
                std::move(claim),
                [id](const std::vector<domain::ItemAttribute>& done) { return AttributesCreated(id, done); }};
            auto created = co_await s.attributes.Create(std::move(item_id), std::move(attributes), std::move(check),
                                                        std::move(meta), std::move(idempotency));
            if (!created) {
                ThrowNotFound("item", id);
            }
            co_return AnswerResponse(ctx, AttributesCreated(id, *created));
        });
}

}  // namespace auction::app
