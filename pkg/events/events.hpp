#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

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

}  // namespace auction::events
