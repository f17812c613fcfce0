#include <gtest/gtest.h>

#include <string>

#include "pkg/timeutil/rfc3339.hpp"

namespace auction::timeutil {
namespace {

constexpr Micros kSecond = 1'000'000;
// 2024-01-15T10:00:00Z, the design's example start date.
constexpr Micros kJan15 = 1'705'312'800 * kSecond;

TEST(Rfc3339, ParsesUtcTimestamps) {
    EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), 0);
    EXPECT_EQ(ParseRfc3339("2024-01-15T10:00:00Z"), kJan15);
    EXPECT_EQ(ParseRfc3339("2024-02-29T12:00:00Z"), Micros{1'709'208'000} * kSecond);
    EXPECT_EQ(ParseRfc3339("9999-12-31T23:59:59Z"), Micros{253'402'300'799} * kSecond);
}

TEST(Rfc3339, FormatsUtcWithoutFractionForWholeSeconds) {
    EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(FormatRfc3339(kJan15), "2024-01-15T10:00:00Z");
}

TEST(Rfc3339, RoundTripsFormattedValues) {
    for (const char* text :
         {"2024-01-15T10:00:00Z", "2024-01-20T10:00:00.5Z", "2000-02-29T23:59:59.999999Z",
          "1969-12-31T23:59:59.000001Z", "1900-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "2100-03-01T00:00:00.12Z"}) {
        const auto parsed = ParseRfc3339(text);
        ASSERT_TRUE(parsed.has_value()) << text;
        EXPECT_EQ(FormatRfc3339(*parsed), text);
    }
    for (Micros m : {Micros{0}, Micros{-1}, kJan15 + 1, Micros{-2'208'988'800} * kSecond + 250'000,
                     Micros{253'402'300'799} * kSecond + 999'999}) {
        EXPECT_EQ(ParseRfc3339(FormatRfc3339(m)), m) << m;
    }
}

TEST(Rfc3339, ParsesFractionsToMicroseconds) {
    EXPECT_EQ(ParseRfc3339("2024-01-15T10:00:00.5Z"), kJan15 + 500'000);
    EXPECT_EQ(ParseRfc3339("2024-01-15T10:00:00.123Z"), kJan15 + 123'000);
    EXPECT_EQ(ParseRfc3339("2024-01-15T10:00:00.123456Z"), kJan15 + 123'456);
    // Beyond microseconds (PostgreSQL's precision) digits are accepted and truncated.
    EXPECT_EQ(ParseRfc3339("2024-01-15T10:00:00.123456789Z"), kJan15 + 123'456);
    EXPECT_EQ(ParseRfc3339("2024-01-15T10:00:00.000Z"), kJan15);
}

TEST(Rfc3339, FormatTrimsTrailingZerosOfTheFraction) {
    EXPECT_EQ(FormatRfc3339(kJan15 + 500'000), "2024-01-15T10:00:00.5Z");
    EXPECT_EQ(FormatRfc3339(kJan15 + 120'000), "2024-01-15T10:00:00.12Z");
    EXPECT_EQ(FormatRfc3339(kJan15 + 1'000), "2024-01-15T10:00:00.001Z");
    EXPECT_EQ(FormatRfc3339(kJan15 + 1), "2024-01-15T10:00:00.000001Z");
}

TEST(Rfc3339, OffsetsConvertToUtc) {
    EXPECT_EQ(ParseRfc3339("2024-01-15T12:00:00+02:00"), kJan15);
    EXPECT_EQ(ParseRfc3339("2024-01-15T04:30:00-05:30"), kJan15);
    EXPECT_EQ(ParseRfc3339("2024-01-15T10:00:00+00:00"), kJan15);
    EXPECT_EQ(ParseRfc3339("2024-01-15T10:00:00-00:00"), kJan15);
    // An offset can move the instant across a day boundary.
    EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2024-01-01T01:00:00+02:00")), "2023-12-31T23:00:00Z");
    EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2024-01-15T12:00:00.25+02:00")), "2024-01-15T10:00:00.25Z");
}

TEST(Rfc3339, AcceptsLowercaseSeparatorAndZone) {
    EXPECT_EQ(ParseRfc3339("2024-01-15t10:00:00z"), kJan15);
    EXPECT_EQ(ParseRfc3339("2024-01-15t10:00:00Z"), kJan15);
}

TEST(Rfc3339, ValidatesCalendarDates) {
    EXPECT_TRUE(ParseRfc3339("2024-02-29T00:00:00Z").has_value());
    EXPECT_TRUE(ParseRfc3339("2000-02-29T00:00:00Z").has_value());  // divisible by 400: leap
    EXPECT_FALSE(ParseRfc3339("2023-02-29T00:00:00Z").has_value());
    EXPECT_FALSE(ParseRfc3339("1900-02-29T00:00:00Z").has_value());  // divisible by 100: not leap
    EXPECT_FALSE(ParseRfc3339("2024-04-31T00:00:00Z").has_value());
    EXPECT_TRUE(ParseRfc3339("2024-12-31T00:00:00Z").has_value());
    EXPECT_FALSE(ParseRfc3339("2024-13-01T00:00:00Z").has_value());
    EXPECT_FALSE(ParseRfc3339("2024-00-10T00:00:00Z").has_value());
    EXPECT_FALSE(ParseRfc3339("2024-01-00T00:00:00Z").has_value());
    EXPECT_FALSE(ParseRfc3339("2024-01-32T00:00:00Z").has_value());
}

TEST(Rfc3339, ValidatesTimeOfDay) {
    EXPECT_TRUE(ParseRfc3339("2024-01-15T23:59:59Z").has_value());
    EXPECT_FALSE(ParseRfc3339("2024-01-15T24:00:00Z").has_value());
    EXPECT_FALSE(ParseRfc3339("2024-01-15T10:60:00Z").has_value());
    EXPECT_FALSE(ParseRfc3339("2024-01-15T10:00:61Z").has_value());
}

TEST(Rfc3339, RejectsMalformedText) {
    for (const char* bad : {
             "",
             "2024-01-15",
             "2024-01-15T10:00:00",    // no zone
             "2024-01-15T10:00:00.5",  // no zone after a fraction
             "2024-01-15 10:00:00Z",   // space instead of T
             "2024-01-15T10:00Z",      // no seconds
             "2024-1-15T10:00:00Z",    // unpadded month
             "24-01-15T10:00:00Z",
             "2024/01/15T10:00:00Z",
             "2024-01-15T10:00:00.Z",            // empty fraction
             "2024-01-15T10:00:00,5Z",           // comma fraction
             "2024-01-15T10:00:00.1234567890Z",  // over nanosecond precision
             "2024-01-15T10:00:00+0200",         // offset without colon
             "2024-01-15T10:00:00+02",
             "2024-01-15T10:00:00+02:0",
             "2024-01-15T10:00:00+24:00",
             "2024-01-15T10:00:00+02:60",
             "2024-01-15T10:00:00ZZ",  // trailing garbage
             "2024-01-15T10:00:00Z ",
             " 2024-01-15T10:00:00Z",
             "0000-01-01T00:00:00Z",
             "abcd-01-15T10:00:00Z",
         }) {
        EXPECT_FALSE(ParseRfc3339(bad).has_value()) << '"' << bad << '"';
    }
}

TEST(Rfc3339, FormatsPre1970Dates) {
    EXPECT_EQ(FormatRfc3339(-kSecond), "1969-12-31T23:59:59Z");
    EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999999Z");
    EXPECT_EQ(FormatRfc3339(Micros{-14'182'940} * kSecond), "1969-07-20T20:17:40Z");
    EXPECT_EQ(ParseRfc3339("1969-07-20T20:17:40Z"), Micros{-14'182'940} * kSecond);
    EXPECT_EQ(ParseRfc3339("1900-01-01T00:00:00Z"), Micros{-2'208'988'800} * kSecond);
    EXPECT_EQ(ParseRfc3339("0001-01-01T00:00:00Z"), Micros{-62'135'596'800} * kSecond);
}

TEST(Rfc3339, FormatMillisAlwaysHasThreeDigits) {
    EXPECT_EQ(FormatRfc3339Millis(kJan15), "2024-01-15T10:00:00.000Z");
    EXPECT_EQ(FormatRfc3339Millis(kJan15 + 5'000), "2024-01-15T10:00:00.005Z");
    EXPECT_EQ(FormatRfc3339Millis(kJan15 + 123'999), "2024-01-15T10:00:00.123Z");  // truncates
    EXPECT_EQ(FormatRfc3339Millis(-1), "1969-12-31T23:59:59.999Z");
}

TEST(Rfc3339, NowIsCurrent) {
    // Any time after this test was written and before 2100 is plausible; a unit slip (ms or ns) is not.
    const Micros now = NowMicros();
    EXPECT_GT(now, *ParseRfc3339("2024-01-01T00:00:00Z"));
    EXPECT_LT(now, *ParseRfc3339("2100-01-01T00:00:00Z"));
}

}  // namespace
}  // namespace auction::timeutil
