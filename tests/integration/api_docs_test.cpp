// GET /openapi.json and the Swagger UI of GET /docs, served from the binary by the real API; and the route
// table held against the document in both directions, so neither can drift alone.
#include <gtest/gtest.h>

#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "app/handlers.hpp"
#include "pkg/ids/uuid.hpp"
#include "support/api_assertions.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

namespace http = boost::beast::http;

// "/api/v1/items/:id" -> "/api/v1/items/{id}"
std::string OpenApiPath(std::string_view pattern) {
    std::string out;
    std::size_t i = 0;
    while (i < pattern.size()) {
        if (pattern[i] == ':') {
            const auto end = pattern.find('/', i);
            const auto name =
                pattern.substr(i + 1, end == std::string_view::npos ? std::string_view::npos : end - i - 1);
            out += "{" + std::string(name) + "}";
            i = end == std::string_view::npos ? pattern.size() : end;
        } else {
            out += pattern[i++];
        }
    }
    return out;
}

std::string Lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

// Every (method, pattern) the API's router takes: the route table plus the ops endpoints OpsEndpoints adds.
std::vector<std::pair<std::string, std::string>> RouterRoutes() {
    std::vector<std::pair<std::string, std::string>> routes;
    for (const auto& r : app::RouteTable()) {
        routes.emplace_back(Lower(http::to_string(r.method)), OpenApiPath(r.pattern));
    }
    for (const char* ops : {"/healthz", "/readyz", "/metrics"}) {
        routes.emplace_back("get", ops);
    }
    return routes;
}

