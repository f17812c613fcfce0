#include "domain/item.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>

#include "domain/text.hpp"
#include "pkg/ids/uuid.hpp"

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

namespace {

constexpr std::size_t kMaxNameLength = 200;
constexpr std::size_t kMaxDescriptionLength = 10000;

// Fields a client can see but never set: property-level authorization.
constexpr std::array<std::string_view, 6> kReadOnlyFields = {"id",      "sellerId",  "currentPrice",
                                                             "buyerId", "createdAt", "updatedAt"};

class FieldReader {
public:
    FieldReader(const json::object& obj, FieldErrors& errors) : obj_(obj), errors_(errors) {}

    std::optional<std::string> String(std::string_view field, bool required) {
        const json::value* v = obj_.if_contains(field);
        if (v == nullptr || v->is_null()) {
            if (required) {
                Add(field, "is required");
            }
            return std::nullopt;
        }
        if (!v->is_string()) {
            Add(field, "must be a string");
            return std::nullopt;
        }
        return std::string(v->get_string());
    }

    std::optional<std::string> Name(bool required) {
        auto name = String("name", required);
        if (name) {
            const auto len = Utf8Length(*name);
            if (len < 1 || len > kMaxNameLength || IsBlank(*name)) {
                Add("name", "must be 1 to 200 characters, not only spaces");
                return std::nullopt;
            }
            if (!IsPrintableLine(*name)) {
                Add("name", "must be a single line without control characters");
                return std::nullopt;
            }
        }
        return name;
    }

    std::optional<std::string> Description() {
        auto d = String("description", false);
        if (d && Utf8Length(*d) > kMaxDescriptionLength) {
            Add("description", "must be at most 10000 characters");
            return std::nullopt;
        }
        if (d && !IsPrintableText(*d)) {
            // NUL and other control characters (PostgreSQL text cannot even hold NUL).
            Add("description", "must not contain control characters other than tab and line breaks");
            return std::nullopt;
        }
        return d;
    }

    std::optional<std::string> Currency(bool required) {
        auto c = String("currencyCode", required);
        if (c && !IsCurrencyCode(*c)) {
            Add("currencyCode", "must be an ISO 4217 currency code such as \"USD\"");
            return std::nullopt;
        }
        return c;
    }

    std::optional<Money> Amount(std::string_view field, bool required) {
        const json::value* v = obj_.if_contains(field);
        if (v != nullptr && v->is_number()) {
            Add(field, "must be a decimal string such as \"100.00\", not a number");
            return std::nullopt;
        }
        auto s = String(field, required);
        if (!s) {
            return std::nullopt;
        }
        auto m = ParseMoney(*s);
        if (!m) {
            Add(field, "must be a decimal string with at most 2 decimals, such as \"100.00\"");
            return std::nullopt;
        }
        if (m->cents <= 0) {
            Add(field, "must be greater than 0");
            return std::nullopt;
        }
        return m;
    }

    std::optional<timeutil::Micros> Time(std::string_view field, bool required) {
        auto s = String(field, required);
        if (!s) {
            return std::nullopt;
        }
        auto t = timeutil::ParseRfc3339(*s);
        if (!t) {
            Add(field, "must be an RFC 3339 timestamp such as \"2024-01-15T10:00:00Z\"");
        }
        return t;
    }

    std::optional<std::vector<std::string>> CategoryIds() {
        const json::value* v = obj_.if_contains("categoryIds");
        if (v == nullptr || v->is_null()) {
            return std::nullopt;
        }
        if (!v->is_array()) {
            Add("categoryIds", "must be an array of category ids");
            return std::nullopt;
        }
        const auto& arr = v->get_array();
        if (arr.size() > kMaxCategoriesPerItem) {
            Add("categoryIds", "must hold at most 20 categories");
            return std::nullopt;
        }
        std::vector<std::string> ids;
        for (const auto& e : arr) {
            if (!e.is_string() || !ids::IsUuid(e.get_string())) {
                Add("categoryIds", "must hold category ids (UUIDs)");
                return std::nullopt;
            }
            std::string id(e.get_string());
            std::transform(id.begin(), id.end(), id.begin(), [](unsigned char c) { return std::tolower(c); });
            if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
                ids.push_back(std::move(id));
            }
        }
        return ids;
    }

