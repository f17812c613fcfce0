// OWASP API2 (broken authentication): the optional signed identity modes, each on its own auction-api
// instance with AUTH_MODE=hmac / AUTH_MODE=jwt, exercised through a real write endpoint. The default mode
// (header, the gateway's X-User-ID) is what every other integration test uses. docs/SECURITY.md cites these.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>

#include "internal/middleware/identity.hpp"
#include "pkg/encoding/encoding.hpp"
#include "support/api_assertions.hpp"
#include "support/process.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

namespace json = boost::json;
using encoding::Base64UrlEncode;
using encoding::LowerHex;
using middleware::HmacSha256;

const std::string kSecret = "integration-test-secret-of-at-least-32-bytes";

ApiServer& ServerWithAuth(config::AuthMode mode) {
    auto make = [mode] {
        auto cfg = TestApiConfig();
        cfg.auth.mode = mode;
        cfg.auth.secret = kSecret;
        cfg.auth.max_skew = std::chrono::seconds(60);
        return cfg;
    };
    if (mode == config::AuthMode::kHmac) {
        static ApiServer hmac(make());
        return hmac;
    }
    static ApiServer jwt(make());
    return jwt;
}

std::int64_t Now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::map<std::string, std::string> HmacHeaders(const std::string& user, std::int64_t ts,
                                               const std::string& key = kSecret) {
    const auto stamp = std::to_string(ts);
    return {{"Content-Type", "application/json"},
            {"X-User-ID", user},
            {"X-User-Timestamp", stamp},
            {"X-User-Signature", LowerHex(HmacSha256(key, user + "\n" + stamp))}};
}

std::string Jwt(const std::string& alg, const std::string& sub, std::int64_t exp, const std::string& key = kSecret) {
    const auto input = Base64UrlEncode(json::serialize(json::object{{"alg", alg}, {"typ", "JWT"}})) + "." +
                       Base64UrlEncode(json::serialize(json::object{{"sub", sub}, {"exp", exp}}));
    return input + "." + (alg == "none" ? std::string() : Base64UrlEncode(HmacSha256(key, input)));
}

std::map<std::string, std::string> Bearer(const std::string& token) {
    return {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + token}};
}

TEST(SecurityAuthHmac, AWriteNeedsAFreshSignatureOfTheClaimedUser) {
    HttpClient client(ServerWithAuth(config::AuthMode::kHmac).port());
    const auto user = UniqueUser("hmac");
    const auto body = json::serialize(SampleItem("Signed"));
    // The design's bare header is no longer enough.
    ExpectProblem(
        client.Request("POST", "/api/v1/items", body, {{"Content-Type", "application/json"}, {"X-User-ID", user}}),
        401);
    auto created = client.Request("POST", "/api/v1/items", body, HmacHeaders(user, Now()));
    ASSERT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(created.Json().at("sellerId").as_string(), user);
    const auto target = "/api/v1/items/" + std::string(created.Json().at("id").as_string());
    const auto patch = json::serialize(json::object{{"name", "Signed and updated"}});
    EXPECT_EQ(client.Request("PUT", target, patch, HmacHeaders(user, Now())).status, 200);

    // Another user's signature with the victim's id, a wrong key, a stale (replayed) or future timestamp.
    auto stolen = HmacHeaders(UniqueUser("attacker"), Now());
    stolen["X-User-ID"] = user;
    ExpectProblem(client.Request("PUT", target, patch, stolen), 401);
    ExpectProblem(client.Request("PUT", target, patch, HmacHeaders(user, Now(), kSecret + "!")), 401);
    auto stale = client.Request("PUT", target, patch, HmacHeaders(user, Now() - 3600));
    ExpectProblem(stale, 401);
    EXPECT_NE(stale.body.find("skew"), std::string::npos) << stale.body;
    ExpectProblem(client.Request("PUT", target, patch, HmacHeaders(user, Now() + 3600)), 401);
    // Reads stay anonymous.
    EXPECT_EQ(client.Get(target).status, 200);
    EXPECT_EQ(client.Get(target).Json().at("name").as_string(), "Signed and updated");
}

TEST(SecurityAuthJwt, AWriteNeedsAValidHs256Token) {
    HttpClient client(ServerWithAuth(config::AuthMode::kJwt).port());
    const auto user = UniqueUser("jwt");
    const auto body = json::serialize(SampleItem("Tokened"));
    ExpectProblem(
        client.Request("POST", "/api/v1/items", body, {{"Content-Type", "application/json"}, {"X-User-ID", user}}),
        401);
    auto created = client.Request("POST", "/api/v1/items", body, Bearer(Jwt("HS256", user, Now() + 600)));
    ASSERT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(created.Json().at("sellerId").as_string(), user);
    const auto target = "/api/v1/items/" + std::string(created.Json().at("id").as_string());
    const auto patch = json::serialize(json::object{{"name", "Tokened and updated"}});
    EXPECT_EQ(client.Request("PUT", target, patch, Bearer(Jwt("HS256", user, Now() + 600))).status, 200);

    auto none = client.Request("PUT", target, patch, Bearer(Jwt("none", user, Now() + 600)));
    ExpectProblem(none, 401);
    EXPECT_NE(none.body.find("HS256"), std::string::npos) << none.body;
    ExpectProblem(client.Request("PUT", target, patch, Bearer(Jwt("HS512", user, Now() + 600))), 401);
    ExpectProblem(client.Request("PUT", target, patch, Bearer(Jwt("HS256", user, Now() - 3600))), 401);
    ExpectProblem(client.Request("PUT", target, patch, Bearer(Jwt("HS256", user, Now() + 600, kSecret + "!"))), 401);
    // A valid token of another user is that user: the seller check answers 403.
    ExpectProblem(client.Request("PUT", target, patch, Bearer(Jwt("HS256", UniqueUser("other"), Now() + 600))), 403);
    EXPECT_EQ(client.Get(target).Json().at("name").as_string(), "Tokened and updated");
}

TEST(SecurityAuthConfig, AMalformedAuthOrLimitSettingStopsTheApiNamingTheVariable) {
    using Overrides = std::map<std::string, std::string>;
    for (const auto& [variable, overrides] : std::vector<std::pair<std::string, Overrides>>{
             {"AUTH_MODE", {{"AUTH_MODE", "oauth"}}},
             {"AUTH_SECRET", {{"AUTH_MODE", "jwt"}, {"AUTH_SECRET", ""}}},
             {"AUTH_SECRET", {{"AUTH_MODE", "hmac"}, {"AUTH_SECRET", "too-short"}}},
             {"AUTH_MAX_SKEW", {{"AUTH_MODE", "hmac"}, {"AUTH_SECRET", kSecret}, {"AUTH_MAX_SKEW", "a while"}}},
             {"HTTP_MAX_CONNECTIONS", {{"HTTP_MAX_CONNECTIONS", "0"}}},
             {"HTTP_MAX_HEADERS", {{"HTTP_MAX_HEADERS", "many"}}},
             {"HTTP_HEADER_TIMEOUT", {{"HTTP_HEADER_TIMEOUT", "10 seconds"}}}}) {
        ChildProcess child(AUCTION_API_BINARY, overrides);
        EXPECT_EQ(child.WaitExit(std::chrono::seconds(10)), 2) << variable;
        EXPECT_NE(child.Log().find(variable), std::string::npos) << child.Log();
    }
}

}  // namespace
}  // namespace auction::testing
