#include "domain/item.hpp"

#include <boost/json.hpp>

namespace auction::domain {

namespace json = boost::json;

std::string_view ToString(ItemStatus status) noexcept {
    switch (status) {
        case ItemStatus::kActive:
            return "active";
        case ItemStatus::kSold:
            return "sold";
        case ItemStatus::kExpired:
            return "expired";
        case ItemStatus::kCancelled:
            return "cancelled";
    }
    return "active";
}

std::optional<ItemStatus> ParseItemStatus(std::string_view text) noexcept {
    if (text == "active") {
        return ItemStatus::kActive;
    }
    if (text == "sold") {
        return ItemStatus::kSold;
    }
    if (text == "expired") {
        return ItemStatus::kExpired;
    }
    if (text == "cancelled") {
        return ItemStatus::kCancelled;
    }
    return std::nullopt;
}

bool CheckItemDates(timeutil::Micros start, timeutil::Micros end, FieldErrors& errors) {
    if (end <= start) {
        errors.push_back({"endDate", "must be after startDate"});
        return false;
    }
    return true;
}

Item NewItem(const ItemDraft& draft, std::string id, std::string seller_id) {
    Item item;
    item.id = std::move(id);
    item.name = draft.name;
    item.description = draft.description;
    item.seller_id = std::move(seller_id);
    item.currency_code = draft.currency_code;
    item.start_price = draft.start_price;
    item.current_price = draft.start_price;
    item.bid_increment = draft.bid_increment;
    item.start_date = draft.start_date;
    item.end_date = draft.end_date;
    item.status = ItemStatus::kActive;
    item.category_ids = draft.category_ids;
    return item;
}

bool CheckEndInFuture(timeutil::Micros end, timeutil::Micros now, FieldErrors& errors) {
    if (end <= now) {
        errors.push_back({"endDate", "must be in the future"});
        return false;
    }
    return true;
}

std::optional<std::string> UpdateConflict(const Item& item, const ItemPatch& patch, timeutil::Micros now) {
    if (item.status != ItemStatus::kActive) {
        return "the item is " + std::string(ToString(item.status)) + " and can no longer be changed";
    }
    if (item.end_date <= now) {
        return "the auction ended at " + timeutil::FormatRfc3339(item.end_date) +
               " and the item can no longer be changed";
    }
    if (item.bid_count == 0) {
        return std::nullopt;
    }
    if ((patch.start_price && *patch.start_price != item.start_price) ||
        (patch.currency_code && *patch.currency_code != item.currency_code)) {
        return "the item has bids: its start price and currency can no longer be changed";
    }
    if (patch.start_date && *patch.start_date != item.start_date) {
        return "the item has bids: its start date can no longer be changed";
    }
    if (patch.end_date && *patch.end_date < item.end_date) {
        return "the item has bids: its end date can only move later";
    }
    return std::nullopt;
}

std::optional<std::string> DeleteConflict(const Item& item) {
    if (item.status == ItemStatus::kSold) {
        return "the item is sold and can no longer be deleted";
    }
    return std::nullopt;
}

bool ApplyPatch(Item& item, const ItemPatch& patch, FieldErrors& errors) {
    const bool had_bids = item.bid_count > 0;
    if (patch.name) {
        item.name = *patch.name;
    }
    if (patch.description) {
        item.description = *patch.description;
    }
    if (patch.currency_code) {
        item.currency_code = *patch.currency_code;
    }
    if (patch.start_price) {
        item.start_price = *patch.start_price;
        if (!had_bids) {
            item.current_price = *patch.start_price;
        }
    }
    if (patch.bid_increment) {
        item.bid_increment = *patch.bid_increment;
    }
    if (patch.start_date) {
        item.start_date = *patch.start_date;
    }
    if (patch.end_date) {
        item.end_date = *patch.end_date;
    }
    if (patch.status) {
        item.status = *patch.status;
    }
    if (patch.category_ids) {
        item.category_ids = *patch.category_ids;
    }
    return CheckItemDates(item.start_date, item.end_date, errors);
}

void tag_invoke(const json::value_from_tag&, json::value& out, const Item& item) {
    json::object o;
    o.reserve(15);
    o["id"] = item.id;
    o["name"] = item.name;
    o["description"] = item.description;
    o["sellerId"] = item.seller_id;
    o["currencyCode"] = item.currency_code;
    o["startPrice"] = FormatMoney(item.start_price);
    o["currentPrice"] = FormatMoney(item.current_price);
    o["bidIncrement"] = FormatMoney(item.bid_increment);
    o["startDate"] = timeutil::FormatRfc3339(item.start_date);
    o["endDate"] = timeutil::FormatRfc3339(item.end_date);
    o["status"] = ToString(item.status);
    if (item.buyer_id) {
        o["buyerId"] = *item.buyer_id;
    } else {
        o["buyerId"] = nullptr;
    }
    json::array categories;
    for (const auto& c : item.category_ids) {
        categories.emplace_back(c);
    }
    o["categoryIds"] = std::move(categories);
    o["createdAt"] = timeutil::FormatRfc3339(item.created_at);
    o["updatedAt"] = timeutil::FormatRfc3339(item.updated_at);
    out = std::move(o);
}

}  // namespace auction::domain
