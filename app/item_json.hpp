#pragma once

#include <boost/json/value.hpp>
#include <optional>

#include "domain/item.hpp"
#include "domain/validation.hpp"

namespace auction::app {

/// Decodes and validates a create body (POST /api/v1/items); the errors name each offending field.
std::optional<domain::ItemDraft> DecodeItemDraft(const boost::json::value& body, domain::FieldErrors& errors);
/// Decodes and validates an update body (PUT /api/v1/items/:id).
std::optional<domain::ItemPatch> DecodeItemPatch(const boost::json::value& body, domain::FieldErrors& errors);

}  // namespace auction::app
