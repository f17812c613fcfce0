#include "app/docs_handler.hpp"

#include <boost/beast/http/field.hpp>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "pkg/etag/entity_tag.hpp"

namespace auction::app {

namespace http = boost::beast::http;

namespace {

// The page and the document change with every deployment and are small: always revalidate (cheap with the
// ETag). The assets are large and only change with the pinned Swagger UI version: a day is enough.
constexpr std::string_view kRevalidate = "no-cache";
constexpr std::string_view kAssetCaching = "public, max-age=86400";
// Swagger UI needs inline styles and data: images; scripts only from this origin (the initializer is a file).
constexpr std::string_view kPagePolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

struct ServedFile {
    const EmbeddedFile* file = nullptr;
    std::string etag;
};

// A strong validator from the bytes (64-bit FNV-1a): the files are fixed for the life of the binary.
std::string ETagOf(std::string_view bytes) {
    std::uint64_t hash = 14695981039346656037ULL;
    for (const unsigned char c : bytes) {
        hash ^= c;
        hash *= 1099511628211ULL;
    }
    char text[24];
    std::snprintf(text, sizeof text, "\"%016llx\"", static_cast<unsigned long long>(hash));
    return text;
}

const std::vector<ServedFile>& Files() {
    static const std::vector<ServedFile> kFiles = [] {
        std::vector<ServedFile> files;
        for (const auto& file : EmbeddedApiDocs()) {
            files.push_back(ServedFile{&file, ETagOf(file.body)});
        }
        return files;
    }();
    return kFiles;
}

const ServedFile* Find(std::string_view name) {
    for (const auto& served : Files()) {
        if (served.file->name == name) {
            return &served;
        }
    }
    return nullptr;
}

// Whether If-None-Match names the current version (a list of entity tags, or "*"), with the weak comparison
// RFC 9110 wants for it. A malformed value is ignored: the file is served.
bool NotModified(const RequestContext& ctx, std::string_view etag) {
    auto it = ctx.request.find(http::field::if_none_match);
    if (it == ctx.request.end()) {
        return false;
    }
    const auto condition = etag::ParseCondition(it->value());
    return condition && etag::MatchesWeak(*condition, etag);
}

Response Serve(const RequestContext& ctx, const ServedFile& served, std::string_view cache_control) {
    const bool not_modified = NotModified(ctx, served.etag);
    Response res{not_modified ? http::status::not_modified : http::status::ok, ctx.request.version()};
    res.set(http::field::etag, served.etag);
    res.set(http::field::cache_control, cache_control);
    res.set("X-Content-Type-Options", "nosniff");
    if (!not_modified) {
        res.set(http::field::content_type, served.file->content_type);
        res.body() = std::string(served.file->body);
    }
    return res;
}

const ServedFile& Required(std::string_view name) {
    const auto* served = Find(name);
    if (served == nullptr) {
        // The build embeds these; their absence is a broken build, not a client error.
        throw std::logic_error("embedded API docs lack " + std::string(name));
    }
    return *served;
}

}  // namespace

boost::asio::awaitable<Response> GetOpenApiHandler(Services&, RequestContext& ctx) {
    co_return Serve(ctx, Required("openapi.json"), kRevalidate);
}

boost::asio::awaitable<Response> GetDocsPageHandler(Services&, RequestContext& ctx) {
    auto res = Serve(ctx, Required("index.html"), kRevalidate);
    res.set("Content-Security-Policy", kPagePolicy);
    co_return res;
}

boost::asio::awaitable<Response> GetDocsAssetHandler(Services& s, RequestContext& ctx) {
    const auto& name = ctx.PathParam("asset");
    if (name.empty()) {
        // "/docs/" (the router sees an empty last segment): the page, as a reader typing it expects.
        co_return co_await GetDocsPageHandler(s, ctx);
    }
    const auto* served = Find(name);
    // The document and the page have routes of their own; /docs/<name> is only for what the page loads.
    if (served == nullptr || name == "openapi.json" || name == "index.html") {
        throw errors::Error(errors::Kind::kNotFound, "the docs have no asset " + name);
    }
    co_return Serve(ctx, *served, kAssetCaching);
}

}  // namespace auction::app
