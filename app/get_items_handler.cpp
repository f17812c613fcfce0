#include "app/handlers.hpp"
#include "domain/text.hpp"
#include "pkg/encoding/encoding.hpp"
#include "pkg/ids/uuid.hpp"

namespace auction::app {

namespace {

constexpr std::size_t kMaxTextLength = 200;

ItemQuery ParseQuery(const RequestContext& ctx, domain::FieldErrors& errors) {
    ItemQuery q;
    if (auto status = ctx.Query("status")) {
        q.status = domain::ParseItemStatus(*status);
        if (!q.status) {
            errors.push_back({"status", "must be one of active, sold, expired, cancelled"});
        }
    }
    if (auto seller = ctx.Query("sellerId")) {
        if (!domain::IsValidUserId(*seller)) {
            errors.push_back({"sellerId", "must be 1 to 128 printable characters without spaces"});
        } else {
            q.seller_id = *seller;
        }
    }
    if (auto category = ctx.Query("categoryId")) {
        if (!ids::IsUuid(*category)) {
            errors.push_back({"categoryId", "must be a category id (UUID)"});
        } else {
            q.category_id = *category;
        }
    }
    auto price = [&](const char* name, std::optional<domain::Money>& out) {
        if (auto v = ctx.Query(name)) {
            out = domain::ParseMoney(*v);
            if (!out) {
                errors.push_back({name, "must be a decimal amount such as \"100.00\""});
            }
        }
    };
    price("minPrice", q.min_price);
    price("maxPrice", q.max_price);
    if (q.min_price && q.max_price && *q.min_price > *q.max_price) {
        errors.push_back({"maxPrice", "must not be below minPrice"});
    }
    if (auto text = ctx.Query("q")) {
        if (text->empty() || domain::Utf8Length(*text) > kMaxTextLength) {
            errors.push_back({"q", "must be 1 to 200 characters"});
        } else if (!encoding::IsValidUtf8(*text) || !domain::IsPrintableText(*text)) {
            // Percent-decoding can yield any bytes: PostgreSQL refuses invalid UTF-8 (a 500) and libpq would
            // cut the search text at a NUL.
            errors.push_back({"q", "must be UTF-8 text without control characters"});
        } else {
            q.text = *text;
        }
    }
    if (auto sort = ctx.Query("sort")) {
        std::string_view key = *sort;
        q.descending = !key.empty() && key.front() == '-';
        if (q.descending) {
            key.remove_prefix(1);
        }
        if (key == "createdAt") {
            q.sort = ItemSort::kCreatedAt;
        } else if (key == "endDate") {
            q.sort = ItemSort::kEndDate;
        } else if (key == "currentPrice") {
            q.sort = ItemSort::kCurrentPrice;
        } else {
            errors.push_back({"sort", "must be createdAt, endDate or currentPrice, optionally prefixed with -"});
        }
    }
    return q;
}

}  // namespace

// GET /api/v1/items: paginated by page or by cursor, filtered, sorted (newest first by default).
boost::asio::awaitable<Response> GetItemsHandler(Services& s, RequestContext& ctx) {
    domain::FieldErrors errors;
    const auto paging = ParsePaging(ctx, errors);
    auto query = ParseQuery(ctx, errors);
    ThrowIfInvalid(errors);
    // A cursor is checked against the request's filters and sort, so those are parsed first.
    query.paging =
        paging.cursor
            ? KeysetPaging(paging, [&query](std::string_view cursor) { return ItemCursorPosition(cursor, query); })
            : OffsetPaging(paging);
    ItemQuery request = query;
    auto result = co_await s.items.List(std::move(request));
    auto items = JsonArrayOf(result.items);
    std::optional<std::string> next_cursor;
    if (result.more && !result.items.empty()) {
        next_cursor = ItemCursor(query, result.items.back());
    }
    boost::json::object body{{"items", std::move(items)}};
    AddPagingMembers(body, query.paging, result.total, std::move(next_cursor));
    co_return JsonResponse(ctx, 200, body);
}

}  // namespace auction::app
