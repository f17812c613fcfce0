#include "internal/middleware/identity.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <boost/beast/core/string.hpp>
#include <boost/json/parse.hpp>
#include <charconv>
#include <cmath>

#include "domain/validation.hpp"
#include "pkg/encoding/encoding.hpp"

namespace auction::middleware {

namespace {

using config::AuthMode;

// A compact HS256 token with a modest payload is a few hundred bytes; anything far larger is not ours and
// is refused before any decoding or hashing work.
constexpr std::size_t kMaxTokenBytes = 4096;

// Equal-length comparison whose time does not depend on where the inputs differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view HeaderValue(const Request& request, std::string_view name) {
    auto it = request.find(name);
    return it == request.end() ? std::string_view() : std::string_view(it->value());
}

IdentityVerdict Refuse(std::string why) {
    return IdentityVerdict{std::nullopt, std::move(why)};
}

std::int64_t UnixSeconds(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// A NumericDate claim (RFC 7519): a JSON number of seconds; nullopt when absent or not a finite number.
std::optional<double> NumericClaim(const boost::json::object& claims, std::string_view name) {
    const auto* v = claims.if_contains(name);
    if (v == nullptr || !v->is_number()) {
        return std::nullopt;
    }
    const double d = v->to_number<double>();
    return std::isfinite(d) ? std::optional<double>(d) : std::nullopt;
}

}  // namespace

std::string HmacSha256(std::string_view key, std::string_view message) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int length = 0;
    const auto* result =
        HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(message.data()), message.size(), out.data(), &length);
    if (result == nullptr) {
        throw std::runtime_error("HMAC-SHA256 failed");
    }
    return std::string(reinterpret_cast<const char*>(out.data()), length);
}

IdentityVerifier::IdentityVerifier(config::AuthConfig config) : config_(std::move(config)) {}

IdentityVerdict IdentityVerifier::VerifyHmac(std::string_view user_id, std::string_view timestamp,
                                             std::string_view signature,
                                             std::chrono::system_clock::time_point now) const {
    if (user_id.empty() && timestamp.empty() && signature.empty()) {
        return {};
    }
    if (!domain::IsValidUserId(user_id)) {
        return Refuse("the X-User-ID header must be 1 to 128 printable characters without spaces");
    }
    if (signature.empty() || timestamp.empty()) {
        return Refuse("AUTH_MODE=hmac: X-User-ID must come with X-User-Timestamp and X-User-Signature");
    }
    std::int64_t ts = 0;
    const auto [ptr, ec] = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), ts);
    if (ec != std::errc() || ptr != timestamp.data() + timestamp.size()) {
        return Refuse("X-User-Timestamp must be unix seconds");
    }
    const auto skew = std::chrono::duration_cast<std::chrono::seconds>(config_.max_skew).count();
    const auto now_s = UnixSeconds(now);
    if (ts < now_s - skew || ts > now_s + skew) {
        return Refuse("X-User-Timestamp is outside the accepted clock skew");
    }
    std::string message(user_id);
    message += '\n';
    message += timestamp;
    const auto expected = encoding::LowerHex(HmacSha256(config_.secret, message));
    if (!ConstantTimeEquals(expected, signature)) {
        return Refuse("X-User-Signature does not match");
    }
    return IdentityVerdict{std::string(user_id), {}};
}

