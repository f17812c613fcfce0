#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "domain/item.hpp"
#include "domain/item_comment.hpp"
#include "ports/repositories.hpp"

namespace auction::app {

/// The list a cursor pages through.
enum class CursorList : std::uint8_t { kItems = 1, kComments = 2 };

/// What a list cursor holds: the last row of the page it came with (sort key value and id), and what the list
/// was (which list, its sort, a digest of its filters), so that it is refused on any other list.
///
/// The cursor is opaque to clients: base64url (no padding) of 35 bytes, integers big-endian:
///
///   0  version (1)    1  list (CursorList)    2  sort: 0 createdAt, 1 endDate, 2 currentPrice, +0x80 descending
///   3  scope: 8 bytes, FNV-1a 64 of the item list's filters, or of the item id for comments
///   11 key: 8 bytes, signed, the sort value (microseconds since the epoch, or cents)
///   19 id: the 16 bytes of the row's UUID
///
/// Decoding is strict: one spelling per record (canonical base64url, exact length, known values only), keys
/// within what the columns hold (years 1 to 9999, cents 0 to 10^18 - 1), so a decoded position always makes a
/// valid statement. The scope is a digest, not a signature: a client can forge a cursor, but it can only name a
/// position in a list it may read anyway.
struct CursorRecord {
    CursorList list = CursorList::kItems;
    std::uint8_t sort = 0;
    std::uint64_t scope = 0;
    ports::ListPosition position;  // id: canonical lower-case UUID text

    friend bool operator==(const CursorRecord&, const CursorRecord&) = default;
};

/// Bytes of a decoded cursor record, and characters of its text.
inline constexpr std::size_t kCursorRecordBytes = 35;
inline constexpr std::size_t kCursorTextLength = 47;

/// The cursor text of a record. The position's id must be a UUID (an id the database returned).
std::string EncodeCursor(const CursorRecord& record);
/// The record of a cursor text, or nullopt when it is not one this API could have written.
std::optional<CursorRecord> DecodeCursor(std::string_view text);

/// Why a cursor was refused (a 400 naming `cursor`).
enum class CursorError { kMalformed, kOtherList, kOtherSort, kOtherFilters };
/// The public message for a refused cursor.
const char* CursorErrorMessage(CursorError error) noexcept;

/// The sort byte and scope digest of an item list (filters normalised: the same list gives the same values
/// whichever spelling the query used).
std::uint8_t ItemSortCode(const ports::ItemQuery& query) noexcept;
std::uint64_t ItemScope(const ports::ItemQuery& query);
std::uint64_t CommentScope(std::string_view item_id);

/// The cursor of the page after `last` in the item list `query`.
std::string ItemCursor(const ports::ItemQuery& query, const domain::Item& last);
/// The cursor of the page after `last` among the comments of `item_id`.
std::string CommentCursor(std::string_view item_id, const domain::ItemComment& last);

/// The position a cursor names, when it was made for this item list (same filters and sort).
std::variant<ports::ListPosition, CursorError> ItemCursorPosition(std::string_view text, const ports::ItemQuery& query);
/// The position a cursor names, when it was made for the comments of this item.
std::variant<ports::ListPosition, CursorError> CommentCursorPosition(std::string_view text, std::string_view item_id);

}  // namespace auction::app
