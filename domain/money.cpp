#include "domain/money.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace auction::domain {

std::optional<Money> ParseMoney(std::string_view s) noexcept {
    std::size_t i = 0;
    std::int64_t whole = 0;
    std::size_t int_digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        whole = whole * 10 + (s[i] - '0');
        ++i;
        if (++int_digits > 15) {
            return std::nullopt;
        }
    }
    if (int_digits == 0) {
        return std::nullopt;
    }
    std::int64_t frac = 0;
    if (i < s.size() && s[i] == '.') {
        ++i;
        std::size_t frac_digits = 0;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
            if (++frac_digits > 2) {
                return std::nullopt;
            }
            frac = frac * 10 + (s[i] - '0');
            ++i;
        }
        if (frac_digits == 0) {
            return std::nullopt;
        }
        if (frac_digits == 1) {
            frac *= 10;
        }
    }
    if (i != s.size()) {
        return std::nullopt;
    }
    return Money{whole * 100 + frac};
}

std::string FormatMoney(Money money) {
    char buf[32];
    const std::int64_t abs = money.cents < 0 ? -money.cents : money.cents;
    std::snprintf(buf, sizeof buf, "%s%lld.%02lld", money.cents < 0 ? "-" : "", static_cast<long long>(abs / 100),
                  static_cast<long long>(abs % 100));
    return buf;
}

bool IsCurrencyCode(std::string_view code) noexcept {
    // Active ISO 4217 codes (list of 2024), sorted for binary search.
    static constexpr auto kCodes = std::to_array<std::string_view>({
        "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BHD", "BIF",
        "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF", "CLP", "CNY", "COP", "CRC",
        "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS",
        "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD",
        "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL",
        "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD",
        "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD",
        "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP",
        "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VES",
        "VND", "VUV", "WST", "XAF", "XCD", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWL",
    });
    return std::binary_search(kCodes.begin(), kCodes.end(), code);
}

}  // namespace auction::domain