std::string SourceDocument() {
    const char* scripts = std::getenv("AUCTION_SCRIPTS_DIR");
    if (scripts == nullptr) {
        ADD_FAILURE() << "AUCTION_SCRIPTS_DIR is not set";
        return {};
    }
    std::ifstream in(std::string(scripts) + "/../docs/openapi.json", std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(ApiDocs, OpenApiJsonIsTheRepositoryDocumentAsIs) {
    HttpClient client(ApiServer::Shared().port());
    const auto res = client.Get("/openapi.json");
    ASSERT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(res.Header("content-type"), "application/json");
    EXPECT_EQ(res.Header("cache-control"), "no-cache");
    EXPECT_FALSE(res.Header("etag").empty());
    const auto source = SourceDocument();
    ASSERT_FALSE(source.empty());
    EXPECT_TRUE(res.body == source) << "the served document differs from docs/openapi.json (rebuild?)";
    const auto doc = boost::json::parse(res.body).as_object();
    const std::string version(doc.at("openapi").as_string());
    EXPECT_EQ(version.rfind("3.1.", 0), 0U) << version;
}

TEST(ApiDocs, EveryRouteOfTheRouterIsDocumented) {
    HttpClient client(ApiServer::Shared().port());
    const auto doc = boost::json::parse(client.Get("/openapi.json").body).as_object();
    const auto& paths = doc.at("paths").as_object();
    for (const auto& [method, path] : RouterRoutes()) {
        const auto* item = paths.if_contains(path);
        ASSERT_NE(item, nullptr) << path << " is routed but not in docs/openapi.json paths";
        EXPECT_TRUE(item->as_object().contains(method)) << method << " " << path << " is routed but not documented";
    }
}

TEST(ApiDocs, EveryDocumentedOperationIsRouted) {
    const auto routes = RouterRoutes();
    const std::set<std::pair<std::string, std::string>> routed(routes.begin(), routes.end());
    HttpClient client(ApiServer::Shared().port());
    const auto doc = boost::json::parse(client.Get("/openapi.json").body).as_object();
    int operations = 0;
    for (const auto& [path, item] : doc.at("paths").as_object()) {
        for (const char* method : {"get", "put", "post", "delete", "patch", "head", "options", "trace"}) {
            if (!item.as_object().contains(method)) {
                continue;
            }
            ++operations;
            EXPECT_TRUE(routed.count({method, std::string(path)}) == 1)
                << method << " " << path << " is documented but not in the route table";
            // The real router takes it too: not a 405, not the router's own 404. Writes go without X-User-ID,
            // so they stop at 401 and change nothing.
            std::string target(path);
            for (std::size_t open = target.find('{'); open != std::string::npos; open = target.find('{')) {
                const auto close = target.find('}', open);
                const auto name = target.substr(open + 1, close - open - 1);
                target.replace(open, close - open + 1, name == "asset" ? "swagger-ui.css" : ids::NewUuidV4());
            }
            std::string verb(method);
            for (auto& c : verb) {
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            }
            const auto res = client.Request(verb, target);
            EXPECT_NE(res.status, 405) << method << " " << target;
            EXPECT_EQ(res.body.find("no route matches"), std::string::npos)
                << method << " " << target << ": " << res.body;
        }
    }
    EXPECT_EQ(operations, static_cast<int>(routes.size()));
}

TEST(ApiDocs, DocsPageIsSwaggerUiWithItsAssetsServedByTheApi) {
    HttpClient client(ApiServer::Shared().port());
    const auto page = client.Get("/docs");
    ASSERT_EQ(page.status, 200) << page.body;
    EXPECT_EQ(page.Header("content-type"), "text/html; charset=utf-8");
    EXPECT_EQ(page.Header("cache-control"), "no-cache");
    EXPECT_NE(page.Header("content-security-policy").find("script-src 'self'"), std::string::npos);
    EXPECT_EQ(page.Header("x-content-type-options"), "nosniff");
    EXPECT_NE(page.body.find("<html"), std::string::npos);
    EXPECT_EQ(client.Get("/docs/").body, page.body);

    const std::vector<std::pair<std::string, std::string>> assets = {
        {"swagger-ui-bundle.js", "text/javascript; charset=utf-8"},
        {"swagger-ui.css", "text/css; charset=utf-8"},
        {"swagger-initializer.js", "text/javascript; charset=utf-8"},
        {"favicon-32x32.png", "image/png"},
    };
    for (const auto& [name, type] : assets) {
        EXPECT_NE(page.body.find("/docs/" + name), std::string::npos) << "the page does not load " << name;
        const auto res = client.Get("/docs/" + name);
        ASSERT_EQ(res.status, 200) << name;
        EXPECT_EQ(res.Header("content-type"), type) << name;
        EXPECT_EQ(res.Header("cache-control"), "public, max-age=86400") << name;
        EXPECT_FALSE(res.Header("etag").empty()) << name;
        EXPECT_FALSE(res.body.empty()) << name;
    }
    EXPECT_GT(client.Get("/docs/swagger-ui-bundle.js").body.size(), 500000U);
    EXPECT_NE(client.Get("/docs/swagger-initializer.js").body.find("url: '/openapi.json'"), std::string::npos);
}

TEST(ApiDocs, ConditionalGetAnswers304WithoutBody) {
    HttpClient client(ApiServer::Shared().port());
    for (const char* target : {"/openapi.json", "/docs", "/docs/swagger-ui.css"}) {
        const auto first = client.Get(target);
        const auto etag = first.Header("etag");
        ASSERT_FALSE(etag.empty()) << target;
        const auto again = client.Get(target, {{"If-None-Match", "\"other\", " + etag}});
        EXPECT_EQ(again.status, 304) << target;
        EXPECT_TRUE(again.body.empty()) << target;
        EXPECT_EQ(again.Header("etag"), etag) << target;
        const auto changed = client.Get(target, {{"If-None-Match", "\"other\""}});
        EXPECT_EQ(changed.status, 200) << target;
        EXPECT_EQ(changed.body, first.body) << target;
    }
}

TEST(ApiDocs, UnknownAssetsAreProblems) {
    HttpClient client(ApiServer::Shared().port());
    ExpectProblem(client.Get("/docs/missing.js"), 404);
    // The document and the page have their own routes, not /docs/<name>.
    ExpectProblem(client.Get("/docs/openapi.json"), 404);
    ExpectProblem(client.Get("/docs/index.html"), 404);
    ExpectProblem(client.Get("/docs/a/b"), 404);
    const auto post = client.Request("POST", "/docs", "x", {{"Content-Type", "text/plain"}});
    ExpectProblem(post, 405);
    EXPECT_EQ(post.Header("allow"), "GET");
}

}  // namespace
}  // namespace auction::testing
