#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <vector>

#include "domain/item_attribute.hpp"
#include "domain/validation.hpp"

namespace auction::app {

/// Decodes and validates `{"attributes":[{"key","value"}...]}` (POST /api/v1/items/:id/attributes): 1..50
/// entries; key 1..100 code points, printable, no leading or trailing whitespace, unique within the request;
/// value 1..1000 code points without control characters but tab and line breaks. Errors name the entry, e.g.
/// `attributes[2].key`.
std::optional<std::vector<domain::AttributeDraft>> DecodeAttributeDrafts(const boost::json::value& body,
                                                                         domain::FieldErrors& errors);

}  // namespace auction::app
