// libFuzzer target for the list cursors (app/list_cursor.hpp), the one hand-written binary decoder a client
// feeds directly: `cursor` of GET /api/v1/items and GET /api/v1/items/:id/comments. Built and run by
// scripts/fuzz.sh; seeds in tests/fuzz/corpus/list_cursor/, dictionary list_cursor.dict.
//
// Input layout: the first byte picks what the rest is. Even: the cursor text as a client sends it. Odd: the
// bytes of a record, sent base64url-encoded, so that the fuzzer reaches the record's fields without having to
// learn base64 first.
//
// Checked beyond memory safety and "never throws":
// - a decoded cursor has one spelling: it re-encodes to the very text it came from (47 characters);
// - what it decodes to makes a valid statement: a time key formats as RFC 3339 and parses back to itself, a
//   price key is 0 to 9999999999999999.99, the id is a canonical lower-case UUID;
// - a list takes a cursor only when the record's list, sort and filter digest are its own;
// - through the real router and handlers (over the in-memory repositories of fake_services.hpp), both lists
//   answer 200 exactly when the list takes the cursor (an empty cursor is the first page) and 400 naming
//   `cursor` otherwise, never a 500; a 200 passes the decoded position to the repository and carries no
//   count, and its nextCursor is taken again by the same list.
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "app/list_cursor.hpp"
#include "pkg/encoding/encoding.hpp"
#include "pkg/ids/uuid.hpp"
#include "pkg/timeutil/rfc3339.hpp"
#include "tests/fuzz/fake_services.hpp"

namespace {

namespace http = boost::beast::http;
using auction::fuzz::Check;
using auction::fuzz::CheckResponse;
using auction::fuzz::TheWorld;
namespace app = auction::app;
namespace ports = auction::ports;

// Every byte but unreserved ones percent-encoded, so the router decodes exactly the input.
std::string PercentEncode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_') {
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

void CheckDecoded(std::string_view text, const app::CursorRecord& record) {
    Check(text.size() == app::kCursorTextLength);
    Check(app::EncodeCursor(record) == text);
    Check(auction::ids::IsUuid(record.position.id));
    for (char c : record.position.id) {
        Check(!(c >= 'A' && c <= 'F'));
    }
    const bool price = record.list == app::CursorList::kItems && (record.sort & 0x7F) == 2;
    if (price) {
        Check(record.position.key >= 0 && record.position.key <= 999'999'999'999'999'999);
        Check(auction::domain::FormatMoney(auction::domain::Money{record.position.key}).size() <= 19);
    } else {
        const auto text_time = auction::timeutil::FormatRfc3339(record.position.key);
        Check(auction::timeutil::ParseRfc3339(text_time) == record.position.key);
    }
    if (record.list == app::CursorList::kComments) {
        Check(record.sort == 0);
    } else {
        Check((record.sort & 0x7F) <= 2);  // a sort key, and the descending bit
    }
}

// The default item list (no filters, -createdAt), as GET /api/v1/items?cursor=... asks for it.
ports::ItemQuery DefaultItems() {
    return ports::ItemQuery{};
}

void CheckLists(std::string_view text, const std::optional<app::CursorRecord>& record) {
    const auto items = app::ItemCursorPosition(text, DefaultItems());
    const auto comments = app::CommentCursorPosition(text, auction::fuzz::kItemId);
    const auto* item_position = std::get_if<ports::ListPosition>(&items);
    const auto* comment_position = std::get_if<ports::ListPosition>(&comments);
    Check(!item_position || !comment_position);  // never both lists
    if (!record) {
        Check(!item_position && !comment_position);
        Check(std::get<app::CursorError>(items) == app::CursorError::kMalformed);
        return;
    }
    Check((item_position != nullptr) ==
          (record->list == app::CursorList::kItems && record->sort == app::ItemSortCode(DefaultItems()) &&
           record->scope == app::ItemScope(DefaultItems())));
    Check((comment_position != nullptr) ==
          (record->list == app::CursorList::kComments && record->scope == app::CommentScope(auction::fuzz::kItemId)));
    Check(!item_position || *item_position == record->position);
    Check(!comment_position || *comment_position == record->position);
}

void CheckHttp(std::string_view text) {
    auto& world = TheWorld();
    const auto cursor = PercentEncode(text);
    // The item list with its default filters and sort.
    {
        const auto res = Get("/api/v1/items?cursor=" + cursor);
        const auto body = CheckResponse(res);
        const auto verdict = app::ItemCursorPosition(text, DefaultItems());
        const bool takes = text.empty() || std::holds_alternative<ports::ListPosition>(verdict);
        Check(res.result_int() == (takes ? 200u : 400u));
        if (!takes) {
            Check(body.at("errors").at(0).at("field").as_string() == "cursor");
            Check(!world.items.last_query.has_value());  // a refused cursor never reaches the store
            return;
        }
        const auto& q = *world.items.last_query;
        Check(q.paging.keyset);
        Check(text.empty() ? !q.paging.after : q.paging.after == std::get<ports::ListPosition>(verdict));
        const auto& object = body.as_object();
        Check(!object.contains("page") && !object.contains("total") && !object.contains("totalPages"));
        const auto& next = object.at("nextCursor").as_string();
        Check(std::holds_alternative<ports::ListPosition>(
            app::ItemCursorPosition(std::string_view(next.data(), next.size()), DefaultItems())));
    }
    // The comments of the fixture item.
    {
        const auto res = Get("/api/v1/items/" + std::string(auction::fuzz::kItemId) + "/comments?cursor=" + cursor);
        const auto body = CheckResponse(res);
        const auto verdict = app::CommentCursorPosition(text, auction::fuzz::kItemId);
        const bool takes = text.empty() || std::holds_alternative<ports::ListPosition>(verdict);
        Check(res.result_int() == (takes ? 200u : 400u));
        if (!takes) {
            Check(body.at("errors").at(0).at("field").as_string() == "cursor");
            Check(!world.comments.last_paging.has_value());
            return;
        }
        const auto& paging = *world.comments.last_paging;
        Check(paging.keyset);
        Check(text.empty() ? !paging.after : paging.after == std::get<ports::ListPosition>(verdict));
        const auto& next = body.at("nextCursor").as_string();
        Check(std::holds_alternative<ports::ListPosition>(
            app::CommentCursorPosition(std::string_view(next.data(), next.size()), auction::fuzz::kItemId)));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    const std::string text = (data[0] & 1) != 0 ? auction::encoding::Base64UrlEncode(rest) : std::string(rest);
    const auto record = app::DecodeCursor(text);
    if (record) {
        CheckDecoded(text, *record);
    }
    CheckLists(text, record);
    CheckHttp(text);
    return 0;
}
