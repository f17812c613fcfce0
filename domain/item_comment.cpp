#include "domain/item_comment.hpp"

#include <boost/json.hpp>

namespace auction::domain {

namespace json = boost::json;

ItemComment NewComment(const CommentDraft& draft, std::string id, std::string item_id, std::string author_id) {
    ItemComment comment;
    comment.id = std::move(id);
    comment.item_id = std::move(item_id);
    comment.author_id = std::move(author_id);
    comment.content = draft.content;
    return comment;
}

bool MayDeleteComment(const ItemComment& comment, const Item& item, std::string_view user) noexcept {
    return comment.author_id == user || item.seller_id == user;
}

void tag_invoke(const json::value_from_tag&, json::value& out, const ItemComment& comment) {
    out = json::object{
        {"id", comment.id},
        {"itemId", comment.item_id},
        {"authorId", comment.author_id},
        {"content", comment.content},
        {"createdAt", timeutil::FormatRfc3339(comment.created_at)},
    };
}

}  // namespace auction::domain
