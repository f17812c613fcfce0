#include "domain/validation.hpp"

#include <algorithm>

#include "pkg/encoding/encoding.hpp"

namespace auction::domain {

std::size_t Utf8Length(std::string_view text) noexcept {
    // Code points of valid UTF-8 (the one UTF-8 reader, pkg/encoding); a byte that starts no sequence counts one.
    std::size_t n = 0;
    for (std::size_t i = 0; i < text.size(); ++n) {
        i += std::max<std::size_t>(1, encoding::Utf8SequenceLength(text, i));
    }
    return n;
}

bool IsValidUserId(std::string_view id) noexcept {
    if (id.empty() || id.size() > 128) {
        return false;
    }
    for (unsigned char c : id) {
        if (c <= 0x20 || c >= 0x7F) {
            return false;
        }
    }
    return true;
}

}  // namespace auction::domain
