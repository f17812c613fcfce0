#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "internal/middleware/identity.hpp"
#include "internal/middleware/request_context.hpp"
#include "pkg/errors/errors.hpp"
#include "pkg/metrics/metrics.hpp"

namespace auction::app {

using middleware::Request;
using middleware::RequestContext;
using middleware::Response;
using Handler = std::function<boost::asio::awaitable<Response>(RequestContext&)>;

/// A route's own request body limit, and the error a larger body gets (the server's default is 413).
struct BodyLimit {
    std::size_t bytes = 0;
    errors::Kind code = errors::Kind::kTooLarge;
    std::string detail;
};

/// Method + path pattern ("/api/v1/items/:id") routing with the request pipeline around it:
/// trace ids, identity, the error boundary (RFC 9457 problems), 404/405, and the access log.
class Router {
public:
    void Add(boost::beast::http::verb method, std::string pattern, Handler handler);
    /// Gives an added route its own body limit (e.g. image uploads), instead of the server's default.
    void SetBodyLimit(boost::beast::http::verb method, std::string_view pattern, BodyLimit limit);
    /// The limit for a request line (method and raw target), when its route has one.
    const BodyLimit* BodyLimitFor(boost::beast::http::verb method, std::string_view target) const;
    /// The largest route-specific limit (0 when there is none).
    std::size_t LargestBodyLimit() const noexcept;

    /// How callers prove who they are (AUTH_MODE); the default trusts X-User-ID. Set before serving.
    void SetIdentityVerifier(middleware::IdentityVerifier verifier) { identity_ = std::move(verifier); }

    /// Runs the whole pipeline for one request; never throws.
    boost::asio::awaitable<Response> Handle(Request request);

    /// A problem response for failures found before routing (e.g. a body over the limit).
    static Response Problem(const Request& request, const errors::Error& error);

    /// Requests answered, by matched route pattern (recorded by Handle for every request).
    const metrics::HttpMetrics& metrics() const noexcept { return metrics_; }
    /// Counts a request the server refused before routing (e.g. 413, 400): under its route when the
    /// request line matches one, else as "unmatched". Not timed: such a request has no routed start.
    void CountRefused(const Request& partial, unsigned status) noexcept;

private:
    struct Route {
        boost::beast::http::verb method;
        std::string pattern;
        std::vector<std::string> segments;
        Handler handler;
        std::optional<BodyLimit> body_limit;
        std::size_t metrics_slot = 0;
    };

    /// The route a raw request line would reach (first match, as Handle dispatches), or nullptr.
    const Route* RouteForRequestLine(boost::beast::http::verb method, std::string_view target) const;

    std::vector<Route> routes_;
    metrics::HttpMetrics metrics_;
    middleware::IdentityVerifier identity_;
};

/// Converts any exception escaping a handler into a public error, logging internals server-side.
errors::Error ErrorFromException(std::exception_ptr error, const RequestContext& ctx);

/// Serializes a problem onto a response with the request's trace ids.
Response MakeProblemResponse(const errors::Error& error, const std::string& instance, unsigned version,
                             bool keep_alive);

}  // namespace auction::app
