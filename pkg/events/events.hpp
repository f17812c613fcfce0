#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "domain/item.hpp"
#include "domain/item_attribute.hpp"
#include "domain/item_comment.hpp"
#include "domain/item_image.hpp"
#include "pkg/timeutil/rfc3339.hpp"

namespace auction::events {

inline constexpr std::string_view kItemExchange = "auction.item";
inline constexpr std::string_view kBidExchange = "auction.bid";
inline constexpr std::string_view kVersion = "v1";

/// Trace context carried from the request (or consumed event) into the envelope.
struct EventMeta {
    std::string trace_id;
    std::string correlation_id;
};

/// An event ready for the outbox: the envelope is serialized once, at the moment of the change.
struct OutboxMessage {
    std::string event_id;  // AMQP message_id; stable across redeliveries
    std::string exchange;
    std::string routing_key;  // event name + ".v1"
    std::string aggregate_id;
    std::string correlation_id;
    std::string body;  // {"event","version","timestamp","traceId","correlationId","payload"}
    timeutil::Micros occurred_at = 0;
};

/// Builds the design's envelope around a payload for event `name` (e.g. "item.created").
OutboxMessage MakeItemEvent(std::string_view name, const EventMeta& meta, std::string aggregate_id,
                            boost::json::object payload, timeutil::Micros occurred_at);

/// item.created.v1 payload: {id, name, sellerId, startPrice, currentPrice, currencyCode}.
boost::json::object ItemCreatedPayload(const domain::Item& item);
/// item.updated.v1 payload: the whole item after the change.
boost::json::object ItemUpdatedPayload(const domain::Item& item);
/// item.deleted.v1 payload: {id, sellerId, deletedAt}.
boost::json::object ItemDeletedPayload(const domain::Item& item, timeutil::Micros deleted_at);

/// item.comment.created.v1 payload: {id, itemId, authorId, content, createdAt}.
boost::json::object CommentCreatedPayload(const domain::ItemComment& comment);
/// item.comment.deleted.v1 payload: {id, itemId, deletedAt}.
boost::json::object CommentDeletedPayload(const domain::ItemComment& comment, timeutil::Micros deleted_at);
/// item.attribute.created.v1 payload (one event per attribute): {id, itemId, key, value, createdAt}.
boost::json::object AttributeCreatedPayload(const domain::ItemAttribute& attribute);
/// item.attribute.deleted.v1 payload: {id, itemId, deletedAt}.
boost::json::object AttributeDeletedPayload(const domain::ItemAttribute& attribute, timeutil::Micros deleted_at);
/// item.image.uploaded.v1 payload: {id, itemId, imageUrl, createdAt}.
boost::json::object ImageUploadedPayload(const domain::ItemImage& image);
/// item.image.deleted.v1 payload: {id, itemId, imageUrl, deletedAt}.
boost::json::object ImageDeletedPayload(const domain::ItemImage& image, timeutil::Micros deleted_at);

}  // namespace auction::events
