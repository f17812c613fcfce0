// The signed identity modes (AUTH_MODE=hmac|jwt, docs/SECURITY.md API2) without I/O: good credentials,
// tampered, expired, replayed, alg none, a wrong alg, missing; and the settings that configure them.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "internal/middleware/identity.hpp"
#include "pkg/config/config.hpp"
#include "pkg/encoding/encoding.hpp"

namespace auction {
namespace {

using encoding::Base64UrlDecode;
using encoding::Base64UrlEncode;
using encoding::LowerHex;
using middleware::HmacSha256;
using middleware::IdentityVerifier;
using Clock = std::chrono::system_clock;

const std::string kSecret = "0123456789abcdef0123456789abcdef-test-secret";
const Clock::time_point kNow = Clock::time_point(std::chrono::seconds(1'800'000'000));

config::AuthConfig Auth(config::AuthMode mode) {
    config::AuthConfig c;
    c.mode = mode;
    c.secret = kSecret;
    c.max_skew = std::chrono::seconds(300);
    return c;
}

std::string Jwt(const boost::json::object& header, const boost::json::object& claims,
                const std::string& key = kSecret) {
    const auto input =
        Base64UrlEncode(boost::json::serialize(header)) + "." + Base64UrlEncode(boost::json::serialize(claims));
    return input + "." + Base64UrlEncode(HmacSha256(key, input));
}

boost::json::object Hs256() {
    return {{"alg", "HS256"}, {"typ", "JWT"}};
}

boost::json::object Claims(std::int64_t exp_offset = 600) {
    return {{"sub", "user-123"}, {"exp", 1'800'000'000 + exp_offset}, {"iat", 1'800'000'000}};
}

std::string Sign(const std::string& user, const std::string& ts, const std::string& key = kSecret) {
    return LowerHex(HmacSha256(key, user + "\n" + ts));
}

TEST(Hmac, MatchesRfc4231TestCase2) {
    EXPECT_EQ(LowerHex(HmacSha256("Jefe", "what do ya want for nothing?")),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Base64Url, RoundTripsAndIsStrict) {
    for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\x00"}) {
        const auto encoded = Base64UrlEncode(s);
        EXPECT_EQ(encoded.find('='), std::string::npos);
        EXPECT_EQ(Base64UrlDecode(encoded), s);
    }
    EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
    EXPECT_FALSE(Base64UrlDecode("Zm9v="));  // padding
    EXPECT_FALSE(Base64UrlDecode("+/8"));    // standard alphabet
    EXPECT_FALSE(Base64UrlDecode("Z"));      // impossible length
    EXPECT_FALSE(Base64UrlDecode("Zh"));     // non-zero leftover bits: a second spelling of "f"
}

TEST(HmacMode, AcceptsAFreshCorrectSignature) {
    IdentityVerifier v(Auth(config::AuthMode::kHmac));
    const std::string ts = "1800000000";
    auto verdict = v.VerifyHmac("user-123", ts, Sign("user-123", ts), kNow);
    ASSERT_TRUE(verdict.user_id) << verdict.error;
    EXPECT_EQ(*verdict.user_id, "user-123");
    // Within the skew on either side.
    EXPECT_TRUE(v.VerifyHmac("user-123", "1800000290", Sign("user-123", "1800000290"), kNow).user_id);
    EXPECT_TRUE(v.VerifyHmac("user-123", "1799999710", Sign("user-123", "1799999710"), kNow).user_id);
}

TEST(HmacMode, RefusesTamperedStaleOrIncompleteCredentials) {
    IdentityVerifier v(Auth(config::AuthMode::kHmac));
    const std::string ts = "1800000000";
    const auto good = Sign("user-123", ts);
    auto refused = [&](std::string_view user, std::string_view t, std::string_view sig) {
        auto verdict = v.VerifyHmac(user, t, sig, kNow);
        EXPECT_FALSE(verdict.user_id) << user << " " << t << " " << sig;
        EXPECT_FALSE(verdict.error.empty());
    };
    refused("user-124", ts, good);                                 // another user with this user's signature
    refused("user-123", "1800000001", good);                       // another timestamp
    refused("user-123", ts, Sign("user-123", ts, kSecret + "x"));  // another key
    std::string flipped = good;
    flipped[0] = flipped[0] == 'a' ? 'b' : 'a';
    refused("user-123", ts, flipped);
    refused("user-123", ts, good.substr(0, 63));
    std::string upper = good;
    for (auto& c : upper) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (upper != good) {
        refused("user-123", ts, upper);  // one spelling only
    }
    refused("user-123", "1799999000", Sign("user-123", "1799999000"));  // replayed after the window
    refused("user-123", "1800001000", Sign("user-123", "1800001000"));  // from the future
    refused("user-123", "18e8", Sign("user-123", "18e8"));
    refused("user-123", "", good);  // timestamp missing
    refused("user-123", ts, "");    // signature missing
    refused("", ts, good);          // user missing
    refused("bad user", ts, Sign("bad user", ts));
    // No credentials at all: anonymous (reads work, writes get 401), not an error.
    auto none = v.VerifyHmac("", "", "", kNow);
    EXPECT_FALSE(none.user_id);
    EXPECT_TRUE(none.error.empty());
}

TEST(JwtMode, AcceptsAGoodToken) {
    IdentityVerifier v(Auth(config::AuthMode::kJwt));
    auto verdict = v.VerifyJwt(Jwt(Hs256(), Claims()), kNow);
    ASSERT_TRUE(verdict.user_id) << verdict.error;
    EXPECT_EQ(*verdict.user_id, "user-123");
    auto with_nbf = Claims();
    with_nbf["nbf"] = 1'800'000'000 - 10;
    EXPECT_TRUE(v.VerifyJwt(Jwt(Hs256(), with_nbf), kNow).user_id);
}

TEST(JwtMode, RefusesTamperedTokens) {
    IdentityVerifier v(Auth(config::AuthMode::kJwt));
    const auto token = Jwt(Hs256(), Claims());
    // Payload swapped for another user's, signature kept.
    auto other = Claims();
    other["sub"] = "admin";
    const auto forged_payload = Base64UrlEncode(boost::json::serialize(other));
    const auto dot1 = token.find('.');
    const auto dot2 = token.find('.', dot1 + 1);
    const auto swapped = token.substr(0, dot1 + 1) + forged_payload + token.substr(dot2);
    EXPECT_FALSE(v.VerifyJwt(swapped, kNow).user_id);
    EXPECT_FALSE(v.VerifyJwt(Jwt(Hs256(), Claims(), kSecret + "x"), kNow).user_id);  // another key
    std::string flipped = token;
    flipped.back() = flipped.back() == 'A' ? 'Q' : 'A';
    EXPECT_FALSE(v.VerifyJwt(flipped, kNow).user_id);
    EXPECT_FALSE(v.VerifyJwt(token.substr(0, dot2), kNow).user_id);  // signature dropped
    EXPECT_FALSE(v.VerifyJwt(token + ".extra", kNow).user_id);       // JWE-like 5 parts
    EXPECT_FALSE(v.VerifyJwt("not a token", kNow).user_id);
    EXPECT_FALSE(v.VerifyJwt(std::string(5000, 'a'), kNow).user_id);  // oversized
}

TEST(JwtMode, RefusesExpiredAndNotYetValidTokens) {
    IdentityVerifier v(Auth(config::AuthMode::kJwt));
    EXPECT_FALSE(v.VerifyJwt(Jwt(Hs256(), Claims(-301)), kNow).user_id);  // expired beyond the leeway
    EXPECT_TRUE(v.VerifyJwt(Jwt(Hs256(), Claims(-299)), kNow).user_id);   // within the leeway
    auto future = Claims();
    future["nbf"] = 1'800'000'000 + 301;
    EXPECT_FALSE(v.VerifyJwt(Jwt(Hs256(), future), kNow).user_id);
    auto no_exp = Claims();
    no_exp.erase("exp");
    EXPECT_NE(v.VerifyJwt(Jwt(Hs256(), no_exp), kNow).error.find("exp"), std::string::npos);
    auto string_exp = Claims();
    string_exp["exp"] = "99999999999";
    EXPECT_FALSE(v.VerifyJwt(Jwt(Hs256(), string_exp), kNow).user_id);
    auto no_sub = Claims();
    no_sub.erase("sub");
    EXPECT_FALSE(v.VerifyJwt(Jwt(Hs256(), no_sub), kNow).user_id);
    auto bad_sub = Claims();
    bad_sub["sub"] = "two words";
    EXPECT_FALSE(v.VerifyJwt(Jwt(Hs256(), bad_sub), kNow).user_id);
}

TEST(JwtMode, RefusesAlgNoneAndEveryOtherAlgorithm) {
    IdentityVerifier v(Auth(config::AuthMode::kJwt));
    // alg none with an empty signature: the classic bypass.
    const auto none = Base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + "." +
                      Base64UrlEncode(boost::json::serialize(Claims())) + ".";
    auto verdict = v.VerifyJwt(none, kNow);
    EXPECT_FALSE(verdict.user_id);
    EXPECT_NE(verdict.error.find("HS256"), std::string::npos) << verdict.error;
    for (const char* alg : {"none", "None", "NONE", "HS384", "HS512", "RS256", "ES256", "hs256", ""}) {
        boost::json::object header{{"alg", alg}, {"typ", "JWT"}};
        // Even correctly HMAC-signed with the secret: the algorithm is not the token's to choose.
        EXPECT_FALSE(v.VerifyJwt(Jwt(header, Claims()), kNow).user_id) << alg;
    }
    EXPECT_FALSE(v.VerifyJwt(Jwt(boost::json::object{{"typ", "JWT"}}, Claims()), kNow).user_id);  // alg missing
    auto crit = Hs256();
    crit["crit"] = boost::json::array{"exp"};
    EXPECT_FALSE(v.VerifyJwt(Jwt(crit, Claims()), kNow).user_id);
}

TEST(IdentityVerifier, UsesTheConfiguredModesHeaders) {
    middleware::Request req;
    req.set("X-User-ID", "user-123");
    // header mode: the design's trust in the gateway.
    EXPECT_EQ(IdentityVerifier().Verify(req, kNow).user_id, "user-123");
    // hmac and jwt: a bare X-User-ID proves nothing.
    auto hmac = IdentityVerifier(Auth(config::AuthMode::kHmac)).Verify(req, kNow);
    EXPECT_FALSE(hmac.user_id);
    EXPECT_FALSE(hmac.error.empty());
    IdentityVerifier jwt(Auth(config::AuthMode::kJwt));
    EXPECT_FALSE(jwt.Verify(req, kNow).user_id);
    req.set("Authorization", "Bearer " + Jwt(Hs256(), Claims()));
    EXPECT_EQ(jwt.Verify(req, kNow).user_id, "user-123");
    req.set("Authorization", "Basic dXNlcjpwYXNz");
    EXPECT_FALSE(jwt.Verify(req, kNow).user_id);
    EXPECT_FALSE(jwt.Verify(req, kNow).error.empty());
    // The sub wins over a different X-User-ID.
    req.set("X-User-ID", "someone-else");
    auto other = Claims();
    other["sub"] = "the-real-user";
    req.set("Authorization", "Bearer " + Jwt(Hs256(), other));
    EXPECT_EQ(jwt.Verify(req, kNow).user_id, "the-real-user");
}

TEST(AuthConfig, ModesAndSecretsAreValidatedNamingTheVariable) {
    auto load = [](std::map<std::string, std::string> extra) {
        std::map<std::string, std::string> env{{"POSTGRES_HOST", "h"},
                                               {"POSTGRES_DATABASE", "d"},
                                               {"POSTGRES_USERNAME", "u"},
                                               {"RABBITMQ_URL", "amqp://g:g@h:5672/"},
                                               {"AWS_BUCKET", "b"}};
        env.merge(extra);
        return config::LoadApiConfig(config::Environment::FromMap(env));
    };
    EXPECT_EQ(load({}).auth.mode, config::AuthMode::kHeader);
    EXPECT_EQ(load({{"AUTH_MODE", "jwt"}, {"AUTH_SECRET", kSecret}}).auth.mode, config::AuthMode::kJwt);
    EXPECT_EQ(load({{"AUTH_MODE", "hmac"}, {"AUTH_SECRET", kSecret}, {"AUTH_MAX_SKEW", "30s"}}).auth.max_skew,
              std::chrono::seconds(30));
    auto message = [&](std::map<std::string, std::string> extra) {
        try {
            load(std::move(extra));
        } catch (const config::ConfigError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(message({{"AUTH_MODE", "oauth"}}).find("AUTH_MODE"), std::string::npos);
    EXPECT_NE(message({{"AUTH_MODE", "jwt"}}).find("AUTH_SECRET"), std::string::npos);
    EXPECT_NE(message({{"AUTH_MODE", "hmac"}, {"AUTH_SECRET", "short"}}).find("AUTH_SECRET"), std::string::npos);
    EXPECT_NE(
        message({{"AUTH_MODE", "jwt"}, {"AUTH_SECRET", kSecret}, {"AUTH_MAX_SKEW", "soon"}}).find("AUTH_MAX_SKEW"),
        std::string::npos);
    EXPECT_NE(message({{"HTTP_MAX_CONNECTIONS", "0"}}).find("HTTP_MAX_CONNECTIONS"), std::string::npos);
    EXPECT_NE(message({{"HTTP_MAX_HEADERS", "lots"}}).find("HTTP_MAX_HEADERS"), std::string::npos);
    EXPECT_NE(message({{"HTTP_HEADER_TIMEOUT", "-1s"}}).find("HTTP_HEADER_TIMEOUT"), std::string::npos);
    const auto defaults = load({});
    EXPECT_EQ(defaults.max_connections, 10000U);
    EXPECT_EQ(defaults.max_header_fields, 100U);
    EXPECT_EQ(defaults.header_timeout, std::chrono::seconds(10));
}

}  // namespace
}  // namespace auction