    void RejectUnknown(std::initializer_list<std::string_view> known) {
        for (const auto& kv : obj_) {
            const std::string_view key = kv.key();
            if (std::find(kReadOnlyFields.begin(), kReadOnlyFields.end(), key) != kReadOnlyFields.end()) {
                Add(key, "is read-only and cannot be set by a client");
            } else if (std::find(known.begin(), known.end(), key) == known.end()) {
                Add(key, "is not a known field");
            }
        }
    }

    void Add(std::string_view field, std::string message) {
        errors_.push_back({std::string(field), std::move(message)});
    }

private:
    const json::object& obj_;
    FieldErrors& errors_;
};

bool CheckDates(timeutil::Micros start, timeutil::Micros end, FieldErrors& errors) {
    if (end <= start) {
        errors.push_back({"endDate", "must be after startDate"});
        return false;
    }
    return true;
}

}  // namespace

std::optional<ItemDraft> DecodeItemDraft(const json::value& body, FieldErrors& errors) {
    if (!body.is_object()) {
        errors.push_back({"", "the body must be a JSON object"});
        return std::nullopt;
    }
    FieldReader r(body.get_object(), errors);
    const std::size_t before = errors.size();
    r.RejectUnknown({"name", "description", "currencyCode", "startPrice", "bidIncrement", "startDate", "endDate",
                     "status", "categoryIds"});
    ItemDraft d;
    auto name = r.Name(true);
    auto description = r.Description();
    auto currency = r.Currency(true);
    auto start_price = r.Amount("startPrice", true);
    auto increment = r.Amount("bidIncrement", true);
    auto start = r.Time("startDate", true);
    auto end = r.Time("endDate", true);
    if (auto status = r.String("status", false); status && *status != "active") {
        r.Add("status", ParseItemStatus(*status) ? "a new item must be \"active\""
                                                 : "must be one of active, sold, expired, cancelled");
    }
    auto categories = r.CategoryIds();
    if (start && end) {
        CheckDates(*start, *end, errors);
    }
    if (errors.size() != before) {
        return std::nullopt;
    }
    d.name = *name;
    d.description = description.value_or("");
    d.currency_code = *currency;
    d.start_price = *start_price;
    d.bid_increment = *increment;
    d.start_date = *start;
    d.end_date = *end;
    d.category_ids = categories.value_or(std::vector<std::string>{});
    return d;
}

std::optional<ItemPatch> DecodeItemPatch(const json::value& body, FieldErrors& errors) {
    if (!body.is_object()) {
        errors.push_back({"", "the body must be a JSON object"});
        return std::nullopt;
    }
    const auto& obj = body.get_object();
    FieldReader r(obj, errors);
    const std::size_t before = errors.size();
    r.RejectUnknown({"name", "description", "currencyCode", "startPrice", "bidIncrement", "startDate", "endDate",
                     "status", "categoryIds"});
    ItemPatch p;
    p.name = r.Name(false);
    p.description = r.Description();
    p.currency_code = r.Currency(false);
    p.start_price = r.Amount("startPrice", false);
    p.bid_increment = r.Amount("bidIncrement", false);
    p.start_date = r.Time("startDate", false);
    p.end_date = r.Time("endDate", false);
    if (auto status = r.String("status", false)) {
        auto parsed = ParseItemStatus(*status);
        if (!parsed) {
            r.Add("status", "must be one of active, sold, expired, cancelled");
        } else if (*parsed != ItemStatus::kActive && *parsed != ItemStatus::kCancelled) {
            // sold and expired follow from bids and time, never from a client.
            r.Add("status", "a client may only set \"active\" or \"cancelled\"");
        } else {
            p.status = parsed;
        }
    }
    p.category_ids = r.CategoryIds();
    if (errors.size() != before) {
        return std::nullopt;
    }
    if (!p.name && !p.description && !p.currency_code && !p.start_price && !p.bid_increment && !p.start_date &&
        !p.end_date && !p.status && !p.category_ids) {
        errors.push_back({"", "the body must change at least one field"});
        return std::nullopt;
    }
    return p;
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

std::optional<std::string> UpdateConflict(const Item& item, const ItemPatch& patch) {
    if (item.status != ItemStatus::kActive) {
        return "the item is " + std::string(ToString(item.status)) + " and can no longer be changed";
    }
    const bool has_bids = item.current_price != item.start_price;
    if (has_bids && ((patch.start_price && *patch.start_price != item.start_price) ||
                     (patch.currency_code && *patch.currency_code != item.currency_code))) {
        return "the item has bids: its start price and currency can no longer be changed";
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
    const bool had_bids = item.current_price != item.start_price;
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
    return CheckDates(item.start_date, item.end_date, errors);
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
