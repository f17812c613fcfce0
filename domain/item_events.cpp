#include "domain/item_events.hpp"

#include <boost/json.hpp>

namespace auction::domain {

namespace json = boost::json;

json::object ItemCreatedPayload(const Item& item) {
    return json::object{
        {"id", item.id},
        {"name", item.name},
        {"sellerId", item.seller_id},
        {"startPrice", FormatMoney(item.start_price)},
        {"currentPrice", FormatMoney(item.current_price)},
        {"currencyCode", item.currency_code},
    };
}

json::object ItemUpdatedPayload(const Item& item) {
    return json::value_from(item).as_object();
}

json::object ItemDeletedPayload(const Item& item, timeutil::Micros deleted_at) {
    return json::object{
        {"id", item.id},
        {"sellerId", item.seller_id},
        {"deletedAt", timeutil::FormatRfc3339(deleted_at)},
    };
}

json::object CommentCreatedPayload(const ItemComment& comment) {
    return json::object{
        {"id", comment.id},
        {"itemId", comment.item_id},
        {"authorId", comment.author_id},
        {"content", comment.content},
        {"createdAt", timeutil::FormatRfc3339(comment.created_at)},
    };
}

json::object CommentDeletedPayload(const ItemComment& comment, timeutil::Micros deleted_at) {
    return json::object{
        {"id", comment.id},
        {"itemId", comment.item_id},
        {"deletedAt", timeutil::FormatRfc3339(deleted_at)},
    };
}

json::object AttributeCreatedPayload(const ItemAttribute& attribute) {
    return json::object{
        {"id", attribute.id},
        {"itemId", attribute.item_id},
        {"key", attribute.key},
        {"value", attribute.value},
        {"createdAt", timeutil::FormatRfc3339(attribute.created_at)},
    };
}

json::object AttributeDeletedPayload(const ItemAttribute& attribute, timeutil::Micros deleted_at) {
    return json::object{
        {"id", attribute.id},
        {"itemId", attribute.item_id},
        {"deletedAt", timeutil::FormatRfc3339(deleted_at)},
    };
}

json::object ImageUploadedPayload(const ItemImage& image) {
    return json::object{
        {"id", image.id},
        {"itemId", image.item_id},
        {"imageUrl", image.image_url},
        {"createdAt", timeutil::FormatRfc3339(image.created_at)},
    };
}

json::object ImageDeletedPayload(const ItemImage& image, timeutil::Micros deleted_at) {
    return json::object{
        {"id", image.id},
        {"itemId", image.item_id},
        {"imageUrl", image.image_url},
        {"deletedAt", timeutil::FormatRfc3339(deleted_at)},
    };
}

}  // namespace auction::domain
