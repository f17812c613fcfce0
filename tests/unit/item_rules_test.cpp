#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "app/item_json.hpp"
#include "domain/item.hpp"

namespace auction::domain {
namespace {

namespace json = boost::json;
using app::DecodeItemDraft;
using app::DecodeItemPatch;

constexpr timeutil::Micros kJan15 = 1'705'312'800'000'000;  // 2024-01-15T10:00:00Z
constexpr timeutil::Micros kJan20 = 1'705'744'800'000'000;  // 2024-01-20T10:00:00Z
constexpr const char* kCategoryA = "0190a6b2-3c4d-7e8f-9a0b-1c2d3e4f5a6b";
constexpr const char* kCategoryB = "0190a6b2-3c4d-7e8f-9a0b-1c2d3e4f5a6c";

// The body of the design's `curl -X POST /api/v1/items` example.
json::object CurlExample() {
    return json::parse(R"({
        "name": "Vintage Camera",
        "description": "Rare 1960s camera",
        "currencyCode": "USD",
        "startPrice": "100.00",
        "bidIncrement": "5.00",
        "startDate": "2024-01-15T10:00:00Z",
        "endDate": "2024-01-20T10:00:00Z",
        "status": "active"
    })")
        .as_object();
}

std::vector<std::string> FieldsOf(const FieldErrors& errors) {
    std::vector<std::string> fields;
    for (const auto& e : errors) {
        fields.push_back(e.field);
    }
    return fields;
}

// The curl example with one field replaced (or removed when `value` is absent) must fail on that field only.
void ExpectDraftRejectedOn(const std::string& field, std::optional<json::value> value) {
    auto body = CurlExample();
    if (value) {
        body[field] = *value;
    } else {
        body.erase(field);
    }
    FieldErrors errors;
    EXPECT_FALSE(DecodeItemDraft(body, errors).has_value()) << json::serialize(body);
    ASSERT_FALSE(errors.empty()) << json::serialize(body);
    for (const auto& e : errors) {
        EXPECT_EQ(e.field, field) << json::serialize(body) << ": " << e.message;
        EXPECT_FALSE(e.message.empty());
    }
}

std::string Repeat(const std::string& s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        out += s;
    }
    return out;
}

TEST(DecodeItemDraft, AcceptsTheDesignsCurlExample) {
    FieldErrors errors;
    const auto draft = DecodeItemDraft(CurlExample(), errors);
    ASSERT_TRUE(draft.has_value()) << (errors.empty() ? "" : errors[0].field + ": " + errors[0].message);
    EXPECT_TRUE(errors.empty());
    EXPECT_EQ(draft->name, "Vintage Camera");
    EXPECT_EQ(draft->description, "Rare 1960s camera");
    EXPECT_EQ(draft->currency_code, "USD");
    EXPECT_EQ(draft->start_price, Money{10000});
    EXPECT_EQ(draft->bid_increment, Money{500});
    EXPECT_EQ(draft->start_date, kJan15);
    EXPECT_EQ(draft->end_date, kJan20);
    EXPECT_TRUE(draft->category_ids.empty());

    const Item item = NewItem(*draft, "item-id", "user-123");
    EXPECT_EQ(item.current_price, item.start_price);
    EXPECT_EQ(item.status, ItemStatus::kActive);
    EXPECT_EQ(item.seller_id, "user-123");
    EXPECT_FALSE(item.buyer_id.has_value());
}

TEST(DecodeItemDraft, OptionalFieldsMayBeOmittedOrNull) {
    auto body = CurlExample();
    body.erase("description");
    body.erase("status");
    body["categoryIds"] = nullptr;
    FieldErrors errors;
    const auto draft = DecodeItemDraft(body, errors);
    ASSERT_TRUE(draft.has_value());
    EXPECT_EQ(draft->description, "");
}

TEST(DecodeItemDraft, EachInvalidFieldIsNamed) {
    // Each case: the field and its replacement as JSON text ("" removes the field).
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"name", ""},
        {"name", R"("")"},
        {"name", "42"},
        {"name", '"' + Repeat("a", 201) + '"'},
        {"description", "7"},
        {"description", '"' + Repeat("d", 10001) + '"'},
        {"currencyCode", ""},
        {"currencyCode", R"("usd")"},
        {"currencyCode", R"("XYZ")"},
        {"currencyCode", R"("US")"},
        {"startPrice", ""},
        {"startPrice", R"("0.00")"},
        {"startPrice", R"("-1.00")"},
        {"startPrice", R"("1.234")"},
        {"startPrice", R"("abc")"},
        {"startPrice", "100"},
        {"startPrice", "100.5"},
        {"bidIncrement", ""},
        {"bidIncrement", R"("0")"},
        {"bidIncrement", "5"},
        {"startDate", ""},
        {"startDate", R"("2024-01-15")"},
        {"startDate", R"("tomorrow")"},
        {"startDate", "1705312800"},
        {"endDate", ""},
        {"endDate", R"("2024-01-15T10:00:00Z")"},  // equal to startDate
        {"endDate", R"("2024-01-14T10:00:00Z")"},  // before startDate
        {"status", R"("sold")"},
        {"status", R"("cancelled")"},
        {"status", R"("bogus")"},
        {"status", "true"},
        {"categoryIds", R"("not-an-array")"},
        {"categoryIds", R"(["not-a-uuid"])"},
        {"categoryIds", "[1]"},
    };
    for (const auto& [field, text] : cases) {
        SCOPED_TRACE(field + " = " + (text.empty() ? "<absent>" : text.substr(0, 40)));
        ExpectDraftRejectedOn(field, text.empty() ? std::nullopt : std::optional<json::value>(json::parse(text)));
    }
}

