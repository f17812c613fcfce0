#include <boost/beast/http/field.hpp>

#include "internal/middleware/request_context.hpp"
#include "pkg/ids/uuid.hpp"

namespace auction::middleware {

namespace {

bool SafeId(std::string_view v) {
    if (v.empty() || v.size() > 128) {
        return false;
    }
    for (unsigned char c : v) {
        const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
                        c == '_' || c == '.' || c == ':';
        if (!ok) {
            return false;
        }
    }
    return true;
}

// W3C traceparent: version "-" trace-id (32 hex) "-" parent-id (16 hex) "-" flags.
std::optional<std::string> TraceIdFromTraceparent(std::string_view v) {
    if (v.size() < 55 || v[2] != '-' || v[35] != '-') {
        return std::nullopt;
    }
    auto id = v.substr(3, 32);
    for (char c : id) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return std::nullopt;
        }
    }
    if (id == "00000000000000000000000000000000") {
        return std::nullopt;
    }
    return std::string(id);
}

}  // namespace

TraceContext ExtractTrace(const Request& request) {
    TraceContext t;
    if (auto it = request.find("X-Trace-Id"); it != request.end() && SafeId(it->value())) {
        t.trace_id = std::string(it->value());
    } else if (auto tp = request.find("traceparent"); tp != request.end()) {
        t.trace_id = TraceIdFromTraceparent(tp->value()).value_or("");
    }
    if (t.trace_id.empty()) {
        t.trace_id = ids::NewUuidV4();
    }
    if (auto it = request.find("X-Correlation-Id"); it != request.end() && SafeId(it->value())) {
        t.correlation_id = std::string(it->value());
    } else {
        t.correlation_id = ids::NewUuidV4();
    }
    return t;
}

void ApplyTrace(Response& response, const TraceContext& trace) {
    response.set("X-Trace-Id", trace.trace_id);
    response.set("X-Correlation-Id", trace.correlation_id);
}

}  // namespace auction::middleware
