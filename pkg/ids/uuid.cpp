#include "pkg/ids/uuid.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <random>

namespace auction::ids {

namespace {

std::mt19937_64& Rng() {
    // One generator per thread, seeded from the OS once: no lock and no syscall per id.
    thread_local std::mt19937_64 rng{[] {
        std::random_device rd;
        std::seed_seq seq{rd(), rd(), rd(), rd()};
        return std::mt19937_64(seq);
    }()};
    return rng;
}

std::string Format(const std::array<std::uint8_t, 16>& b) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out += '-';
        }
        out += kHex[b[i] >> 4];
        out += kHex[b[i] & 0xF];
    }
    return out;
}

void FillRandom(std::array<std::uint8_t, 16>& b) {
    const std::uint64_t r1 = Rng()();
    const std::uint64_t r2 = Rng()();
    for (std::size_t i = 0; i < 8; ++i) {
        b[i] = static_cast<std::uint8_t>(r1 >> (i * 8));
        b[i + 8] = static_cast<std::uint8_t>(r2 >> (i * 8));
    }
}

}  // namespace

std::string NewUuidV7() {
    std::array<std::uint8_t, 16> b{};
    FillRandom(b);
    const auto ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
    for (std::size_t i = 0; i < 6; ++i) {
        b[i] = static_cast<std::uint8_t>(ms >> ((5 - i) * 8));
    }
    b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x70);
    b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);
    return Format(b);
}

std::string NewUuidV4() {
    std::array<std::uint8_t, 16> b{};
    FillRandom(b);
    b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);
    b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);
    return Format(b);
}

bool IsUuid(std::string_view s) noexcept {
    if (s.size() != 36) {
        return false;
    }
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') {
                return false;
            }
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

}  // namespace auction::ids
