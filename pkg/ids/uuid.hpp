#pragma once

#include <string>
#include <string_view>

namespace auction::ids {

/// A UUIDv7 (RFC 9562): time-ordered, so new rows land at the right edge of B-tree indexes.
std::string NewUuidV7();
/// A random UUIDv4.
std::string NewUuidV4();
/// True for the canonical 8-4-4-4-12 hex form (either case).
bool IsUuid(std::string_view text) noexcept;

}  // namespace auction::ids
