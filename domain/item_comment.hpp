#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "domain/item.hpp"
#include "domain/validation.hpp"
#include "pkg/timeutil/rfc3339.hpp"

namespace auction::domain {

/// A user's comment on an item; listed oldest first. Comments are allowed on items in any status.
struct ItemComment {
    std::string id;
    std::string item_id;
    std::string author_id;
    std::string content;
    timeutil::Micros created_at = 0;
};

/// What a client may send (POST /api/v1/items/:id/comments).
struct CommentDraft {
    std::string content;
};

inline constexpr std::size_t kMaxCommentLength = 2000;

/// A new comment from a validated draft (created_at is stamped when it is stored).
ItemComment NewComment(const CommentDraft& draft, std::string id, std::string item_id, std::string author_id);

/// A comment may be deleted by its author or by the item's seller.
bool MayDeleteComment(const ItemComment& comment, const Item& item, std::string_view user) noexcept;

/// The public JSON shape: {id, itemId, authorId, content, createdAt}.
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& out, const ItemComment& comment);

}  // namespace auction::domain
