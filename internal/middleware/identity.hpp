#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "internal/middleware/request_context.hpp"
#include "pkg/config/config.hpp"

namespace auction::middleware {

/// The outcome of checking a request's identity credentials.
struct IdentityVerdict {
    std::optional<std::string> user_id;  // set when the credentials prove a valid user id
    std::string error;                   // public text when credentials were present but not acceptable
};

/// Decides who the caller is, per AUTH_MODE (docs/SECURITY.md, API2):
/// - header: X-User-ID as the gateway set it (trusted, the design's model).
/// - hmac: X-User-ID, X-User-Timestamp (unix seconds, within AUTH_MAX_SKEW of now) and X-User-Signature =
///   lower-case hex HMAC-SHA256(AUTH_SECRET, "<user id>\n<timestamp>").
/// - jwt: `Authorization: Bearer <JWT>` signed HS256 with AUTH_SECRET; `sub` is the user id; `exp` is
///   required, `nbf` honoured, both with AUTH_MAX_SKEW leeway; any other `alg` (none included) is refused.
/// A request without credentials gets neither a user nor an error: reads are anonymous, writes answer 401.
class IdentityVerifier {
public:
    explicit IdentityVerifier(config::AuthConfig config = {});

    IdentityVerdict Verify(const Request& request, std::chrono::system_clock::time_point now) const;

    /// hmac mode on its own: the three header values.
    IdentityVerdict VerifyHmac(std::string_view user_id, std::string_view timestamp, std::string_view signature,
                               std::chrono::system_clock::time_point now) const;
    /// jwt mode on its own: the compact token (without "Bearer ").
    IdentityVerdict VerifyJwt(std::string_view token, std::chrono::system_clock::time_point now) const;

    config::AuthMode mode() const noexcept { return config_.mode; }

private:
    config::AuthConfig config_;
};

/// Raw HMAC-SHA256 of `message` under `key` (32 bytes).
std::string HmacSha256(std::string_view key, std::string_view message);

/// Fills ctx.user_id (or ctx.identity_error / user_header_malformed) from the request's credentials.
void ExtractIdentity(RequestContext& ctx, const IdentityVerifier& verifier);

}  // namespace auction::middleware
