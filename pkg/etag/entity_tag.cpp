#include "pkg/etag/entity_tag.hpp"

namespace auction::etag {

namespace {

bool IsOws(char c) noexcept {
    return c == ' ' || c == '\t';
}

// etagc = %x21 / %x23-7E / obs-text: visible ASCII but the double quote, and bytes 0x80-0xFF.
bool IsEtagc(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    return u == 0x21 || (u >= 0x23 && u <= 0x7E) || u >= 0x80;
}

void SkipOws(std::string_view& s) noexcept {
    while (!s.empty() && IsOws(s.front())) {
        s.remove_prefix(1);
    }
}

// The opaque tag at the front of `s` ("..." with its quotes), consumed; nullopt when there is none.
std::optional<std::string_view> TakeOpaqueTag(std::string_view& s) noexcept {
    if (s.empty() || s.front() != '"') {
        return std::nullopt;
    }
    std::size_t end = 1;
    while (end < s.size() && IsEtagc(s[end])) {
        ++end;
    }
    if (end == s.size() || s[end] != '"') {
        return std::nullopt;
    }
    const auto tag = s.substr(0, end + 1);
    s.remove_prefix(end + 1);
    return tag;
}

}  // namespace

std::optional<Condition> ParseCondition(std::string_view value) {
    SkipOws(value);
    while (!value.empty() && IsOws(value.back())) {
        value.remove_suffix(1);
    }
    Condition condition;
    if (value == "*") {
        condition.any = true;
        return condition;
    }
    // #entity-tag (RFC 9110 §5.6.1): elements separated by commas with optional whitespace, empty elements
    // ignored.
    while (!value.empty()) {
        if (value.front() == ',') {
            value.remove_prefix(1);
            SkipOws(value);
            continue;
        }
        EntityTag tag;
        if (value.substr(0, 2) == "W/") {
            tag.weak = true;
            value.remove_prefix(2);
        }
        const auto opaque = TakeOpaqueTag(value);
        if (!opaque) {
            return std::nullopt;
        }
        tag.opaque = std::string(*opaque);
        condition.tags.push_back(std::move(tag));
        SkipOws(value);
        if (!value.empty() && value.front() != ',') {
            return std::nullopt;
        }
    }
    if (condition.tags.empty()) {
        return std::nullopt;
    }
    return condition;
}

std::string FormatCondition(const Condition& condition) {
    if (condition.any) {
        return "*";
    }
    std::string out;
    for (const auto& tag : condition.tags) {
        if (!out.empty()) {
            out += ", ";
        }
        if (tag.weak) {
            out += "W/";
        }
        out += tag.opaque;
    }
    return out;
}

bool IsStrongEntityTag(std::string_view text) noexcept {
    const auto tag = TakeOpaqueTag(text);
    return tag.has_value() && text.empty();
}

bool MatchesStrong(const Condition& condition, std::string_view current) noexcept {
    if (condition.any) {
        return true;
    }
    for (const auto& tag : condition.tags) {
        if (!tag.weak && tag.opaque == current) {
            return true;
        }
    }
    return false;
}

bool MatchesWeak(const Condition& condition, std::string_view current) noexcept {
    if (condition.any) {
        return true;
    }
    for (const auto& tag : condition.tags) {
        if (tag.opaque == current) {
            return true;
        }
    }
    return false;
}

}  // namespace auction::etag
