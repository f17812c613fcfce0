#include "app/docs_handler.hpp"
#include "app/handlers.hpp"

namespace auction::app {

namespace {

using boost::beast::http::verb;

// The whole API on one screen. docs/openapi.json documents every row (tests/integration/api_docs_test.cpp
// holds the two against each other).
constexpr RouteEntry kRoutes[] = {
    {verb::get, "/api/v1/items", GetItemsHandler},
    {verb::post, "/api/v1/items", CreateItemHandler},
    {verb::get, "/api/v1/items/:id", GetItemHandler},
    {verb::put, "/api/v1/items/:id", UpdateItemHandler},
    {verb::delete_, "/api/v1/items/:id", DeleteItemHandler},
    {verb::get, "/api/v1/items/:id/comments", GetCommentsHandler},
    {verb::post, "/api/v1/items/:id/comments", CreateCommentHandler},
    {verb::delete_, "/api/v1/items/:itemId/comments/:commentId", DeleteCommentHandler},
    {verb::get, "/api/v1/items/:itemId/attributes", GetItemAttributesHandler},
    {verb::post, "/api/v1/items/:itemId/attributes", CreateItemAttributesHandler},
    {verb::get, "/api/v1/items/:itemId/attributes/:attributeId", GetItemAttributeHandler},
    {verb::delete_, "/api/v1/items/:itemId/attributes/:attributeId", DeleteItemAttributeHandler},
    {verb::get, "/api/v1/items/:id/images", GetItemImagesHandler},
    {verb::post, "/api/v1/items/:id/images", UploadItemImageHandler},
    {verb::delete_, "/api/v1/items/:itemId/images/:imageId", DeleteItemImageHandler},
    {verb::get, "/api/v1/categories", GetCategoriesHandler},
    {verb::get, "/api/v1/categories/:id", GetCategoryHandler},
    // The API's own documentation, embedded at build time (cmake/EmbedApiDocs.cmake).
    {verb::get, "/openapi.json", GetOpenApiHandler},
    {verb::get, "/docs", GetDocsPageHandler},
    {verb::get, "/docs/:asset", GetDocsAssetHandler},
};

}  // namespace

std::span<const RouteEntry> RouteTable() {
    return kRoutes;
}

void RegisterRoutes(Router& router, Services& services) {
    for (const auto& r : kRoutes) {
        router.Add(r.method, r.pattern, [&services, h = r.handler](RequestContext& ctx) { return h(services, ctx); });
    }
    // Only image uploads may exceed the server's default body limit; beyond theirs the design answers 400.
    router.SetBodyLimit(verb::post, "/api/v1/items/:id/images", ImageUploadBodyLimit());
}

}  // namespace auction::app
