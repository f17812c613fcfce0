#include "app/comment_json.hpp"
#include "app/request_fields.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>

#include "domain/text.hpp"

namespace auction::app {

namespace json = boost::json;
using domain::CommentDraft;
using domain::FieldErrors;
using domain::IsBlank;
using domain::IsPrintableText;
using domain::kMaxCommentLength;
using domain::Utf8Length;

namespace {

// Fields a client sees on a comment but never sets.
constexpr std::array<std::string_view, 4> kReadOnlyFields = {"id", "itemId", "authorId", "createdAt"};

}  // namespace

std::optional<CommentDraft> DecodeCommentDraft(const json::value& body, FieldErrors& errors) {
    if (!body.is_object()) {
        errors.push_back({"", "the body must be a JSON object"});
        return std::nullopt;
    }
    const auto& obj = body.get_object();
    const std::size_t before = errors.size();
    RefuseFieldsClientsCannotSet(
        obj, {"content"}, kReadOnlyFields, [](std::string_view name) { return std::string(name); }, errors);
    CommentDraft draft;
    const json::value* content = obj.if_contains("content");
    if (content == nullptr || content->is_null()) {
        errors.push_back({"content", "is required"});
    } else if (!content->is_string()) {
        errors.push_back({"content", "must be a string"});
    } else {
        const std::string_view text = content->get_string();
        const auto len = Utf8Length(text);
        if (len < 1 || len > kMaxCommentLength) {
            errors.push_back({"content", "must be 1 to 2000 characters"});
        } else if (IsBlank(text)) {
            errors.push_back({"content", "must not be only whitespace"});
        } else if (!IsPrintableText(text)) {
            errors.push_back({"content", "must not contain control characters other than tabs and line breaks"});
        } else {
            draft.content = std::string(text);
        }
    }
    if (errors.size() != before) {
        return std::nullopt;
    }
    return draft;
}

}  // namespace auction::app
