#include "app/list_cursor.hpp"

#include <cctype>
#include <stdexcept>

#include "pkg/encoding/encoding.hpp"
#include "pkg/ids/uuid.hpp"

namespace auction::app {

namespace {

constexpr std::uint8_t kVersion = 1;
constexpr std::uint8_t kDescending = 0x80;
constexpr std::uint8_t kSortMask = 0x7F;
constexpr std::uint8_t kSortCodes = 3;  // createdAt, endDate, currentPrice

// What the columns hold: timestamptz as the API reads and writes it (years 1 to 9999, timeutil's range), and
// NUMERIC(18,2) in cents.
constexpr std::int64_t kMinMicros = -62'135'596'800'000'000;  // 0001-01-01T00:00:00Z
constexpr std::int64_t kMaxMicros = 253'402'300'799'999'999;  // 9999-12-31T23:59:59.999999Z
constexpr std::int64_t kMaxCents = 999'999'999'999'999'999;   // 9999999999999999.99

constexpr std::uint8_t kCurrentPriceCode = 2;

void PutUint64(std::string& out, std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) {
        out += static_cast<char>((v >> shift) & 0xFF);
    }
}

std::uint64_t GetUint64(std::string_view in) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i) {
        v = (v << 8) | static_cast<unsigned char>(in[i]);
    }
    return v;
}

int HexValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
}

// The 16 bytes of a UUID in canonical text (either case).
std::string UuidBytes(std::string_view uuid) {
    if (!ids::IsUuid(uuid)) {
        throw std::invalid_argument("a list cursor needs the row's UUID");
    }
    std::string out;
    for (std::size_t i = 0; i < uuid.size(); ++i) {
        if (uuid[i] == '-') {
            continue;
        }
        out += static_cast<char>(HexValue(uuid[i]) * 16 + HexValue(uuid[i + 1]));
        ++i;
    }
    return out;
}

// Canonical lower-case text of 16 UUID bytes.
std::string UuidText(std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out += '-';
        }
        const auto b = static_cast<unsigned char>(bytes[i]);
        out += kDigits[b >> 4];
        out += kDigits[b & 0x0F];
    }
    return out;
}

bool KeyInRange(CursorList list, std::uint8_t sort, std::int64_t key) {
    if (list == CursorList::kItems && (sort & kSortMask) == kCurrentPriceCode) {
        return key >= 0 && key <= kMaxCents;
    }
    return key >= kMinMicros && key <= kMaxMicros;
}

bool SortValid(CursorList list, std::uint8_t sort) {
    // Comments have one order, oldest first.
    return list == CursorList::kItems ? (sort & kSortMask) < kSortCodes : sort == 0;
}

// FNV-1a, 64 bits: a digest that tells lists apart, not a signature (see CursorRecord).
class Fnv1a {
public:
    void Add(std::string_view bytes) {
        for (unsigned char c : bytes) {
            hash_ = (hash_ ^ c) * 0x100000001b3ULL;
        }
    }
    /// A tagged, length-prefixed field, so that no two field lists give the same byte string.
    void Field(char tag, std::string_view value) {
        std::string head(1, tag);
        const auto size = static_cast<std::uint32_t>(value.size());
        for (int shift = 24; shift >= 0; shift -= 8) {
            head += static_cast<char>((size >> shift) & 0xFF);
        }
        Add(head);
        Add(value);
    }
    std::uint64_t Value() const noexcept { return hash_; }

private:
    std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

std::string Lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

}  // namespace

std::string EncodeCursor(const CursorRecord& record) {
    std::string bytes;
    bytes.reserve(kCursorRecordBytes);
    bytes += static_cast<char>(kVersion);
    bytes += static_cast<char>(record.list);
    bytes += static_cast<char>(record.sort);
    PutUint64(bytes, record.scope);
    PutUint64(bytes, static_cast<std::uint64_t>(record.position.key));
    bytes += UuidBytes(record.position.id);
    return encoding::Base64UrlEncode(bytes);
}

