// The list cursors of GET /api/v1/items and GET /api/v1/items/:id/comments (app/list_cursor.hpp): the record
// round-trips, one spelling per record, every refused input is refused without throwing, and a cursor only
// names a position in the list it was made for.
#include "app/list_cursor.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "pkg/encoding/encoding.hpp"
#include "pkg/timeutil/rfc3339.hpp"

namespace auction::app {
namespace {

constexpr const char* kId = "0190b1f2-7c3a-7d4e-8f5a-6b7c8d9e0f10";
constexpr const char* kOtherId = "0190b1f2-7c3a-7d4e-8f5a-6b7c8d9e0f11";

// The 35 bytes of a record, as the tests below spell them by hand.
std::string RecordBytes(std::uint8_t version, std::uint8_t list, std::uint8_t sort, std::uint64_t scope,
                        std::int64_t key) {
    std::string bytes;
    bytes += static_cast<char>(version);
    bytes += static_cast<char>(list);
    bytes += static_cast<char>(sort);
    for (int shift = 56; shift >= 0; shift -= 8) {
        bytes += static_cast<char>((scope >> shift) & 0xFF);
    }
    for (int shift = 56; shift >= 0; shift -= 8) {
        bytes += static_cast<char>((static_cast<std::uint64_t>(key) >> shift) & 0xFF);
    }
    bytes += std::string(16, '\x5A');
    return bytes;
}

domain::Item SampleItem() {
    domain::Item item;
    item.id = kId;
    item.created_at = *timeutil::ParseRfc3339("2024-01-15T09:58:12.520001Z");
    item.end_date = *timeutil::ParseRfc3339("2024-01-20T10:00:00Z");
    item.current_price = domain::Money{12345};
    return item;
}

ports::ItemQuery Filtered() {
    ports::ItemQuery q;
    q.status = domain::ItemStatus::kActive;
    q.seller_id = "seller-1";
    q.category_id = "c0000000-0000-4000-8000-000000000002";
    q.min_price = domain::Money{1000};
    q.max_price = domain::Money{50000};
    q.text = "camera";
    return q;
}

template <typename T>
CursorError ErrorOf(const T& verdict) {
    const auto* error = std::get_if<CursorError>(&verdict);
    return error == nullptr ? static_cast<CursorError>(-1) : *error;
}

TEST(ListCursor, RecordRoundTripsThroughItsText) {
    CursorRecord record;
    record.list = CursorList::kItems;
    record.sort = 0x82;  // -currentPrice
    record.scope = 0x0123456789ABCDEFULL;
    record.position = {999'999'999'999'999'999, kId};
    const auto text = EncodeCursor(record);
    EXPECT_EQ(text.size(), kCursorTextLength);
    EXPECT_EQ(text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
    EXPECT_EQ(DecodeCursor(text), record);

    record.list = CursorList::kComments;
    record.sort = 0;
    record.position = {-62'135'596'800'000'000, "FFFFFFFF-0000-0000-0000-00000000000A"};
    const auto decoded = DecodeCursor(EncodeCursor(record));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->position.id, "ffffffff-0000-0000-0000-00000000000a");  // canonical: lower case
}

TEST(ListCursor, TimeKeysCoverExactlyWhatTheApiReadsAndWrites) {
    const auto first = *timeutil::ParseRfc3339("0001-01-01T00:00:00Z");
    const auto last = *timeutil::ParseRfc3339("9999-12-31T23:59:59.999999Z");
    for (auto key : {first, last, std::int64_t{0}}) {
        const auto text = EncodeCursor(CursorRecord{CursorList::kItems, 0x80, 1, {key, kId}});
        ASSERT_TRUE(DecodeCursor(text).has_value()) << key;
    }
    for (auto key : {first - 1, last + 1, INT64_MIN, INT64_MAX}) {
        EXPECT_FALSE(DecodeCursor(encoding::Base64UrlEncode(RecordBytes(1, 1, 0x80, 1, key)))) << key;
        EXPECT_FALSE(DecodeCursor(encoding::Base64UrlEncode(RecordBytes(1, 2, 0, 1, key)))) << key;
    }
}

TEST(ListCursor, PriceKeysAreCentsANumeric18_2Holds) {
    EXPECT_TRUE(DecodeCursor(encoding::Base64UrlEncode(RecordBytes(1, 1, 2, 7, 0))));
    EXPECT_TRUE(DecodeCursor(encoding::Base64UrlEncode(RecordBytes(1, 1, 0x82, 7, 999'999'999'999'999'999))));
    EXPECT_FALSE(DecodeCursor(encoding::Base64UrlEncode(RecordBytes(1, 1, 2, 7, -1))));
    EXPECT_FALSE(DecodeCursor(encoding::Base64UrlEncode(RecordBytes(1, 1, 0x82, 7, 1'000'000'000'000'000'000))));
    // The same key is a time under the other sorts: far past year 9999.
    EXPECT_FALSE(DecodeCursor(encoding::Base64UrlEncode(RecordBytes(1, 1, 0, 7, 999'999'999'999'999'999))));
}

TEST(ListCursor, AnythingElseIsRefusedWithoutThrowing) {
    const auto good = RecordBytes(1, 1, 0x80, 7, 0);
    ASSERT_TRUE(DecodeCursor(encoding::Base64UrlEncode(good)));
    std::vector<std::string> bad = {
        "",
        "x",
        std::string(kCursorTextLength, '='),
        std::string(kCursorTextLength, '/'),
        encoding::Base64UrlEncode(good) + "A",                     // too long
        encoding::Base64UrlEncode(good).substr(1),                 // too short
        encoding::Base64UrlEncode(good.substr(1)),                 // a byte short
        encoding::Base64UrlEncode(RecordBytes(0, 1, 0x80, 7, 0)),  // unknown versions
        encoding::Base64UrlEncode(RecordBytes(2, 1, 0x80, 7, 0)),
        encoding::Base64UrlEncode(RecordBytes(1, 0, 0x80, 7, 0)),  // unknown lists
        encoding::Base64UrlEncode(RecordBytes(1, 3, 0x80, 7, 0)),
        encoding::Base64UrlEncode(RecordBytes(1, 1, 3, 7, 0)),  // unknown sorts
        encoding::Base64UrlEncode(RecordBytes(1, 1, 0x40, 7, 0)),
        encoding::Base64UrlEncode(RecordBytes(1, 1, 0xFF, 7, 0)),
        encoding::Base64UrlEncode(RecordBytes(1, 2, 0x80, 7, 0)),  // comments are oldest first only
        encoding::Base64UrlEncode(RecordBytes(1, 2, 1, 7, 0)),
    };
    // Another spelling of the same bytes: the last character carries 4 bits the record does not use.
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    auto respelled = encoding::Base64UrlEncode(good);
    respelled.back() = alphabet[alphabet.find(respelled.back()) ^ 1];
    bad.push_back(respelled);
    // Standard base64 and padding are not base64url.
    auto standard = encoding::Base64UrlEncode(RecordBytes(1, 1, 0x80, 0xFBFFFFFFFFFFFFFF, 0));
    ASSERT_NE(standard.find_first_of("-_"), std::string::npos);
    for (auto& c : standard) {
        c = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    bad.push_back(standard);
    for (const auto& text : bad) {
        std::optional<CursorRecord> decoded;
        EXPECT_NO_THROW(decoded = DecodeCursor(text)) << text;
        EXPECT_FALSE(decoded.has_value()) << text;
    }
}

TEST(ListCursor, AnItemCursorNamesTheLastRowByTheSortKey) {
    const auto item = SampleItem();
    ports::ItemQuery q;
    for (auto [sort, key] :
         {std::pair{ports::ItemSort::kCreatedAt, item.created_at}, std::pair{ports::ItemSort::kEndDate, item.end_date},
          std::pair{ports::ItemSort::kCurrentPrice, item.current_price.cents}}) {
        for (bool descending : {false, true}) {
            q.sort = sort;
            q.descending = descending;
            const auto verdict = ItemCursorPosition(ItemCursor(q, item), q);
            const auto* position = std::get_if<ports::ListPosition>(&verdict);
            ASSERT_NE(position, nullptr);
            EXPECT_EQ(position->key, key);
            EXPECT_EQ(position->id, kId);
        }
    }
}

TEST(ListCursor, AnItemCursorIsRefusedOnAnotherSort) {
    const auto item = SampleItem();
    ports::ItemQuery q;
    const auto cursor = ItemCursor(q, item);  // -createdAt, the default
    auto other = q;
    other.descending = false;
    EXPECT_EQ(ErrorOf(ItemCursorPosition(cursor, other)), CursorError::kOtherSort);
    other = q;
    other.sort = ports::ItemSort::kEndDate;
    EXPECT_EQ(ErrorOf(ItemCursorPosition(cursor, other)), CursorError::kOtherSort);
}

TEST(ListCursor, AnItemCursorIsRefusedOnOtherFilters) {
    const auto item = SampleItem();
    const auto q = Filtered();
    const auto cursor = ItemCursor(q, item);
    ASSERT_TRUE(std::holds_alternative<ports::ListPosition>(ItemCursorPosition(cursor, q)));
    std::vector<ports::ItemQuery> others(13, q);
    others[0].status.reset();
    others[1].status = domain::ItemStatus::kSold;
    others[2].seller_id.reset();
    others[3].seller_id = "seller-2";
    others[4].category_id.reset();
    others[5].category_id = "c0000000-0000-4000-8000-000000000003";
    others[6].min_price.reset();
    others[7].min_price = domain::Money{1001};
    others[8].max_price.reset();
    others[9].max_price = domain::Money{1000};  // the min price's value under the other name
    others[10].text.reset();
    others[11].text = "Camera";  // the search ignores case, but a cursor is for the query as sent
    others[12] = ports::ItemQuery{};
    for (std::size_t i = 0; i < others.size(); ++i) {
        EXPECT_EQ(ErrorOf(ItemCursorPosition(cursor, others[i])), CursorError::kOtherFilters) << i;
    }
}

TEST(ListCursor, TheFilterDigestSeesOneListWhateverItsSpelling) {
    auto q = Filtered();
    auto upper = q;
    upper.category_id = "C0000000-0000-4000-8000-000000000002";  // the same UUID
    EXPECT_EQ(ItemScope(q), ItemScope(upper));
    // Fields are length-prefixed: moving text from one filter to the next is another list.
    ports::ItemQuery a;
    a.seller_id = "ab";
    a.text = "c";
    ports::ItemQuery b;
    b.seller_id = "a";
    b.text = "bc";
    EXPECT_NE(ItemScope(a), ItemScope(b));
    ports::ItemQuery none;
    EXPECT_NE(ItemScope(none), ItemScope(a));
    // Paging is no part of the list: the limit may change from page to page.
    auto paged = q;
    paged.paging.limit = 100;
    paged.paging.keyset = true;
    EXPECT_EQ(ItemScope(q), ItemScope(paged));
}

TEST(ListCursor, ACommentCursorIsForOneItemsComments) {
    const domain::ItemComment last{kOtherId, kId, "author-1", "hello", 1'705'312'800'000'001};
    const auto cursor = CommentCursor(kId, last);
    const auto verdict = CommentCursorPosition(cursor, kId);
    const auto* position = std::get_if<ports::ListPosition>(&verdict);
    ASSERT_NE(position, nullptr);
    EXPECT_EQ(position->key, last.created_at);
    EXPECT_EQ(position->id, kOtherId);
    EXPECT_EQ(ErrorOf(CommentCursorPosition(cursor, kOtherId)), CursorError::kOtherFilters);
    // Neither list takes the other's cursors.
    EXPECT_EQ(ErrorOf(ItemCursorPosition(cursor, ports::ItemQuery{})), CursorError::kOtherList);
    EXPECT_EQ(ErrorOf(CommentCursorPosition(ItemCursor(ports::ItemQuery{}, SampleItem()), kId)),
              CursorError::kOtherList);
    EXPECT_EQ(ErrorOf(CommentCursorPosition("not a cursor", kId)), CursorError::kMalformed);
}

TEST(ListCursor, EveryRefusalHasAMessage) {
    for (auto error :
         {CursorError::kMalformed, CursorError::kOtherList, CursorError::kOtherSort, CursorError::kOtherFilters}) {
        EXPECT_NE(std::string(CursorErrorMessage(error)), "");
    }
}

}  // namespace
}  // namespace auction::app
