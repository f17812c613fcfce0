#include "app/router.hpp"

#include <algorithm>
#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <stdexcept>

#include "app/conditional_request.hpp"
#include "app/problem.hpp"
#include "pkg/logging/logger.hpp"

namespace auction::app {

namespace http = boost::beast::http;
using errors::Error;
using errors::Kind;

namespace {

std::vector<std::string> Split(std::string_view path) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '/') {
            ++i;
            continue;
        }
        auto j = path.find('/', i);
        if (j == std::string_view::npos) {
            j = path.size();
        }
        out.emplace_back(path.substr(i, j - i));
        i = j;
    }
    return out;
}

bool Match(const std::vector<std::string>& pattern, const std::vector<std::string>& segments,
           std::vector<std::pair<std::string, std::string>>* params) {
    if (pattern.size() != segments.size()) {
        return false;
    }
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (!pattern[i].empty() && pattern[i][0] == ':') {
            if (params != nullptr) {
                params->emplace_back(pattern[i].substr(1), segments[i]);
            }
        } else if (pattern[i] != segments[i]) {
            return false;
        }
    }
    return true;
}

}  // namespace

void Router::Add(http::verb method, std::string pattern, Handler handler) {
    auto segments = Split(pattern);
    const auto slot = metrics_.Register(http::to_string(method), pattern);
    routes_.push_back(Route{method, std::move(pattern), std::move(segments), std::move(handler), std::nullopt, slot});
}

void Router::SetBodyLimit(http::verb method, std::string_view pattern, BodyLimit limit) {
    for (auto& route : routes_) {
        if (route.method == method && route.pattern == pattern) {
            route.body_limit = std::move(limit);
            return;
        }
    }
    throw std::logic_error("SetBodyLimit: no route " + std::string(pattern));
}

const Router::Route* Router::RouteForRequestLine(http::verb method, std::string_view target) const {
    // Runs on the raw request line, before the body is read: match the undecoded path segments.
    const auto segments = Split(target.substr(0, target.find('?')));
    for (const auto& route : routes_) {
        if (route.method == method && Match(route.segments, segments, nullptr)) {
            return &route;
        }
    }
    return nullptr;
}

const BodyLimit* Router::BodyLimitFor(http::verb method, std::string_view target) const {
    const auto* route = RouteForRequestLine(method, target);
    return route != nullptr && route->body_limit ? &*route->body_limit : nullptr;
}

void Router::CountRefused(const Request& partial, unsigned status) noexcept {
    std::size_t slot = metrics_.Unmatched(partial.method_string());
    try {
        if (const auto* route = RouteForRequestLine(partial.method(), partial.target())) {
            slot = route->metrics_slot;
        }
    } catch (const std::exception&) {
        // Out of memory splitting a target: count it as unmatched rather than not at all.
    }
    metrics_.Count(slot, status);
}

std::size_t Router::LargestBodyLimit() const noexcept {
    std::size_t largest = 0;
    for (const auto& route : routes_) {
        if (route.body_limit) {
            largest = std::max(largest, route.body_limit->bytes);
        }
    }
    return largest;
}

Response MakeProblemResponse(const Error& error, const std::string& instance, unsigned version, bool keep_alive) {
    Response res{static_cast<http::status>(StatusOf(error.kind())), version};
    res.set(http::field::content_type, "application/problem+json");
    res.body() = boost::json::serialize(ToProblem(error, instance));
    if (const auto& current = error.current_version()) {
        SetETag(res, *current);  // a 412 tells the client the version to read again
    }
    res.keep_alive(keep_alive);
    return res;
}

Response Router::Problem(const Request& request, const Error& error) {
    auto trace = middleware::ExtractTrace(request);
    std::string path(request.target().substr(0, request.target().find('?')));
    auto res = MakeProblemResponse(error, path, request.version(), false);
    res.set("X-Content-Type-Options", "nosniff");
    middleware::ApplyTrace(res, trace);
    return res;
}