TEST(DecodeItemDraft, ReportsEveryBadFieldAtOnce) {
    auto body = CurlExample();
    body["name"] = "";
    body["startPrice"] = 100;
    body["currencyCode"] = "usd";
    FieldErrors errors;
    EXPECT_FALSE(DecodeItemDraft(body, errors).has_value());
    const auto fields = FieldsOf(errors);
    for (const char* f : {"name", "startPrice", "currencyCode"}) {
        EXPECT_NE(std::find(fields.begin(), fields.end(), f), fields.end()) << f;
    }
}

TEST(DecodeItemDraft, RejectsReadOnlyAndUnknownFields) {
    for (const char* field : {"id", "sellerId", "currentPrice", "buyerId", "createdAt", "updatedAt", "foo", "Name"}) {
        SCOPED_TRACE(field);
        ExpectDraftRejectedOn(field, json::value("x"));
    }
}

TEST(DecodeItemDraft, RejectsNonObjectBodies) {
    for (const char* text : {"[]", "null", "\"item\"", "42"}) {
        FieldErrors errors;
        EXPECT_FALSE(DecodeItemDraft(json::parse(text), errors).has_value()) << text;
        EXPECT_FALSE(errors.empty()) << text;
    }
}

TEST(DecodeItemDraft, CategoryIdsAreDeduplicatedAndLowercased) {
    auto body = CurlExample();
    std::string upper_a = kCategoryA;
    std::transform(upper_a.begin(), upper_a.end(), upper_a.begin(), [](unsigned char c) { return std::toupper(c); });
    body["categoryIds"] = json::array{upper_a, kCategoryB, kCategoryA};
    FieldErrors errors;
    const auto draft = DecodeItemDraft(body, errors);
    ASSERT_TRUE(draft.has_value());
    EXPECT_EQ(draft->category_ids, (std::vector<std::string>{kCategoryA, kCategoryB}));
}

TEST(DecodeItemDraft, AtMostTwentyCategories) {
    json::array twenty;
    for (int i = 0; i < 20; ++i) {
        char id[37];
        std::snprintf(id, sizeof id, "0190a6b2-3c4d-7e8f-9a0b-%012d", i);
        twenty.emplace_back(id);
    }
    auto body = CurlExample();
    body["categoryIds"] = twenty;
    FieldErrors errors;
    ASSERT_TRUE(DecodeItemDraft(body, errors).has_value());
    EXPECT_EQ(DecodeItemDraft(body, errors)->category_ids.size(), 20U);

    twenty.emplace_back("0190a6b2-3c4d-7e8f-9a0b-999999999999");
    ExpectDraftRejectedOn("categoryIds", json::value(twenty));
}

TEST(DecodeItemDraft, NameLengthCountsCodePointsNotBytes) {
    for (const std::string glyph : {"\xC3\xA9" /* é */, "\xE2\x82\xAC" /* € */, "\xF0\x9F\x93\xB7" /* 📷 */}) {
        auto body = CurlExample();
        body["name"] = Repeat(glyph, 200);
        FieldErrors errors;
        const auto draft = DecodeItemDraft(body, errors);
        ASSERT_TRUE(draft.has_value()) << glyph;
        EXPECT_EQ(draft->name, Repeat(glyph, 200));
        ExpectDraftRejectedOn("name", json::value(Repeat(glyph, 201)));
    }
}

}  // namespace
}  // namespace auction::domain

namespace auction::domain {
namespace {

using app::DecodeItemDraft;

TEST(ItemDraftText, ControlCharactersAndBlankNamesAreRejected) {
    for (const auto& [field, value] :
         std::vector<std::pair<std::string, std::string>>{{"name", std::string("Camera\0evil", 11)},
                                                          {"name", "two\nlines"},
                                                          {"name", "   "},
                                                          {"description", std::string("nul\0inside", 11)},
                                                          {"description", "bell\x07"}}) {
        boost::json::object body{{"name", "Vintage Camera"},
                                 {"currencyCode", "USD"},
                                 {"startPrice", "100.00"},
                                 {"bidIncrement", "5.00"},
                                 {"startDate", "2024-01-15T10:00:00Z"},
                                 {"endDate", "2024-01-20T10:00:00Z"}};
        body[field] = value;
        FieldErrors errors;
        EXPECT_FALSE(DecodeItemDraft(body, errors).has_value()) << field;
        ASSERT_EQ(errors.size(), 1U);
        EXPECT_EQ(errors[0].field, field);
    }
    boost::json::object ok{{"name", "Vintage Camera"},
                           {"description", "line one\nline two\ttabbed"},
                           {"currencyCode", "USD"},
                           {"startPrice", "100.00"},
                           {"bidIncrement", "5.00"},
                           {"startDate", "2024-01-15T10:00:00Z"},
                           {"endDate", "2024-01-20T10:00:00Z"}};
    FieldErrors errors;
    EXPECT_TRUE(DecodeItemDraft(ok, errors).has_value());
}

}  // namespace
}  // namespace auction::domain
