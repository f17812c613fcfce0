#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "app/router.hpp"
#include "ports/idempotency.hpp"

namespace auction::app {

struct Services;

/// The Idempotency-Key header's value (draft-ietf-httpapi-idempotency-key-header): 1..255 printable ASCII
/// characters, sent bare (without `"` or `\`) or as a structured-field string (in double quotes, `\"` and `\\`
/// escaped). nullopt when
/// malformed (a 400). Hand-written because it is this small; fuzzed through the http_router target.
std::optional<std::string> ParseIdempotencyKey(std::string_view value);

/// The answer of a created resource: 201, application/json, Location (and ETag for an item).
ports::StoredAnswer CreatedAnswer(std::string json, std::string location, std::string etag = "");
/// The response for an answer; a replay carries `Idempotent-Replayed: true`.
Response AnswerResponse(const RequestContext& ctx, const ports::StoredAnswer& answer, bool replayed = false);

/// Runs a POST under its Idempotency-Key, if it has one (README "Retries"): the same user, key and request within
/// the TTL get the first answer again without running `run`; the same key with another request is a 422; while a
/// request with the key is in flight, a 409 at once. `run` gets the claim to hand to the repository (which stores
/// the answer in the write's transaction) and nullopt without a key. When `run` fails, the key is released.
/// The body stands in the request's fingerprint (with the method and the path) as it is, or as `body_digest` returns
/// it when given; either is read only for a request that carries the header.
boost::asio::awaitable<Response> Idempotently(
    Services& s, RequestContext& ctx, std::function<std::string()> body_digest,
    std::function<boost::asio::awaitable<Response>(std::optional<ports::IdempotencyClaim>)> run);

}  // namespace auction::app
