// libFuzzer target for the list endpoints' query strings: the input is a query string, sent as
// GET /api/v1/items?<input> and GET /api/v1/items/<id>/comments?<input> through the real router and
// handlers (paging: ParsePaging; filters and sort: GetItemsHandler's parser), over in-memory repositories
// that record the validated query (fake_services.hpp). Bytes a query may not hold raw are percent-encoded,
// so the fuzzer explores decoded values; '%' stays raw, so bad escapes are explored too. Built and run by
// scripts/fuzz.sh; seeds in tests/fuzz/corpus/list_query/, dictionary list_query.dict.
//
// Checked beyond memory safety: a 200 carries the repository's query, whose page (1..100000) and limit
// (1..100) equal the first page/limit parameters (default 1 and 20), whose filters are valid (status,
// sellerId, categoryId UUID, minPrice <= maxPrice, q of 1..200 characters of UTF-8 without NUL, as
// PostgreSQL and libpq need) and whose sort is one of three; with `cursor` (never with `page`) the query
// pages by keyset and the answer counts nothing; a 400 names only known parameters; the comments list
// answers the same paging with the same verdict, its cursor decoded for its own list (list_cursor_fuzz
// fuzzes the cursor decoder itself).
#include <algorithm>
#include <boost/url/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>

#include "app/list_cursor.hpp"
#include "pkg/ids/uuid.hpp"
#include "tests/fuzz/fake_services.hpp"

namespace {

namespace http = boost::beast::http;
namespace json = boost::json;
using auction::fuzz::Check;
using auction::fuzz::CheckResponse;
using auction::fuzz::TheWorld;

std::string EncodeQuery(std::string_view input) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : input) {
        const bool raw = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         std::string_view("-._~!$&'()*+,;=:@/?%").find(static_cast<char>(c)) != std::string_view::npos;
        if (raw) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        }
    }
    return out;
}

auction::middleware::Response Get(const std::string& target) {
    auction::middleware::Request request{http::verb::get, target, 11};
    request.set(http::field::host, "localhost");
    return TheWorld().Handle(std::move(request));
}

// The decoded first value of a parameter, as the router reads queries (form encoding: '+' is a space).
std::optional<std::string> First(std::string_view target, std::string_view name) {
    auto parsed = boost::urls::parse_origin_form(target);
    Check(parsed.has_value());
    for (auto param : parsed->params(boost::urls::encoding_opts(true))) {
        if (param.key == name) {
            return param.has_value ? param.value : std::string();
        }
    }
    return std::nullopt;
}

// What std::from_chars accepts for an int: optional '-', then digits (leading zeros too), nothing else.
// Values past a billion saturate: they are out of every range here anyway.
std::optional<long long> Decimal(const std::string& text) {
    const bool negative = !text.empty() && text[0] == '-';
    std::size_t i = negative ? 1 : 0;
    if (i == text.size()) {
        return std::nullopt;
    }
    long long v = 0;
    for (; i < text.size(); ++i) {
        if (text[i] < '0' || text[i] > '9') {
            return std::nullopt;
        }
        v = std::min(v * 10 + (text[i] - '0'), 1'000'000'000LL);
    }
    return negative ? -v : v;
}

// Text PostgreSQL takes as a parameter: valid UTF-8 (checked by Boost.JSON's own validator, not the
// service's) without NUL (libpq ends a parameter there).
bool StorableText(const std::string& text) {
    std::string quoted = "\"";
    for (char c : text) {
        if (c == '\0') {
            return false;
        }
        // Only the UTF-8 matters here: ASCII that JSON would need escaped is replaced.
        quoted += static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\' ? 'x' : c;
    }
    quoted += '"';
    boost::system::error_code ec;
    boost::json::parse(quoted, ec);
    return !ec;
}

// The paging the handlers must apply, or nullopt when a value is out of range or a cursor comes with a page.
std::optional<std::pair<int, int>> ExpectedPaging(std::string_view target) {
    int page = 1;
    int limit = 20;
    if (First(target, "cursor") && First(target, "page")) {
        return std::nullopt;
    }
    if (auto raw = First(target, "page")) {
        const auto v = Decimal(*raw);
        if (!v || *v < 1 || *v > 100000) {
            return std::nullopt;
        }
        page = static_cast<int>(*v);
    }
    if (auto raw = First(target, "limit")) {
        const auto v = Decimal(*raw);
        if (!v || *v < 1 || *v > 100) {
            return std::nullopt;
        }
        limit = static_cast<int>(*v);
    }
    return std::pair{page, limit};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto& world = TheWorld();
    const std::string query = EncodeQuery(std::string_view(reinterpret_cast<const char*>(data), size));
    const std::string items_target = "/api/v1/items?" + query;
    const auto res = Get(items_target);
    const auto body = CheckResponse(res);
    const unsigned status = res.result_int();
    const bool target_ok = boost::urls::parse_origin_form(items_target).has_value();
    Check(status == 200 || status == 400);
    Check(target_ok || status == 400);

    static const std::set<std::string, std::less<>> kParams = {
        "page", "limit", "status", "sellerId", "categoryId", "minPrice", "maxPrice", "q", "sort", "cursor"};
    if (status == 400 && body.get_object().contains("errors")) {
        for (const auto& e : body.at("errors").as_array()) {
            Check(kParams.count(std::string_view(e.at("field").as_string())) == 1);
        }
    }
    if (!target_ok) {
        return 0;
    }
    const auto paging = ExpectedPaging(items_target);
    if (!paging) {
        Check(status == 400);
    }
    const auto cursor = First(items_target, "cursor");
    if (status == 200) {
        Check(world.items.last_query.has_value());
        const auto& q = *world.items.last_query;
        Check(paging && q.paging.page == paging->first && q.paging.limit == paging->second);
        Check(q.paging.keyset == cursor.has_value());
        Check(q.paging.after.has_value() == (cursor && !cursor->empty()));
        Check(body.at("limit").as_int64() == q.paging.limit);
        Check(body.as_object().contains("page") == !q.paging.keyset);
        Check(q.paging.keyset || body.at("page").as_int64() == q.paging.page);
        Check(!q.seller_id || auction::domain::IsValidUserId(*q.seller_id));
        Check(!q.category_id || auction::ids::IsUuid(*q.category_id));
        Check(!q.min_price || !q.max_price || *q.min_price <= *q.max_price);
        Check(!q.min_price || q.min_price->cents >= 0);
        Check(!q.text || (!q.text->empty() && auction::domain::Utf8Length(*q.text) <= 200 && StorableText(*q.text)));
        const auto sort = First(items_target, "sort");
        Check(q.descending == (!sort || (!sort->empty() && sort->front() == '-')));
    } else {
        Check(!world.items.last_query.has_value());  // an invalid query never reaches the store
    }

    // The comments list shares the paging rules: same verdict on the same paging parameters.
    const std::string comments_target = "/api/v1/items/" + std::string(auction::fuzz::kItemId) + "/comments?" + query;
    const auto comments = Get(comments_target);
    const auto comments_body = CheckResponse(comments);
    const bool cursor_taken = !cursor || cursor->empty() ||
                              std::holds_alternative<auction::ports::ListPosition>(
                                  auction::app::CommentCursorPosition(*cursor, auction::fuzz::kItemId));
    Check(comments.result_int() == (paging && cursor_taken ? 200u : 400u));
    if (paging && cursor_taken) {
        Check(comments_body.at("limit").as_int64() == paging->second);
        Check(cursor || comments_body.at("page").as_int64() == paging->first);
    }
    return 0;
}
