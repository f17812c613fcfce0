#include "domain/text.hpp"

#include <algorithm>

#include "pkg/encoding/encoding.hpp"

namespace auction::domain {

namespace {

constexpr char32_t kReplacement = 0xFFFD;

bool IsControl(char32_t cp) noexcept {
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

}  // namespace

std::u32string DecodeUtf8(std::string_view text) {
    // The sequences are found by the one UTF-8 reader (pkg/encoding: strict, no overlongs or surrogates); a byte
    // that starts none becomes U+FFFD.
    std::u32string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t len = encoding::Utf8SequenceLength(text, i);
        if (len == 0) {
            out.push_back(kReplacement);
            ++i;
            continue;
        }
        const auto lead = static_cast<unsigned char>(text[i]);
        auto cp = static_cast<char32_t>(len == 1 ? lead : lead & (0x7Fu >> len));
        for (std::size_t k = 1; k < len; ++k) {
            cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3Fu);
        }
        out.push_back(cp);
        i += len;
    }
    return out;
}

bool IsUnicodeWhitespace(char32_t cp) noexcept {
    return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
           cp == 0x3000;
}

bool IsBlank(std::string_view text) {
    const auto cps = DecodeUtf8(text);
    return std::all_of(cps.begin(), cps.end(), IsUnicodeWhitespace);
}

bool HasEdgeWhitespace(std::string_view text) {
    const auto cps = DecodeUtf8(text);
    return !cps.empty() && (IsUnicodeWhitespace(cps.front()) || IsUnicodeWhitespace(cps.back()));
}

bool IsPrintableLine(std::string_view text) {
    const auto cps = DecodeUtf8(text);
    return std::none_of(cps.begin(), cps.end(),
                        [](char32_t cp) { return IsControl(cp) || cp == 0x2028 || cp == 0x2029; });
}

bool IsPrintableText(std::string_view text) {
    const auto cps = DecodeUtf8(text);
    return std::none_of(cps.begin(), cps.end(),
                        [](char32_t cp) { return IsControl(cp) && cp != '\t' && cp != '\n' && cp != '\r'; });
}

}  // namespace auction::domain
