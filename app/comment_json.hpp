#pragma once

#include <boost/json/value.hpp>
#include <optional>

#include "domain/item_comment.hpp"
#include "domain/validation.hpp"

namespace auction::app {

/// Decodes and validates a create body (POST /api/v1/items/:id/comments): `content` 1..2000 code points, not
/// only whitespace, no control characters but tab and line breaks. Unknown and read-only fields are errors
/// naming the field.
std::optional<domain::CommentDraft> DecodeCommentDraft(const boost::json::value& body, domain::FieldErrors& errors);

}  // namespace auction::app
