#include "pkg/events/events.hpp"

#include <boost/json.hpp>

#include "pkg/ids/uuid.hpp"

namespace auction::events {

namespace json = boost::json;

OutboxMessage MakeItemEvent(std::string_view name, const EventMeta& meta, std::string aggregate_id,
                            json::object payload, timeutil::Micros occurred_at) {
    OutboxMessage m;
    m.event_id = ids::NewUuidV7();
    m.exchange = std::string(kItemExchange);
    m.routing_key = std::string(name) + "." + std::string(kVersion);
    m.aggregate_id = std::move(aggregate_id);
    m.correlation_id = meta.correlation_id;
    m.occurred_at = occurred_at;
    json::object envelope;
    envelope["event"] = name;
    envelope["version"] = kVersion;
    envelope["timestamp"] = timeutil::FormatRfc3339(occurred_at);
    envelope["traceId"] = meta.trace_id;
    envelope["correlationId"] = meta.correlation_id;
    envelope["payload"] = std::move(payload);
    m.body = json::serialize(envelope);
    return m;
}

json::object ItemCreatedPayload(const domain::Item& item) {
    return json::object{
        {"id", item.id},
        {"name", item.name},
        {"sellerId", item.seller_id},
        {"startPrice", domain::FormatMoney(item.start_price)},
        {"currentPrice", domain::FormatMoney(item.current_price)},
        {"currencyCode", item.currency_code},
    };
}

json::object ItemUpdatedPayload(const domain::Item& item) {
    return json::value_from(item).as_object();
}

json::object ItemDeletedPayload(const domain::Item& item, timeutil::Micros deleted_at) {
    return json::object{
        {"id", item.id},
        {"sellerId", item.seller_id},
        {"deletedAt", timeutil::FormatRfc3339(deleted_at)},
    };
}

json::object CommentCreatedPayload(const domain::ItemComment& comment) {
    return json::object{
        {"id", comment.id},
        {"itemId", comment.item_id},
        {"authorId", comment.author_id},
        {"content", comment.content},
        {"createdAt", timeutil::FormatRfc3339(comment.created_at)},
    };
}

json::object CommentDeletedPayload(const domain::ItemComment& comment, timeutil::Micros deleted_at) {
    return json::object{
        {"id", comment.id},
        {"itemId", comment.item_id},
        {"deletedAt", timeutil::FormatRfc3339(deleted_at)},
    };
}

json::object AttributeCreatedPayload(const domain::ItemAttribute& attribute) {
    return json::object{
        {"id", attribute.id},
        {"itemId", attribute.item_id},
        {"key", attribute.key},
        {"value", attribute.value},
        {"createdAt", timeutil::FormatRfc3339(attribute.created_at)},
    };
}

json::object AttributeDeletedPayload(const domain::ItemAttribute& attribute, timeutil::Micros deleted_at) {
    return json::object{
        {"id", attribute.id},
        {"itemId", attribute.item_id},
        {"deletedAt", timeutil::FormatRfc3339(deleted_at)},
    };
}

json::object ImageUploadedPayload(const domain::ItemImage& image) {
    return json::object{
        {"id", image.id},
        {"itemId", image.item_id},
        {"imageUrl", image.image_url},
        {"createdAt", timeutil::FormatRfc3339(image.created_at)},
    };
}

json::object ImageDeletedPayload(const domain::ItemImage& image, timeutil::Micros deleted_at) {
    return json::object{
        {"id", image.id},
        {"itemId", image.item_id},
        {"imageUrl", image.image_url},
        {"deletedAt", timeutil::FormatRfc3339(deleted_at)},
    };
}

}  // namespace auction::events
