#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace auction::timeutil {

/// Microseconds since the Unix epoch, UTC: the precision PostgreSQL's timestamptz keeps.
using Micros = std::int64_t;

/// Parses RFC 3339 (`2024-01-15T10:00:00Z`, optional fraction, `Z` or `+hh:mm`); nullopt if malformed.
std::optional<Micros> ParseRfc3339(std::string_view text);
/// Formats as RFC 3339 UTC: whole seconds print without a fraction, otherwise trailing zeros are trimmed.
std::string FormatRfc3339(Micros micros);
/// Formats with exactly millisecond precision (log lines).
std::string FormatRfc3339Millis(Micros micros);
Micros NowMicros();

}  // namespace auction::timeutil
