#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace auction::domain {

/// One rule a field broke; the app layer turns a list of these into a 400 problem.
struct FieldError {
    std::string field;
    std::string message;
};
using FieldErrors = std::vector<FieldError>;

/// Number of Unicode code points in valid UTF-8 (Boost.JSON has already rejected invalid UTF-8).
std::size_t Utf8Length(std::string_view text) noexcept;

/// A caller id from X-User-ID or an event: 1..128 printable ASCII characters, no spaces.
bool IsValidUserId(std::string_view id) noexcept;

}  // namespace auction::domain
