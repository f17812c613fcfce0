#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "app/idempotency.hpp"
#include "app/item_cache.hpp"
#include "app/list_cursor.hpp"
#include "app/router.hpp"
#include "domain/validation.hpp"
#include "pkg/aws/s3_client.hpp"
#include "pkg/events/events.hpp"
#include "ports/repositories.hpp"

namespace auction::app {

// The repository ports the handlers call (ports/repositories.hpp; infra/postgres implements them).
using ports::AttributeRepository;
using ports::CategoryRepository;
using ports::ChildDeleteResult;
using ports::CommentPage;
using ports::CommentRepository;
using ports::ImageDeleteResult;
using ports::ImageRepository;
using ports::ItemPage;
using ports::ItemQuery;
using ports::ItemRepository;
using ports::ItemSort;

/// Idempotency-Key on POST (app/idempotency.hpp). Without a store the header is validated and otherwise ignored.
struct IdempotencyOptions {
    ports::IdempotencyStore* store = nullptr;
    std::chrono::milliseconds ttl{std::chrono::hours(24)};      // IDEMPOTENCY_TTL
    std::chrono::milliseconds lease{std::chrono::seconds(60)};  // how long a claim outlives a request that died
};

/// What handlers work with: repositories only, never SQL or AMQP.
struct Services {
    ItemRepository& items;
    CategoryRepository& categories;
    CommentRepository& comments;
    AttributeRepository& attributes;
    ImageRepository& images;
    aws::ObjectStorage& storage;      // image bytes (S3)
    ItemCache* item_cache = nullptr;  // GET /api/v1/items/:id answers; none in tools and fuzzers
    IdempotencyOptions idempotency = {};
};

/// One row of the route table.
struct RouteEntry {
    boost::beast::http::verb method;
    const char* pattern;
    boost::asio::awaitable<Response> (*handler)(Services&, RequestContext&);
};
/// The API's route table: every endpoint in one place (the ops endpoints are added by OpsEndpoints).
std::span<const RouteEntry> RouteTable();
/// Adds every row of RouteTable() to `router`.
void RegisterRoutes(Router& router, Services& services);

// One function per endpoint, one file per endpoint as the design lists them.
boost::asio::awaitable<Response> CreateItemHandler(Services& s, RequestContext& ctx);
boost::asio::awaitable<Response> GetItemsHandler(Services& s, RequestContext& ctx);
boost::asio::awaitable<Response> GetItemHandler(Services& s, RequestContext& ctx);
boost::asio::awaitable<Response> UpdateItemHandler(Services& s, RequestContext& ctx);
boost::asio::awaitable<Response> DeleteItemHandler(Services& s, RequestContext& ctx);
boost::asio::awaitable<Response> GetCategoriesHandler(Services& s, RequestContext& ctx);
boost::asio::awaitable<Response> GetCategoryHandler(Services& s, RequestContext& ctx);
boost::asio::awaitable<Response> GetCommentsHandler(Services& s, RequestContext& ctx);
boost::asio::awaitable<Response> CreateCommentHandler(Services& s, RequestContext& ctx);
boost::asio::awaitable<Response> DeleteCommentHandler(Services& s, RequestContext& ctx);
boost::asio::awaitable<Response> GetItemAttributesHandler(Services& s, RequestContext& ctx);
boost::asio::awaitable<Response> GetItemAttributeHandler(Services& s, RequestContext& ctx);
boost::asio::awaitable<Response> CreateItemAttributesHandler(Services& s, RequestContext& ctx);
boost::asio::awaitable<Response> DeleteItemAttributeHandler(Services& s, RequestContext& ctx);
boost::asio::awaitable<Response> GetItemImagesHandler(Services& s, RequestContext& ctx);
boost::asio::awaitable<Response> UploadItemImageHandler(Services& s, RequestContext& ctx);
boost::asio::awaitable<Response> DeleteItemImageHandler(Services& s, RequestContext& ctx);
/// The upload route's body limit: a 5 MB file plus the multipart framing (answered with the design's 400).
BodyLimit ImageUploadBodyLimit();
/// Image writes: 403 unless `user` is the item's seller, 409 unless the item is active.
void RequireImageWrite(const domain::Item& item, const std::string& user);
/// Deletes an object, logging (never throwing) when storage fails: for cleanups after the row is decided.
boost::asio::awaitable<void> DeleteObjectQuietly(aws::ObjectStorage& storage, std::string key, std::string trace_id);

// Shared helpers for handlers.

/// Parses a JSON request body: 415 unless Content-Type is application/json, 400 when malformed.
boost::json::value ParseJsonBody(const RequestContext& ctx);
/// `page` (1..100000, default 1), `limit` (1..100, default 20) and `cursor` of a list request; a bad value
/// adds a field error, as does `cursor` with `page`. The page cap bounds OFFSET work: deep pages use cursors.
/// `cursor` present (empty: the first page) means keyset paging; the handler decodes it for its own list.
struct Paging {
    int page = 1;
    int limit = 20;
    std::optional<std::string> cursor;
};
Paging ParsePaging(const RequestContext& ctx, domain::FieldErrors& errors);
/// The keyset paging of a request with `cursor`: the position `decode` (one of the *CursorPosition functions
/// of app/list_cursor.hpp, bound to the request's list) finds in it; a 400 naming `cursor` when it refuses it.
ports::ListPaging KeysetPaging(
    const Paging& paging,
    const std::function<std::variant<ports::ListPosition, CursorError>(std::string_view)>& decode);
/// The paging of a request without `cursor`.
ports::ListPaging OffsetPaging(const Paging& paging);
/// A list answer's paging members after the rows: `page`, `total`, `totalPages` with offset paging (keyset
/// paging counts nothing), then `limit` and `nextCursor` (null on the last page) always.
void AddPagingMembers(boost::json::object& body, const ports::ListPaging& paging, std::int64_t total,
                      std::optional<std::string> next_cursor);
/// 400 with the field errors, when there are any.
void ThrowIfInvalid(const domain::FieldErrors& errors);
/// A path id that must be a UUID; anything else cannot name a resource, so it is a 404.
std::string PathId(const RequestContext& ctx, std::string_view name, std::string_view resource);
/// A list answer's body, `{"<name>": [every entry as its JSON]}`, and the array alone.
template <typename T>
boost::json::array JsonArrayOf(const std::vector<T>& entries) {
    boost::json::value array = boost::json::value_from(entries);
    return std::move(array.as_array());
}
template <typename T>
boost::json::object ListBody(std::string_view name, const std::vector<T>& entries) {
    return boost::json::object{{name, JsonArrayOf(entries)}};
}
/// The 404 of every handler for a resource that does not exist: "<resource> <id> does not exist".
[[noreturn]] void ThrowNotFound(std::string_view resource, std::string_view id);
/// What every event a request causes carries of it: its trace and correlation ids.
events::EventMeta EventMetaOf(const RequestContext& ctx);
Response JsonResponse(const RequestContext& ctx, unsigned status, const boost::json::value& body);
/// The same with the JSON already serialized.
Response JsonTextResponse(const RequestContext& ctx, unsigned status, std::string json);
Response CreatedResponse(const RequestContext& ctx, const boost::json::value& body, std::string location);
Response NoContentResponse(const RequestContext& ctx);
/// 403 unless `user` is the item's seller.
void RequireSeller(const domain::Item& item, const std::string& user);

}  // namespace auction::app
