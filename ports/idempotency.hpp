#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

/// Idempotency-Key on POST (README "Retries"): the API claims a key before a write, the write's own transaction
/// stores the answer with the change, and a retry gets that answer again.
namespace auction::ports {

/// An answer as it is stored and replayed: status, the headers that describe the resource, and the body byte for
/// byte. (Trace and correlation ids are not part of it: a replay carries the retry's own.)
struct StoredAnswer {
    int status = 0;
    std::string content_type;
    std::string location;
    std::string etag;
    std::string body;
};

/// A request's claim on (user, key).
struct IdempotencyClaim {
    std::string user;
    std::string key;
    std::string token;
};

/// What a write stores with its change: the claim and how to render the answer from what the write created. Empty
/// (no claim) for a request without Idempotency-Key.
template <typename T>
struct Idempotent {
    std::optional<IdempotencyClaim> claim;
    std::function<StoredAnswer(const T&)> render;
};

/// The outcome of trying to claim a key.
struct IdempotencyBegin {
    enum class Kind {
        kClaimed,   // this request holds the key: go ahead with `claim`
        kReplay,    // an earlier request with the same fingerprint completed: `answer`
        kMismatch,  // the key was used for a different request (422)
        kInFlight,  // a request with this key is still running (409)
    };
    Kind kind = Kind::kInFlight;
    IdempotencyClaim claim;
    StoredAnswer answer;
};

class IdempotencyStore {
public:
    virtual ~IdempotencyStore() = default;
    /// Claims (user, key) for a request with `fingerprint` for at most `lease`, unless a completed answer younger
    /// than `ttl` or a live claim exists.
    virtual boost::asio::awaitable<IdempotencyBegin> Begin(std::string user, std::string key, std::string fingerprint,
                                                           std::chrono::milliseconds lease,
                                                           std::chrono::milliseconds ttl) = 0;
    /// Frees the key after a request that did not complete (nothing was committed).
    virtual boost::asio::awaitable<void> Release(IdempotencyClaim claim) = 0;
};

}  // namespace auction::ports
