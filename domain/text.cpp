#include "domain/text.hpp"

#include <algorithm>

namespace auction::domain {

namespace {

constexpr char32_t kReplacement = 0xFFFD;

bool IsControl(char32_t cp) noexcept {
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

}  // namespace

std::u32string DecodeUtf8(std::string_view text) {
    std::u32string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        int extra = 0;
        char32_t cp = 0;
        if (lead < 0x80) {
            cp = lead;
        } else if ((lead & 0xE0) == 0xC0) {
            extra = 1;
            cp = lead & 0x1F;
        } else if ((lead & 0xF0) == 0xE0) {
            extra = 2;
            cp = lead & 0x0F;
        } else if ((lead & 0xF8) == 0xF0) {
            extra = 3;
            cp = lead & 0x07;
        } else {
            out.push_back(kReplacement);
            ++i;
            continue;
        }
        if (i + static_cast<std::size_t>(extra) >= text.size()) {
            out.push_back(kReplacement);  // truncated sequence at the end
            break;
        }
        bool ok = true;
        for (int k = 1; k <= extra; ++k) {
            const auto c = static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]);
            if ((c & 0xC0) != 0x80) {
                ok = false;
                break;
            }
            cp = (cp << 6) | (c & 0x3F);
        }
        if (!ok || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            out.push_back(kReplacement);
            ++i;
            continue;
        }
        out.push_back(cp);
        i += static_cast<std::size_t>(extra) + 1;
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
