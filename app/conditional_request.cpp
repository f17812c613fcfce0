#include "app/conditional_request.hpp"

#include <boost/beast/http/field.hpp>

#include "app/handlers.hpp"
#include "pkg/errors/errors.hpp"

namespace auction::app {

namespace http = boost::beast::http;

std::string ETagOfVersion(std::int64_t version) {
    return "\"v" + std::to_string(version) + "\"";
}

namespace {

std::optional<etag::Condition> ParseField(const middleware::Request& request, http::field field) {
    auto [it, end] = request.equal_range(field);
    if (it == end) {
        return std::nullopt;
    }
    // Several field lines are one list (RFC 9110 §5.3); the header limit bounds the total.
    std::string value;
    for (; it != end; ++it) {
        if (!value.empty()) {
            value += ", ";
        }
        value += it->value();
    }
    auto condition = etag::ParseCondition(value);
    if (!condition) {
        throw errors::Error(errors::Kind::kInvalid, std::string(http::to_string(field)) +
                                                        " must be \"*\" or a list of entity tags, e.g. \"v3\" or "
                                                        "W/\"v3\" (quotes included)");
    }
    return condition;
}

}  // namespace

Preconditions ParsePreconditions(const middleware::RequestContext& ctx) {
    Preconditions conditions;
    conditions.if_match = ParseField(ctx.request, http::field::if_match);
    conditions.if_none_match = ParseField(ctx.request, http::field::if_none_match);
    return conditions;
}

PreconditionOutcome EvaluatePreconditions(const Preconditions& conditions, std::int64_t version, bool read) {
    const auto current = ETagOfVersion(version);
    if (conditions.if_match && !etag::MatchesStrong(*conditions.if_match, current)) {
        return PreconditionOutcome::kFailed;
    }
    if (conditions.if_none_match && etag::MatchesWeak(*conditions.if_none_match, current)) {
        return read ? PreconditionOutcome::kNotModified : PreconditionOutcome::kFailed;
    }
    return PreconditionOutcome::kProceed;
}

namespace {

// The 412 for preconditions EvaluatePreconditions found failed, naming the header that failed.
[[noreturn]] void ThrowPreconditionFailed(const Preconditions& conditions, std::int64_t version) {
    const auto current = ETagOfVersion(version);
    if (conditions.if_match && !etag::MatchesStrong(*conditions.if_match, current)) {
        throw errors::Error::PreconditionFailed(
            "If-Match does not name the current version: the item has changed, its ETag is now " + current, version);
    }
    throw errors::Error::PreconditionFailed("If-None-Match names the item's current ETag " + current, version);
}

}  // namespace

void RequirePreconditions(const Preconditions& conditions, std::int64_t version) {
    if (EvaluatePreconditions(conditions, version, false) != PreconditionOutcome::kProceed) {
        ThrowPreconditionFailed(conditions, version);
    }
}

middleware::Response ConditionalJsonResponse(const middleware::RequestContext& ctx, const Preconditions& conditions,
                                             std::int64_t version, std::string json) {
    const auto outcome = EvaluatePreconditions(conditions, version, true);
    if (outcome == PreconditionOutcome::kFailed) {
        ThrowPreconditionFailed(conditions, version);
    }
    middleware::Response res;
    if (outcome == PreconditionOutcome::kNotModified) {
        // No body and no Content-Type: the client's copy is the representation (RFC 9110 §15.4.5).
        res = middleware::Response{http::status::not_modified, ctx.request.version()};
    } else {
        res = JsonTextResponse(ctx, 200, std::move(json));
    }
    SetETag(res, version);
    return res;
}

void SetETag(middleware::Response& response, std::int64_t version) {
    response.set(http::field::etag, ETagOfVersion(version));
}

}  // namespace auction::app
