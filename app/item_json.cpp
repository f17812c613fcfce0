#include "app/item_json.hpp"
#include "app/request_fields.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>

#include "domain/text.hpp"
#include "pkg/ids/uuid.hpp"

namespace auction::app {

namespace json = boost::json;
using domain::FieldErrors;
using domain::IsBlank;
using domain::IsCurrencyCode;
using domain::IsPrintableLine;
using domain::IsPrintableText;
using domain::ItemStatus;
using domain::kMaxCategoriesPerItem;
using domain::Money;
using domain::ParseItemStatus;
using domain::ParseMoney;
using domain::Utf8Length;

namespace {

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
            if (len < 1 || len > domain::kMaxItemNameLength || IsBlank(*name)) {
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
        if (d && Utf8Length(*d) > domain::kMaxItemDescriptionLength) {
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
        RefuseFieldsClientsCannotSet(
            obj_, known, kReadOnlyFields, [](std::string_view name) { return std::string(name); }, errors_);
    }

    void Add(std::string_view field, std::string message) {
        errors_.push_back({std::string(field), std::move(message)});
    }

private:
    const json::object& obj_;
    FieldErrors& errors_;
};

}  // namespace

std::optional<domain::ItemDraft> DecodeItemDraft(const json::value& body, domain::FieldErrors& errors) {
    if (!body.is_object()) {
        errors.push_back({"", "the body must be a JSON object"});
        return std::nullopt;
    }
    FieldReader r(body.get_object(), errors);
    const std::size_t before = errors.size();
    r.RejectUnknown({"name", "description", "currencyCode", "startPrice", "bidIncrement", "startDate", "endDate",
                     "status", "categoryIds"});
    domain::ItemDraft d;
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
        domain::CheckItemDates(*start, *end, errors);
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

std::optional<domain::ItemPatch> DecodeItemPatch(const json::value& body, domain::FieldErrors& errors) {
    if (!body.is_object()) {
        errors.push_back({"", "the body must be a JSON object"});
        return std::nullopt;
    }
    const auto& obj = body.get_object();
    FieldReader r(obj, errors);
    const std::size_t before = errors.size();
    r.RejectUnknown({"name", "description", "currencyCode", "startPrice", "bidIncrement", "startDate", "endDate",
                     "status", "categoryIds"});
    domain::ItemPatch p;
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

}  // namespace auction::app
