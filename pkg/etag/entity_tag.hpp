#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace auction::etag {

/// One entity tag (RFC 9110 §8.8.3): `"opaque"` or weak `W/"opaque"`.
struct EntityTag {
    bool weak = false;
    std::string opaque;  // with its double quotes, as compared: "\"v7\""

    bool operator==(const EntityTag&) const = default;
};

/// The value of If-Match or If-None-Match (RFC 9110 §13.1.1-2): `*`, or a list of entity tags.
struct Condition {
    bool any = false;  // `*`: any current representation
    std::vector<EntityTag> tags;

    bool operator==(const Condition&) const = default;
};

/// Parses a field value (several field lines joined with ", ", as RFC 9110 §5.3 combines them). nullopt when it
/// is malformed: neither `*` alone nor a comma-separated list of entity tags (optional whitespace around commas
/// and empty list elements allowed), a lower-case `w/`, a character outside etagc inside the quotes, an unclosed
/// quote, or a list without any entity tag (an empty condition can only be a client's mistake). Linear in the
/// value's length, which the server's header limit bounds.
std::optional<Condition> ParseCondition(std::string_view value);

/// Writes a condition back as a field value: "*" or the tags joined by ", ". ParseCondition reads it back equal.
std::string FormatCondition(const Condition& condition);

/// Whether `text` is one strong entity tag, `"` etagc* `"`.
bool IsStrongEntityTag(std::string_view text) noexcept;

/// Strong comparison (If-Match): a tag names `current` (a strong tag of an existing representation) only when
/// neither is weak and their opaque tags are equal; `*` matches any existing representation.
bool MatchesStrong(const Condition& condition, std::string_view current) noexcept;
/// Weak comparison (If-None-Match): the opaque tags are equal, weak or not; `*` matches any existing representation.
bool MatchesWeak(const Condition& condition, std::string_view current) noexcept;

}  // namespace auction::etag
