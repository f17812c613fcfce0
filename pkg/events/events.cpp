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

}  // namespace auction::events
