#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace auction::encoding {

/// Lower-case hex of raw bytes (digests, signatures): SigV4 and the identity HMAC both want this form.
std::string LowerHex(std::string_view bytes);

/// The length of the strict UTF-8 sequence starting at `text[at]`, or 0 when none starts there. Strict as
/// PostgreSQL checks it: no overlong forms, surrogates or values past U+10FFFF.
std::size_t Utf8SequenceLength(std::string_view text, std::size_t at) noexcept;

/// True when all of `text` is strict UTF-8. Boost.JSON checks bodies already; query parameters are
/// percent-decoded bytes that nobody has checked.
bool IsValidUtf8(std::string_view text) noexcept;

/// `text` with every byte that starts no valid sequence replaced by U+FFFD, e.g. for JSON text (RFC 8259
/// wants UTF-8) that quotes request bytes.
std::string ToValidUtf8(std::string_view text);

/// base64url without padding (RFC 4648 section 5, as RFC 7515 uses it): JWTs and the list cursors.
std::string Base64UrlEncode(std::string_view bytes);
/// Its strict inverse: nullopt for padding, the standard alphabet, whitespace, an impossible length or
/// non-zero leftover bits, so every byte string has exactly one spelling.
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace auction::encoding
