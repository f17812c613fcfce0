#include "domain/item_attribute.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "domain/text.hpp"

namespace auction::domain {

namespace json = boost::json;

namespace {

// Fields a client sees on an attribute but never sets.
constexpr std::array<std::string_view, 3> kReadOnlyFields = {"id", "itemId", "createdAt"};

std::string EntryField(std::size_t index, std::string_view field) {
    std::string name = "attributes[" + std::to_string(index) + "]";
    if (!field.empty()) {
        name += ".";
        name += field;
    }
    return name;
}

std::optional<std::string> StringField(const json::object& entry, std::size_t index, std::string_view field,
                                       FieldErrors& errors) {
    const json::value* v = entry.if_contains(field);
    if (v == nullptr || v->is_null()) {
        errors.push_back({EntryField(index, field), "is required"});
        return std::nullopt;
    }
    if (!v->is_string()) {
        errors.push_back({EntryField(index, field), "must be a string"});
        return std::nullopt;
    }
    return std::string(v->get_string());
}

std::optional<AttributeDraft> DecodeEntry(const json::value& value, std::size_t index, FieldErrors& errors) {
    if (!value.is_object()) {
        errors.push_back({EntryField(index, ""), "must be an object with key and value"});
        return std::nullopt;
    }
    const auto& entry = value.get_object();
    const std::size_t before = errors.size();
    for (const auto& kv : entry) {
        const std::string_view name = kv.key();
        if (std::find(kReadOnlyFields.begin(), kReadOnlyFields.end(), name) != kReadOnlyFields.end()) {
            errors.push_back({EntryField(index, name), "is read-only and cannot be set by a client"});
        } else if (name != "key" && name != "value") {
            errors.push_back({EntryField(index, name), "is not a known field"});
        }
    }
    auto key = StringField(entry, index, "key", errors);
    if (key) {
        const auto len = Utf8Length(*key);
        if (len < 1 || len > kMaxAttributeKeyLength) {
            errors.push_back({EntryField(index, "key"), "must be 1 to 100 characters"});
        } else if (!IsPrintableLine(*key)) {
            errors.push_back({EntryField(index, "key"), "must not contain control characters or line breaks"});
        } else if (HasEdgeWhitespace(*key)) {
            errors.push_back({EntryField(index, "key"), "must not start or end with whitespace"});
        }
    }
    auto val = StringField(entry, index, "value", errors);
    if (val) {
        const auto len = Utf8Length(*val);
        if (len < 1 || len > kMaxAttributeValueLength) {
            errors.push_back({EntryField(index, "value"), "must be 1 to 1000 characters"});
        } else if (!IsPrintableText(*val)) {
            errors.push_back(
                {EntryField(index, "value"), "must not contain control characters other than tabs and line breaks"});
        }
    }
    if (errors.size() != before) {
        return std::nullopt;
    }
    return AttributeDraft{std::move(*key), std::move(*val)};
}

}  // namespace

std::optional<std::vector<AttributeDraft>> DecodeAttributeDrafts(const json::value& body, FieldErrors& errors) {
    if (!body.is_object()) {
        errors.push_back({"", "the body must be a JSON object"});
        return std::nullopt;
    }
    const auto& obj = body.get_object();
    const std::size_t before = errors.size();
    for (const auto& kv : obj) {
        if (kv.key() != "attributes") {
            errors.push_back({std::string(kv.key()), "is not a known field"});
        }
    }
    const json::value* list = obj.if_contains("attributes");
    if (list == nullptr || list->is_null()) {
        errors.push_back({"attributes", "is required"});
        return std::nullopt;
    }
    if (!list->is_array()) {
        errors.push_back({"attributes", "must be an array of {key, value} objects"});
        return std::nullopt;
    }
    const auto& arr = list->get_array();
    if (arr.empty() || arr.size() > kMaxAttributesPerRequest) {
        errors.push_back({"attributes", "must hold 1 to 50 attributes"});
        return std::nullopt;
    }
    std::vector<AttributeDraft> drafts;
    drafts.reserve(arr.size());
    for (std::size_t i = 0; i < arr.size(); ++i) {
        auto draft = DecodeEntry(arr[i], i, errors);
        if (draft) {
            drafts.push_back(std::move(*draft));
        }
    }
    if (errors.size() != before) {
        return std::nullopt;
    }
    // Keys compare byte for byte, as the table's UNIQUE (item_id, key) does.
    std::unordered_map<std::string_view, std::size_t> first_index;
    for (std::size_t i = 0; i < drafts.size(); ++i) {
        auto [it, inserted] = first_index.emplace(drafts[i].key, i);
        if (!inserted) {
            errors.push_back({EntryField(i, "key"), "duplicates attributes[" + std::to_string(it->second) + "].key"});
        }
    }
    if (errors.size() != before) {
        return std::nullopt;
    }
    return drafts;
}

std::vector<ItemAttribute> NewAttributes(const std::vector<AttributeDraft>& drafts, const std::string& item_id,
                                         const std::vector<std::string>& ids) {
    std::vector<ItemAttribute> out;
    out.reserve(drafts.size());
    for (std::size_t i = 0; i < drafts.size() && i < ids.size(); ++i) {
        out.push_back(ItemAttribute{ids[i], item_id, drafts[i].key, drafts[i].value, 0});
    }
    return out;
}

std::optional<std::string> AttributeWriteConflict(const Item& item) {
    if (item.status != ItemStatus::kActive) {
        return "the item is " + std::string(ToString(item.status)) + ": its attributes can no longer be changed";
    }
    return std::nullopt;
}

std::optional<AttributeConflict> NewAttributesConflict(const std::vector<std::string>& existing_keys,
                                                       const std::vector<ItemAttribute>& attributes) {
    const std::unordered_set<std::string_view> existing(existing_keys.begin(), existing_keys.end());
    AttributeConflict conflict;
    for (std::size_t i = 0; i < attributes.size(); ++i) {
        if (existing.count(attributes[i].key) != 0) {
            conflict.errors.push_back({EntryField(i, "key"), "already exists on this item"});
        }
    }
    if (!conflict.errors.empty()) {
        conflict.detail = "the item already has attributes with these keys";
        return conflict;
    }
    if (existing_keys.size() + attributes.size() > kMaxAttributesPerItem) {
        conflict.detail = "an item holds at most 100 attributes; it has " + std::to_string(existing_keys.size());
        conflict.errors.push_back({"attributes", "would exceed 100 attributes on this item"});
        return conflict;
    }
    return std::nullopt;
}

void tag_invoke(const json::value_from_tag&, json::value& out, const ItemAttribute& attribute) {
    out = json::object{
        {"id", attribute.id},
        {"itemId", attribute.item_id},
        {"key", attribute.key},
        {"value", attribute.value},
        {"createdAt", timeutil::FormatRfc3339(attribute.created_at)},
    };
}

}  // namespace auction::domain
