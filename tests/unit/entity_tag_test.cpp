// The entity-tag lists of If-Match / If-None-Match (pkg/etag, RFC 9110 §8.8.3 and §13.1.1-2): what parses, what
// is refused, and the two comparisons. The same promises are fuzzed by tests/fuzz/entity_tag_fuzz.cpp.
#include "pkg/etag/entity_tag.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace auction::etag {
namespace {

TEST(EntityTag, ParsesStarAndListsOfStrongAndWeakTags) {
    EXPECT_EQ(ParseCondition("*"), (Condition{true, {}}));
    EXPECT_EQ(ParseCondition(" \t* "), (Condition{true, {}}));
    EXPECT_EQ(ParseCondition("\"v7\""), (Condition{false, {EntityTag{false, "\"v7\""}}}));
    EXPECT_EQ(ParseCondition("W/\"v7\""), (Condition{false, {EntityTag{true, "\"v7\""}}}));
    EXPECT_EQ(ParseCondition("\"\""), (Condition{false, {EntityTag{false, "\"\""}}}));
    EXPECT_EQ(ParseCondition("\"a\",W/\"b\" ,\t\"c\""),
              (Condition{false, {EntityTag{false, "\"a\""}, EntityTag{true, "\"b\""}, EntityTag{false, "\"c\""}}}));
    // Empty list elements are ignored (RFC 9110 §5.6.1.2), and "*" inside quotes is just a tag.
    EXPECT_EQ(ParseCondition(" , ,\"a\",, \"b\" , "),
              (Condition{false, {EntityTag{false, "\"a\""}, EntityTag{false, "\"b\""}}}));
    EXPECT_EQ(ParseCondition("\"*\""), (Condition{false, {EntityTag{false, "\"*\""}}}));
    // etagc: any visible ASCII but the double quote, and obs-text.
    EXPECT_TRUE(ParseCondition("\"!#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~\x80\xFF\""));
}

TEST(EntityTag, RefusesMalformedValues) {
    for (const char* bad : {"",           " ",           ",",
                            " , ",        "v7",          "\"v7",
                            "v7\"",       "w/\"v7\"",    "W/ \"v7\"",
                            "W/v7",       "W/",          "\"v 7\"",
                            "\"v\"7\"",   "\"a\" \"b\"", "\"a\";\"b\"",
                            "*, \"a\"",   "\"a\", *",    "**",
                            "*,",         "\"a\"x",      "\"tab\there\"",
                            "\"del\x7F\""}) {
        EXPECT_EQ(ParseCondition(bad), std::nullopt) << bad;
    }
    EXPECT_EQ(ParseCondition(std::string("\"nul\0\"", 6)), std::nullopt);
}

TEST(EntityTag, FormatsWhatItParses) {
    for (const char* text : {"*", "\"v1\"", "W/\"v1\", \"v2\"", " ,\"a\",,W/\"\" "}) {
        const auto parsed = ParseCondition(text);
        ASSERT_TRUE(parsed) << text;
        EXPECT_EQ(ParseCondition(FormatCondition(*parsed)), parsed) << text;
    }
    EXPECT_EQ(FormatCondition(*ParseCondition(" ,\"a\",,W/\"\" ")), "\"a\", W/\"\"");
}

TEST(EntityTag, StrongComparisonNeedsTwoStrongTagsWeakComparisonOnlyTheSameOpaqueTag) {
    const std::string current = "\"v3\"";
    EXPECT_TRUE(MatchesStrong(*ParseCondition("\"v2\", \"v3\""), current));
    EXPECT_FALSE(MatchesStrong(*ParseCondition("W/\"v3\""), current));
    EXPECT_FALSE(MatchesStrong(*ParseCondition("\"V3\""), current)) << "opaque tags compare byte for byte";
    EXPECT_TRUE(MatchesStrong(*ParseCondition("*"), current));
    EXPECT_TRUE(MatchesWeak(*ParseCondition("W/\"v3\""), current));
    EXPECT_TRUE(MatchesWeak(*ParseCondition("\"v3\""), current));
    EXPECT_FALSE(MatchesWeak(*ParseCondition("\"v30\", W/\"v\""), current));
    EXPECT_TRUE(MatchesWeak(*ParseCondition("*"), current));
    EXPECT_TRUE(IsStrongEntityTag(current));
    EXPECT_FALSE(IsStrongEntityTag("W/\"v3\""));
    EXPECT_FALSE(IsStrongEntityTag("\"v3\" "));
}

}  // namespace
}  // namespace auction::etag
