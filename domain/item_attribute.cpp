#include "domain/item_attribute.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "domain/text.hpp"

namespace auction::domain {

namespace json = boost::json;

std::string AttributeEntryField(std::size_t index, std::string_view field) {
    std::string name = "attributes[" + std::to_string(index) + "]";
    if (!field.empty()) {
        name += ".";
        name += field;
    }
    return name;
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
            conflict.errors.push_back({AttributeEntryField(i, "key"), "already exists on this item"});
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
