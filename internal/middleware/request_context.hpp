#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace auction::middleware {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

/// Trace ids from X-Trace-Id / X-Correlation-Id (or W3C traceparent), generated when absent.
struct TraceContext {
    std::string trace_id;
    std::string correlation_id;
};

/// Everything a handler may read about its request; built once by the router.
struct RequestContext {
    Request request;
    std::string path;
    std::string_view route;  // the matched route's pattern ("/api/v1/items/:id"); empty when none matched
    std::vector<std::pair<std::string, std::string>> query;        // decoded, in order
    std::vector<std::pair<std::string, std::string>> path_params;  // decoded
    TraceContext trace;
    std::optional<std::string> user_id;  // a valid X-User-ID, if the request carried one
    bool user_header_malformed = false;
    std::string identity_error;  // why signed credentials (AUTH_MODE hmac/jwt) were refused; public text
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

    /// The named path parameter (the route guarantees it exists).
    const std::string& PathParam(std::string_view name) const;
    /// First value of a query parameter.
    std::optional<std::string> Query(std::string_view name) const;
    /// The caller's id; throws 401 when X-User-ID is missing or malformed.
    const std::string& RequireUser() const;
};

/// Reads the trace headers of a request, validating them (ids are 1..128 safe characters; anything
/// else is replaced, so logs and events never carry injected text).
TraceContext ExtractTrace(const Request& request);
/// Echoes the ids on a response.
void ApplyTrace(Response& response, const TraceContext& trace);

/// One JSON log line per request: method, path, status, durationUs (`elapsed` since ctx.started), traceId,
/// correlationId, userId.
void LogRequest(const RequestContext& ctx, unsigned status, std::chrono::steady_clock::duration elapsed);

}  // namespace auction::middleware
