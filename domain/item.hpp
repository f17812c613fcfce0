#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/money.hpp"
#include "domain/validation.hpp"
#include "pkg/timeutil/rfc3339.hpp"

namespace auction::domain {

enum class ItemStatus { kActive, kSold, kExpired, kCancelled };

std::string_view ToString(ItemStatus status) noexcept;
std::optional<ItemStatus> ParseItemStatus(std::string_view text) noexcept;

/// The auctioned item. Prices only move through bids (the worker); a client never sets them directly.
struct Item {
    std::string id;
    std::string name;
    std::string description;
    std::string seller_id;
    std::string currency_code;
    Money start_price;
    Money current_price;
    Money bid_increment;
    timeutil::Micros start_date = 0;
    timeutil::Micros end_date = 0;
    ItemStatus status = ItemStatus::kActive;
    std::optional<std::string> buyer_id;
    std::vector<std::string> category_ids;
    timeutil::Micros created_at = 0;
    timeutil::Micros updated_at = 0;
    /// Bumped by every change to the item, whoever makes it (a database trigger); not part of the item's JSON.
    /// Caches key on it.
    std::int64_t version = 1;
    /// Bids applied to the item (in its window, above the price of the moment), counted by the worker; not part of
    /// the item's JSON. With bids, the start date is fixed, the end cannot move earlier, and an ended item awaits
    /// bid.won instead of expiring.
    std::int64_t bid_count = 0;
};

/// What a client may send to create an item (POST /api/v1/items).
struct ItemDraft {
    std::string name;
    std::string description;
    std::string currency_code;
    Money start_price;
    Money bid_increment;
    timeutil::Micros start_date = 0;
    timeutil::Micros end_date = 0;
    std::vector<std::string> category_ids;
};

/// What a client may change (PUT /api/v1/items/:id): every field optional, present ones replace.
struct ItemPatch {
    std::optional<std::string> name;
    std::optional<std::string> description;
    std::optional<std::string> currency_code;
    std::optional<Money> start_price;
    std::optional<Money> bid_increment;
    std::optional<timeutil::Micros> start_date;
    std::optional<timeutil::Micros> end_date;
    std::optional<ItemStatus> status;
    std::optional<std::vector<std::string>> category_ids;
};

inline constexpr std::size_t kMaxCategoriesPerItem = 20;
inline constexpr std::size_t kMaxItemNameLength = 200;  // code points
inline constexpr std::size_t kMaxItemDescriptionLength = 10000;

/// The cross-field rule: endDate after startDate; adds the field error when it is not.
bool CheckItemDates(timeutil::Micros start, timeutil::Micros end, FieldErrors& errors);

/// A new item from a validated draft: current price starts at the start price, status active.
Item NewItem(const ItemDraft& draft, std::string id, std::string seller_id);

/// The lifecycle rule for a client's dates: an end date not after `now` is refused (the field error), on create
/// and on update.
bool CheckEndInFuture(timeutil::Micros end, timeutil::Micros now, FieldErrors& errors);

/// Why an update is refused given the item's state at `now` (the database's clock); nullopt when it may proceed:
/// only an active item whose auction has not ended may change, and once it has bids its start date is fixed and
/// its end date may only move later (and its start price and currency are fixed).
std::optional<std::string> UpdateConflict(const Item& item, const ItemPatch& patch, timeutil::Micros now);
/// Why a delete is refused given the item's state; nullopt when it may proceed.
std::optional<std::string> DeleteConflict(const Item& item);
/// Applies a patch and re-checks the cross-field rules (endDate after startDate); errors on failure.
bool ApplyPatch(Item& item, const ItemPatch& patch, FieldErrors& errors);

/// The public JSON shape of an item (camelCase, money as strings, RFC 3339 UTC times).
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& out, const Item& item);

}  // namespace auction::domain
