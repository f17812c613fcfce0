#include "app/attribute_json.hpp"
#include "app/request_fields.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <unordered_map>

#include "domain/text.hpp"

namespace auction::app {

namespace json = boost::json;
using domain::AttributeDraft;
using domain::AttributeEntryField;
using domain::FieldErrors;
using domain::HasEdgeWhitespace;
using domain::IsPrintableLine;
using domain::IsPrintableText;
using domain::kMaxAttributeKeyLength;
using domain::kMaxAttributesPerRequest;
using domain::kMaxAttributeValueLength;
using domain::Utf8Length;

namespace {

// Fields a client sees on an attribute but never sets.
constexpr std::array<std::string_view, 3> kReadOnlyFields = {"id", "itemId", "createdAt"};

std::optional<std::string> StringField(const json::object& entry, std::size_t index, std::string_view field,
                                       FieldErrors& errors) {
    const json::value* v = entry.if_contains(field);
    if (v == nullptr || v->is_null()) {
        errors.push_back({AttributeEntryField(index, field), "is required"});
        return std::nullopt;
    }
    if (!v->is_string()) {
        errors.push_back({AttributeEntryField(index, field), "must be a string"});
        return std::nullopt;
    }
    return std::string(v->get_string());
}

std::optional<AttributeDraft> DecodeEntry(const json::value& value, std::size_t index, FieldErrors& errors) {
    if (!value.is_object()) {
        errors.push_back({AttributeEntryField(index, ""), "must be an object with key and value"});
        return std::nullopt;
    }
    const auto& entry = value.get_object();
    const std::size_t before = errors.size();
    RefuseFieldsClientsCannotSet(
        entry, {"key", "value"}, kReadOnlyFields,
        [index](std::string_view name) { return AttributeEntryField(index, name); }, errors);
    auto key = StringField(entry, index, "key", errors);
    if (key) {
        const auto len = Utf8Length(*key);
        if (len < 1 || len > kMaxAttributeKeyLength) {
            errors.push_back({AttributeEntryField(index, "key"), "must be 1 to 100 characters"});
        } else if (!IsPrintableLine(*key)) {
            errors.push_back({AttributeEntryField(index, "key"), "must not contain control characters or line breaks"});
        } else if (HasEdgeWhitespace(*key)) {
            errors.push_back({AttributeEntryField(index, "key"), "must not start or end with whitespace"});
        }
    }
    auto val = StringField(entry, index, "value", errors);
    if (val) {
        const auto len = Utf8Length(*val);
        if (len < 1 || len > kMaxAttributeValueLength) {
            errors.push_back({AttributeEntryField(index, "value"), "must be 1 to 1000 characters"});
        } else if (!IsPrintableText(*val)) {
            errors.push_back({AttributeEntryField(index, "value"),
                              "must not contain control characters other than tabs and line breaks"});
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
            errors.push_back(
                {AttributeEntryField(i, "key"), "duplicates attributes[" + std::to_string(it->second) + "].key"});
        }
    }
    if (errors.size() != before) {
        return std::nullopt;
    }
    return drafts;
}

}  // namespace auction::app
