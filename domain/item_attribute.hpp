#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/item.hpp"
#include "domain/validation.hpp"
#include "pkg/timeutil/rfc3339.hpp"

namespace auction::domain {

/// Free key/value metadata on an item (brand, condition, year ...); a key appears once per item.
struct ItemAttribute {
    std::string id;
    std::string item_id;
    std::string key;
    std::string value;
    timeutil::Micros created_at = 0;
};

/// One entry of a create body.
struct AttributeDraft {
    std::string key;
    std::string value;
};

inline constexpr std::size_t kMaxAttributesPerRequest = 50;
inline constexpr std::size_t kMaxAttributesPerItem = 100;
inline constexpr std::size_t kMaxAttributeKeyLength = 100;
inline constexpr std::size_t kMaxAttributeValueLength = 1000;

/// The field name of an entry of a create body for field errors: `attributes[2].key` (`attributes[2]` when
/// `field` is empty).
std::string AttributeEntryField(std::size_t index, std::string_view field);

/// New attributes of an item, in request order, with the given ids (created_at is stamped when stored).
std::vector<ItemAttribute> NewAttributes(const std::vector<AttributeDraft>& drafts, const std::string& item_id,
                                         const std::vector<std::string>& ids);

/// Why the item's attributes cannot be added or removed in its state; nullopt when they can (active).
std::optional<std::string> AttributeWriteConflict(const Item& item);

/// A refused attribute creation: a public detail plus the entries at fault.
struct AttributeConflict {
    std::string detail;
    FieldErrors errors;
};

/// Checks new attributes against the item's current keys: a key that already exists, or more than 100
/// attributes in all, refuses the whole request.
std::optional<AttributeConflict> NewAttributesConflict(const std::vector<std::string>& existing_keys,
                                                       const std::vector<ItemAttribute>& attributes);

/// The public JSON shape: {id, itemId, key, value, createdAt}.
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& out, const ItemAttribute& attribute);

}  // namespace auction::domain