IdentityVerdict IdentityVerifier::VerifyJwt(std::string_view token, std::chrono::system_clock::time_point now) const {
    if (token.size() > kMaxTokenBytes) {
        return Refuse("the bearer token is too large");
    }
    const auto dot1 = token.find('.');
    const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
        return Refuse("the bearer token is not a compact JWS (header.payload.signature)");
    }
    const auto header_b64 = token.substr(0, dot1);
    const auto payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
    const auto signature_b64 = token.substr(dot2 + 1);
    const auto header_json = encoding::Base64UrlDecode(header_b64);
    const auto payload_json = encoding::Base64UrlDecode(payload_b64);
    const auto signature = encoding::Base64UrlDecode(signature_b64);
    if (!header_json || !payload_json || !signature) {
        return Refuse("the bearer token is not valid base64url");
    }
    boost::system::error_code ec;
    const auto header = boost::json::parse(*header_json, ec);
    if (ec || !header.is_object()) {
        return Refuse("the bearer token's header is not a JSON object");
    }
    // The algorithm is fixed by configuration, never chosen by the token: "none", RS256 (key confusion)
    // and everything else is refused before the signature is even looked at.
    const auto* alg = header.as_object().if_contains("alg");
    if (alg == nullptr || !alg->is_string() || alg->as_string() != "HS256") {
        return Refuse("the bearer token must be signed with HS256");
    }
    if (header.as_object().contains("crit")) {
        return Refuse("the bearer token has critical header parameters this service does not understand");
    }
    std::string signing_input(token.substr(0, dot2));
    if (!ConstantTimeEquals(HmacSha256(config_.secret, signing_input), *signature)) {
        return Refuse("the bearer token's signature does not match");
    }
    const auto payload = boost::json::parse(*payload_json, ec);
    if (ec || !payload.is_object()) {
        return Refuse("the bearer token's payload is not a JSON object");
    }
    const auto& claims = payload.as_object();
    const auto leeway = std::chrono::duration_cast<std::chrono::seconds>(config_.max_skew).count();
    const auto now_s = static_cast<double>(UnixSeconds(now));
    const auto exp = NumericClaim(claims, "exp");
    if (!exp) {
        return Refuse("the bearer token has no exp claim");  // a token that never expires is refused
    }
    if (now_s >= *exp + static_cast<double>(leeway)) {
        return Refuse("the bearer token has expired");
    }
    if (claims.contains("nbf")) {
        const auto nbf = NumericClaim(claims, "nbf");
        if (!nbf || now_s < *nbf - static_cast<double>(leeway)) {
            return Refuse("the bearer token is not valid yet");
        }
    }
    const auto* sub = claims.if_contains("sub");
    if (sub == nullptr || !sub->is_string() || !domain::IsValidUserId(sub->as_string())) {
        return Refuse("the bearer token's sub must be a user id of 1 to 128 printable characters without spaces");
    }
    return IdentityVerdict{std::string(sub->as_string()), {}};
}

IdentityVerdict IdentityVerifier::Verify(const Request& request, std::chrono::system_clock::time_point now) const {
    const auto user = HeaderValue(request, "X-User-ID");
    switch (config_.mode) {
        case AuthMode::kHeader:
            if (request.find("X-User-ID") == request.end()) {
                return {};
            }
            if (!domain::IsValidUserId(user)) {
                return Refuse("the X-User-ID header must be 1 to 128 printable characters without spaces");
            }
            return IdentityVerdict{std::string(user), {}};
        case AuthMode::kHmac:
            return VerifyHmac(user, HeaderValue(request, "X-User-Timestamp"), HeaderValue(request, "X-User-Signature"),
                              now);
        case AuthMode::kJwt: {
            // X-User-ID is ignored here: only the token speaks for the caller.
            const auto authorization = HeaderValue(request, "Authorization");
            if (authorization.empty()) {
                return {};
            }
            constexpr std::string_view kBearer = "Bearer ";
            if (authorization.size() <= kBearer.size() ||
                !boost::beast::iequals(authorization.substr(0, kBearer.size()), kBearer)) {
                return Refuse("the Authorization header must be \"Bearer <JWT>\"");
            }
            return VerifyJwt(authorization.substr(kBearer.size()), now);
        }
    }
    return {};
}

void ExtractIdentity(RequestContext& ctx, const IdentityVerifier& verifier) {
    auto verdict = verifier.Verify(ctx.request, std::chrono::system_clock::now());
    if (verdict.user_id) {
        ctx.user_id = std::move(verdict.user_id);
    } else if (!verdict.error.empty()) {
        ctx.user_header_malformed = verifier.mode() == config::AuthMode::kHeader;
        ctx.identity_error = std::move(verdict.error);
    }
}

}  // namespace auction::middleware
