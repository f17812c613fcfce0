#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace auction::domain {

/// An amount in minor units (two decimals, as stored in NUMERIC(18,2)); never a binary float.
struct Money {
    std::int64_t cents = 0;

    friend auto operator<=>(const Money&, const Money&) = default;
};

/// Accepts "100", "100.5", "100.00": up to 15 integer digits and 2 decimals, no sign, no exponent.
std::optional<Money> ParseMoney(std::string_view text) noexcept;
/// Always two decimals: "100.00".
std::string FormatMoney(Money money);

/// True for an active ISO 4217 currency code (three upper-case letters on the ISO list).
bool IsCurrencyCode(std::string_view code) noexcept;

}  // namespace auction::domain
