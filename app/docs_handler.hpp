#pragma once

#include <span>
#include <string_view>

#include "app/handlers.hpp"

namespace auction::app {

/// One file embedded into the binary at build time (cmake/EmbedApiDocs.cmake).
struct EmbeddedFile {
    std::string_view name;          // "openapi.json", "index.html", "swagger-ui-bundle.js", ...
    std::string_view content_type;  // sent as is in Content-Type
    std::string_view body;
};

/// Every embedded documentation file: docs/openapi.json, the /docs page and the Swagger UI assets
/// (defined in the generated embedded_api_docs.cpp).
std::span<const EmbeddedFile> EmbeddedApiDocs();

// GET /openapi.json: the OpenAPI 3.1 document, exactly as docs/openapi.json holds it.
boost::asio::awaitable<Response> GetOpenApiHandler(Services& s, RequestContext& ctx);
// GET /docs: the Swagger UI page.
boost::asio::awaitable<Response> GetDocsPageHandler(Services& s, RequestContext& ctx);
// GET /docs/:asset: the page's scripts, stylesheet, icons and licence files; 404 for anything else.
boost::asio::awaitable<Response> GetDocsAssetHandler(Services& s, RequestContext& ctx);

}  // namespace auction::app