Error ErrorFromException(std::exception_ptr error, const RequestContext& ctx) {
    boost::json::object fields{{"traceId", ctx.trace.trace_id}, {"path", ctx.path}};
    try {
        std::rethrow_exception(error);
    } catch (const Error& e) {
        return e;
    } catch (const errors::DependencyFailure& e) {
        // The database, its pool, object storage or a work queue: the failure says what the client is told
        // and what is logged, so this boundary needs none of their types.
        auto mapped = e.Public();
        fields["error"] = e.what();
        e.AddLogFields(fields);
        logging::Log(mapped.kind() == Kind::kInternal ? logging::Level::kError : logging::Level::kWarn, e.LogMessage(),
                     std::move(fields));
        return mapped;
    } catch (const std::exception& e) {
        fields["error"] = e.what();
        logging::Error("unhandled exception", std::move(fields));
    } catch (...) {
        logging::Error("unhandled non-standard exception", std::move(fields));
    }
    return Error(Kind::kInternal, "internal error");
}

boost::asio::awaitable<Response> Router::Handle(Request request) {
    RequestContext ctx;
    ctx.trace = middleware::ExtractTrace(request);
    ctx.request = std::move(request);
    const unsigned version = ctx.request.version();
    const bool keep_alive = ctx.request.keep_alive();
    // A request no route takes is counted as "unmatched" with its method.
    std::size_t metrics_slot = metrics_.Unmatched(ctx.request.method_string());
    Response res;
    std::exception_ptr failure;
    try {
        auto parsed = boost::urls::parse_origin_form(ctx.request.target());
        if (!parsed) {
            ctx.path = std::string(ctx.request.target().substr(0, ctx.request.target().find('?')));
            throw Error(Kind::kInvalid, "the request target is malformed");
        }
        ctx.path = std::string(parsed->encoded_path());
        // Query strings follow form encoding, where '+' is a space.
        for (auto param : parsed->params(boost::urls::encoding_opts(true))) {
            ctx.query.emplace_back(param.key, param.has_value ? param.value : std::string());
        }
        std::vector<std::string> segments;
        for (auto seg : parsed->segments()) {
            segments.push_back(seg);
        }
        middleware::ExtractIdentity(ctx, identity_);

        const Route* found = nullptr;
        std::string allow;
        for (const auto& route : routes_) {
            if (!Match(route.segments, segments, nullptr)) {
                continue;
            }
            if (route.method == ctx.request.method()) {
                found = &route;
                break;
            }
            allow += allow.empty() ? "" : ", ";
            allow += std::string(http::to_string(route.method));
        }
        if (found == nullptr) {
            if (!allow.empty()) {
                auto problem = MakeProblemResponse(
                    Error(Kind::kMethodNotAllowed,
                          "method " + std::string(ctx.request.method_string()) + " is not allowed here"),
                    ctx.path, version, keep_alive);
                problem.set(http::field::allow, allow);
                res = std::move(problem);
            } else {
                throw Error(Kind::kNotFound, "no route matches " + ctx.path);
            }
        } else {
            ctx.route = found->pattern;
            metrics_slot = found->metrics_slot;
            Match(found->segments, segments, &ctx.path_params);
            res = co_await found->handler(ctx);
        }
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure) {
        auto error = ErrorFromException(failure, ctx);
        res = MakeProblemResponse(error, ctx.path, version, keep_alive);
    }
    res.version(version);
    res.keep_alive(keep_alive);
    // JSON is never to be sniffed into HTML by a browser (docs/SECURITY.md, API8).
    res.set("X-Content-Type-Options", "nosniff");
    middleware::ApplyTrace(res, ctx.trace);
    const auto elapsed = std::chrono::steady_clock::now() - ctx.started;  // one clock read for both
    middleware::LogRequest(ctx, res.result_int(), elapsed);
    metrics_.Record(metrics_slot, res.result_int(), elapsed);
    co_return res;
}

}  // namespace auction::app
