#pragma once

#include <string>
#include <string_view>

namespace auction::domain {

/// The code points of UTF-8 text. Boost.JSON has already rejected invalid UTF-8; a malformed sequence that
/// reaches here anyway decodes as U+FFFD, so callers never see out-of-range values.
std::u32string DecodeUtf8(std::string_view text);

/// Unicode White_Space (tabs and line breaks, spaces of every width, U+3000 ...).
bool IsUnicodeWhitespace(char32_t cp) noexcept;

/// True when the text is empty or holds only whitespace.
bool IsBlank(std::string_view text);

/// True when the text starts or ends with whitespace.
bool HasEdgeWhitespace(std::string_view text);

/// A single-line label: no control characters (C0, DEL, C1) and no line or paragraph separators.
bool IsPrintableLine(std::string_view text);

/// Free text: no control characters except tab, line feed and carriage return. This also keeps NUL out,
/// which PostgreSQL text cannot hold.
bool IsPrintableText(std::string_view text);

}  // namespace auction::domain
