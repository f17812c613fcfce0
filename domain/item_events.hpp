#pragma once

#include <boost/json/object.hpp>

#include "domain/item.hpp"
#include "domain/item_attribute.hpp"
#include "domain/item_comment.hpp"
#include "domain/item_image.hpp"
#include "pkg/timeutil/rfc3339.hpp"

/// The payloads of the item.*.v1 events: they name domain types, so they live here; the envelope around them
/// (pkg/events) knows no domain type.
namespace auction::domain {

/// item.created.v1 payload: {id, name, sellerId, startPrice, currentPrice, currencyCode}.
boost::json::object ItemCreatedPayload(const Item& item);
/// item.updated.v1 payload: the whole item after the change.
boost::json::object ItemUpdatedPayload(const Item& item);
/// item.deleted.v1 payload: {id, sellerId, deletedAt}.
boost::json::object ItemDeletedPayload(const Item& item, timeutil::Micros deleted_at);

/// item.comment.created.v1 payload: {id, itemId, authorId, content, createdAt}.
boost::json::object CommentCreatedPayload(const ItemComment& comment);
/// item.comment.deleted.v1 payload: {id, itemId, deletedAt}.
boost::json::object CommentDeletedPayload(const ItemComment& comment, timeutil::Micros deleted_at);
/// item.attribute.created.v1 payload (one event per attribute): {id, itemId, key, value, createdAt}.
boost::json::object AttributeCreatedPayload(const ItemAttribute& attribute);
/// item.attribute.deleted.v1 payload: {id, itemId, deletedAt}.
boost::json::object AttributeDeletedPayload(const ItemAttribute& attribute, timeutil::Micros deleted_at);
/// item.image.uploaded.v1 payload: {id, itemId, imageUrl, createdAt}.
boost::json::object ImageUploadedPayload(const ItemImage& image);
/// item.image.deleted.v1 payload: {id, itemId, imageUrl, deletedAt}.
boost::json::object ImageDeletedPayload(const ItemImage& image, timeutil::Micros deleted_at);

}  // namespace auction::domain
