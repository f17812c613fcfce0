#include "app/idempotency.hpp"

#include <exception>

#include "app/handlers.hpp"
#include "pkg/encoding/digest.hpp"
#include "pkg/logging/logger.hpp"

namespace auction::app {

namespace http = boost::beast::http;
using errors::Error;
using errors::Kind;

std::optional<std::string> ParseIdempotencyKey(std::string_view value) {
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
    }
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
        value.remove_suffix(1);
    }
    std::string key;
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        // An sf-string: printable ASCII, with `"` and `\` escaped by a backslash.
        value = value.substr(1, value.size() - 2);
        for (std::size_t i = 0; i < value.size(); ++i) {
            char c = value[i];
            if (c == '\\') {
                if (++i == value.size() || (value[i] != '"' && value[i] != '\\')) {
                    return std::nullopt;
                }
                c = value[i];
            } else if (c == '"') {
                return std::nullopt;
            }
            key.push_back(c);
        }
    } else if (value.find_first_of("\"\\") != std::string_view::npos) {
        return std::nullopt;  // quotes and backslashes only inside a quoted key
    } else {
        key = value;
    }
    if (key.empty() || key.size() > 255) {
        return std::nullopt;
    }
    for (const unsigned char c : key) {
        if (c < 0x20 || c > 0x7E) {
            return std::nullopt;
        }
    }
    return key;
}

ports::StoredAnswer CreatedAnswer(std::string json, std::string location, std::string etag) {
    return ports::StoredAnswer{201, "application/json", std::move(location), std::move(etag), std::move(json)};
}

Response AnswerResponse(const RequestContext& ctx, const ports::StoredAnswer& answer, bool replayed) {
    Response res{static_cast<http::status>(answer.status), ctx.request.version()};
    if (!answer.content_type.empty()) {
        res.set(http::field::content_type, answer.content_type);
    }
    if (!answer.location.empty()) {
        res.set(http::field::location, answer.location);
    }
    if (!answer.etag.empty()) {
        res.set(http::field::etag, answer.etag);
    }
    if (replayed) {
        res.set("Idempotent-Replayed", "true");
    }
    res.body() = answer.body;
    return res;
}

boost::asio::awaitable<Response> Idempotently(
    Services& s, RequestContext& ctx, std::function<std::string()> body_digest,
    std::function<boost::asio::awaitable<Response>(std::optional<ports::IdempotencyClaim>)> run) {
    const auto header = ctx.request.find("Idempotency-Key");
    std::optional<ports::IdempotencyClaim> no_claim;
    if (header == ctx.request.end()) {
        co_return co_await run(no_claim);
    }
    auto key = ParseIdempotencyKey(std::string_view(header->value()));
    if (!key) {
        throw Error(Kind::kInvalid, "the Idempotency-Key header must be 1 to 255 printable ASCII characters",
                    {{"Idempotency-Key", "1 to 255 printable ASCII characters, bare or in double quotes"}});
    }
    std::string user = ctx.RequireUser();  // keys are never shared across users
    if (s.idempotency.store == nullptr) {
        co_return co_await run(no_claim);  // tools and fuzzers without a database
    }
    encoding::Sha256 fingerprint;
    fingerprint.Field(std::string_view(ctx.request.method_string()));
    const std::string_view target(ctx.request.target());
    fingerprint.Field(target.substr(0, target.find('?')));
    if (body_digest) {
        fingerprint.Field(body_digest());
    } else {
        fingerprint.Field(std::string_view(ctx.request.body()));
    }
    std::string digest = fingerprint.Hex();
    auto begin = co_await s.idempotency.store->Begin(std::move(user), std::move(*key), std::move(digest),
                                                     s.idempotency.lease, s.idempotency.ttl);
    switch (begin.kind) {
        case ports::IdempotencyBegin::Kind::kReplay:
            co_return AnswerResponse(ctx, begin.answer, true);
        case ports::IdempotencyBegin::Kind::kMismatch:
            throw Error(Kind::kUnprocessable,
                        "this Idempotency-Key was used for a different request (method, path or body); use a new key");
        case ports::IdempotencyBegin::Kind::kInFlight:
            throw Error(Kind::kConflict,
                        "a request with this Idempotency-Key is still being processed; retry after it finished");
        case ports::IdempotencyBegin::Kind::kClaimed:
            break;
    }
    std::exception_ptr failure;
    std::optional<ports::IdempotencyClaim> claim = begin.claim;
    try {
        co_return co_await run(claim);
    } catch (...) {
        failure = std::current_exception();
    }
    // Nothing was committed (a committed answer is never released): the key is free for the next attempt.
    try {
        ports::IdempotencyClaim release = begin.claim;
        co_await s.idempotency.store->Release(std::move(release));
    } catch (const std::exception& e) {
        logging::Warn("could not release an Idempotency-Key; its claim lapses with its lease", {{"error", e.what()}});
    }
    std::rethrow_exception(failure);
}

}  // namespace auction::app
