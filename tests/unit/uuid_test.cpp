#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "pkg/ids/uuid.hpp"

namespace auction::ids {
namespace {

bool IsLowerHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

// Canonical lower-case 8-4-4-4-12 with the given version nibble and the RFC 9562 variant (10xx).
void ExpectCanonical(const std::string& id, char version) {
    ASSERT_EQ(id.size(), 36U) << id;
    for (std::size_t i = 0; i < id.size(); ++i) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            EXPECT_EQ(id[i], '-') << id;
        } else {
            EXPECT_TRUE(IsLowerHex(id[i])) << id;
        }
    }
    EXPECT_EQ(id[14], version) << id;
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
    EXPECT_TRUE(IsUuid(id)) << id;
}

// The 48-bit big-endian Unix-millisecond prefix of a v7 id (first 12 hex digits).
std::uint64_t TimePrefix(const std::string& id) {
    return std::stoull(id.substr(0, 8) + id.substr(9, 4), nullptr, 16);
}

std::uint64_t NowMillis() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
}

TEST(UuidV7, HasVersion7AndRfcVariant) {
    for (int i = 0; i < 1000; ++i) {
        ExpectCanonical(NewUuidV7(), '7');
    }
}

TEST(UuidV7, CarriesTheCurrentUnixMillisecond) {
    const auto before = NowMillis();
    const auto id = NewUuidV7();
    const auto after = NowMillis();
    EXPECT_GE(TimePrefix(id), before) << id;
    EXPECT_LE(TimePrefix(id), after) << id;
}

TEST(UuidV7, TimePrefixIsNonDecreasingAcrossMilliseconds) {
    // Generate until at least a few millisecond boundaries have passed (bounded by a deadline).
    std::vector<std::string> ids;
    const auto first_ms = NowMillis();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while ((ids.size() < 5000 || NowMillis() < first_ms + 3) && std::chrono::steady_clock::now() < deadline) {
        ids.push_back(NewUuidV7());
    }
    ASSERT_GT(TimePrefix(ids.back()), TimePrefix(ids.front())) << "no millisecond boundary was crossed";
    for (std::size_t i = 1; i < ids.size(); ++i) {
        ASSERT_LE(TimePrefix(ids[i - 1]), TimePrefix(ids[i])) << ids[i - 1] << " then " << ids[i];
        // The prefix is the leading hex text, so ids from different milliseconds also sort as strings.
        if (TimePrefix(ids[i - 1]) < TimePrefix(ids[i])) {
            ASSERT_LT(ids[i - 1], ids[i]);
        }
    }
}

TEST(UuidV4, HasVersion4AndRfcVariant) {
    for (int i = 0; i < 1000; ++i) {
        ExpectCanonical(NewUuidV4(), '4');
    }
}

TEST(Uuid, GeneratedIdsAreUnique) {
    constexpr int kCount = 100'000;
    std::unordered_set<std::string> v7;
    std::unordered_set<std::string> v4;
    v7.reserve(kCount);
    v4.reserve(kCount);
    for (int i = 0; i < kCount; ++i) {
        v7.insert(NewUuidV7());
        v4.insert(NewUuidV4());
    }
    EXPECT_EQ(v7.size(), static_cast<std::size_t>(kCount));
    EXPECT_EQ(v4.size(), static_cast<std::size_t>(kCount));
}

TEST(IsUuid, AcceptsCanonicalFormInEitherCase) {
    EXPECT_TRUE(IsUuid("0190a6b2-3c4d-7e8f-9a0b-1c2d3e4f5a6b"));
    EXPECT_TRUE(IsUuid("0190A6B2-3C4D-7E8F-9A0B-1C2D3E4F5A6B"));
    EXPECT_TRUE(IsUuid("0190a6B2-3c4D-7e8F-9a0B-1c2D3e4F5a6B"));
    EXPECT_TRUE(IsUuid("00000000-0000-0000-0000-000000000000"));
    EXPECT_TRUE(IsUuid("ffffffff-ffff-ffff-ffff-ffffffffffff"));
}

TEST(IsUuid, RejectsEverythingElse) {
    for (const char* bad : {
             "",
             "0190a6b2-3c4d-7e8f-9a0b-1c2d3e4f5a6",    // 35 chars
             "0190a6b2-3c4d-7e8f-9a0b-1c2d3e4f5a6b0",  // 37 chars
             "0190a6b23c4d7e8f9a0b1c2d3e4f5a6b",       // no hyphens
             "0190a6b-23c4d-7e8f-9a0b-1c2d3e4f5a6b",   // hyphen one early
             "0190a6b2-3c4d7-e8f-9a0b-1c2d3e4f5a6b",
             "0190a6b2-3c4d-7e8f9-a0b-1c2d3e4f5a6b",
             "0190a6b2-3c4d-7e8f-9a0b1-c2d3e4f5a6b",
             "0190a6b2_3c4d_7e8f_9a0b_1c2d3e4f5a6b",
             "0190a6g2-3c4d-7e8f-9a0b-1c2d3e4f5a6b",  // 'g'
             "0190a6b2-3c4d-7e8f-9a0b-1c2d3e4f5a6 ",
             "{0190a6b2-3c4d-7e8f-9a0b-1c2d3e4f5a6b}",
             "0190a6b2-3c4d-7e8f-9a0b-1c2d3e4f5a-b",
         }) {
        EXPECT_FALSE(IsUuid(bad)) << '"' << bad << '"';
    }
    // An embedded NUL must not end the check early.
    EXPECT_FALSE(IsUuid(std::string_view("0190a6b2-3c4d-7e8f-9a0b-1c2d3e4f5a\0b", 36)));
}

}  // namespace
}  // namespace auction::ids