std::optional<CursorRecord> DecodeCursor(std::string_view text) {
    if (text.size() != kCursorTextLength) {
        return std::nullopt;
    }
    const auto bytes = encoding::Base64UrlDecode(text);
    if (!bytes || bytes->size() != kCursorRecordBytes || static_cast<std::uint8_t>((*bytes)[0]) != kVersion) {
        return std::nullopt;
    }
    const auto list = static_cast<std::uint8_t>((*bytes)[1]);
    if (list != static_cast<std::uint8_t>(CursorList::kItems) &&
        list != static_cast<std::uint8_t>(CursorList::kComments)) {
        return std::nullopt;
    }
    CursorRecord record;
    record.list = static_cast<CursorList>(list);
    record.sort = static_cast<std::uint8_t>((*bytes)[2]);
    record.scope = GetUint64(std::string_view(*bytes).substr(3, 8));
    record.position.key = static_cast<std::int64_t>(GetUint64(std::string_view(*bytes).substr(11, 8)));
    if (!SortValid(record.list, record.sort) || !KeyInRange(record.list, record.sort, record.position.key)) {
        return std::nullopt;
    }
    record.position.id = UuidText(std::string_view(*bytes).substr(19, 16));
    return record;
}

const char* CursorErrorMessage(CursorError error) noexcept {
    switch (error) {
        case CursorError::kOtherList:
            return "was returned by another endpoint";
        case CursorError::kOtherSort:
            return "was returned for another sort: send the sort of the request that returned it";
        case CursorError::kOtherFilters:
            return "was returned for other filters or another item: send the filters of the request that returned it";
        case CursorError::kMalformed:
            break;
    }
    return "must be a nextCursor value as this list returned it";
}

std::uint8_t ItemSortCode(const ports::ItemQuery& query) noexcept {
    std::uint8_t code = 0;
    switch (query.sort) {
        case ports::ItemSort::kCreatedAt:
            code = 0;
            break;
        case ports::ItemSort::kEndDate:
            code = 1;
            break;
        case ports::ItemSort::kCurrentPrice:
            code = kCurrentPriceCode;
            break;
    }
    return query.descending ? static_cast<std::uint8_t>(code | kDescending) : code;
}

std::uint64_t ItemScope(const ports::ItemQuery& query) {
    Fnv1a digest;
    digest.Add("items/1");
    if (query.status) {
        digest.Field('s', domain::ToString(*query.status));
    }
    if (query.seller_id) {
        digest.Field('u', *query.seller_id);
    }
    if (query.category_id) {
        digest.Field('c', Lower(*query.category_id));
    }
    if (query.min_price) {
        digest.Field('n', std::to_string(query.min_price->cents));
    }
    if (query.max_price) {
        digest.Field('x', std::to_string(query.max_price->cents));
    }
    if (query.text) {
        digest.Field('q', *query.text);
    }
    return digest.Value();
}

std::uint64_t CommentScope(std::string_view item_id) {
    Fnv1a digest;
    digest.Add("comments/1");
    digest.Field('i', Lower(item_id));
    return digest.Value();
}

std::string ItemCursor(const ports::ItemQuery& query, const domain::Item& last) {
    CursorRecord record;
    record.list = CursorList::kItems;
    record.sort = ItemSortCode(query);
    record.scope = ItemScope(query);
    switch (query.sort) {
        case ports::ItemSort::kCreatedAt:
            record.position.key = last.created_at;
            break;
        case ports::ItemSort::kEndDate:
            record.position.key = last.end_date;
            break;
        case ports::ItemSort::kCurrentPrice:
            record.position.key = last.current_price.cents;
            break;
    }
    record.position.id = last.id;
    return EncodeCursor(record);
}

std::string CommentCursor(std::string_view item_id, const domain::ItemComment& last) {
    CursorRecord record;
    record.list = CursorList::kComments;
    record.scope = CommentScope(item_id);
    record.position = {last.created_at, last.id};
    return EncodeCursor(record);
}

std::variant<ports::ListPosition, CursorError> ItemCursorPosition(std::string_view text,
                                                                  const ports::ItemQuery& query) {
    auto record = DecodeCursor(text);
    if (!record) {
        return CursorError::kMalformed;
    }
    if (record->list != CursorList::kItems) {
        return CursorError::kOtherList;
    }
    if (record->sort != ItemSortCode(query)) {
        return CursorError::kOtherSort;
    }
    if (record->scope != ItemScope(query)) {
        return CursorError::kOtherFilters;
    }
    return std::move(record->position);
}

std::variant<ports::ListPosition, CursorError> CommentCursorPosition(std::string_view text, std::string_view item_id) {
    auto record = DecodeCursor(text);
    if (!record) {
        return CursorError::kMalformed;
    }
    if (record->list != CursorList::kComments) {
        return CursorError::kOtherList;
    }
    if (record->scope != CommentScope(item_id)) {
        return CursorError::kOtherFilters;
    }
    return std::move(record->position);
}

}  // namespace auction::app
