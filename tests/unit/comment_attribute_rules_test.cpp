// Comments and attributes: decoding and validation rules, public JSON shapes, event payloads.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "app/attribute_json.hpp"
#include "app/comment_json.hpp"
#include "domain/item_attribute.hpp"
#include "domain/item_comment.hpp"
#include "domain/item_events.hpp"
#include "domain/text.hpp"
#include "domain/validation.hpp"
#include "infra/postgres/error_mapping.hpp"
#include "pkg/events/events.hpp"
#include "pkg/ids/uuid.hpp"

namespace auction::domain {
namespace {

namespace json = boost::json;
using app::DecodeAttributeDrafts;
using app::DecodeCommentDraft;

constexpr timeutil::Micros kJan15 = 1'705'312'800'000'000;  // 2024-01-15T10:00:00Z
constexpr const char* kItemId = "0190a6b2-0000-7000-8000-000000000001";
constexpr const char* kCommentId = "0190a6b2-0000-7000-8000-0000000000c1";
constexpr const char* kAttributeId = "0190a6b2-0000-7000-8000-0000000000a1";

std::set<std::string> KeysOf(const json::object& o) {
    std::set<std::string> keys;
    for (const auto& kv : o) {
        keys.emplace(kv.key());
    }
    return keys;
}

std::vector<std::string> FieldsOf(const FieldErrors& errors) {
    std::vector<std::string> fields;
    for (const auto& e : errors) {
        fields.push_back(e.field);
    }
    return fields;
}

std::string Repeat(const std::string& s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        out += s;
    }
    return out;
}

// ---- text rules -------------------------------------------------------------------------------------

TEST(TextRules, DecodesUtf8CodePoints) {
    EXPECT_EQ(DecodeUtf8("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x93\xB7"), (std::u32string{U'a', 0xE9, 0x20AC, 0x1F4F7}));
    EXPECT_EQ(DecodeUtf8(""), std::u32string());
    // Invalid bytes never reach here from Boost.JSON, but must not crash or read past the end.
    EXPECT_EQ(DecodeUtf8("\xFF"), std::u32string(1, 0xFFFD));
    // Each byte that starts no valid sequence is one U+FFFD (pkg/encoding's rule, as the logger's): a truncated
    // sequence, an overlong form (here of '/'), an encoded surrogate.
    EXPECT_EQ(DecodeUtf8("\xE2\x82"), std::u32string(2, 0xFFFD));
    EXPECT_EQ(DecodeUtf8("\xC0\xAF"), std::u32string(2, 0xFFFD));
    EXPECT_EQ(DecodeUtf8("x\xED\xA0\x80y"), (std::u32string{U'x', 0xFFFD, 0xFFFD, 0xFFFD, U'y'}));
}

TEST(TextRules, Utf8LengthCountsCodePoints) {
    EXPECT_EQ(Utf8Length("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x93\xB7"), 4U);
    EXPECT_EQ(Utf8Length(""), 0U);
    EXPECT_EQ(Utf8Length("\xE2\x82"), 2U);  // bytes of no valid sequence count one each
}

TEST(TextRules, BlankMeansOnlyUnicodeWhitespace) {
    EXPECT_TRUE(IsBlank(""));
    EXPECT_TRUE(IsBlank(" \t\r\n"));
    EXPECT_TRUE(IsBlank("\xC2\xA0\xE3\x80\x80"));  // NO-BREAK SPACE, IDEOGRAPHIC SPACE
    EXPECT_FALSE(IsBlank(" a "));
}

TEST(TextRules, EdgeWhitespaceAndPrintability) {
    EXPECT_FALSE(HasEdgeWhitespace("model year"));
    EXPECT_TRUE(HasEdgeWhitespace(" brand"));
    EXPECT_TRUE(HasEdgeWhitespace("brand\t"));
    EXPECT_TRUE(HasEdgeWhitespace("brand\xC2\xA0"));
    EXPECT_TRUE(IsPrintableLine("Marke \xC3\xA9t\xC3\xA9 \xF0\x9F\x93\xB7"));
    EXPECT_FALSE(IsPrintableLine("a\nb"));
    EXPECT_FALSE(IsPrintableLine(std::string("a\0b", 3)));
    EXPECT_FALSE(
        IsPrintableLine("a\xC2\x85"
                        "b"));  // NEXT LINE (C1)
    EXPECT_FALSE(
        IsPrintableLine("a\xE2\x80\xA8"
                        "b"));  // LINE SEPARATOR
    EXPECT_TRUE(IsPrintableText("line one\nline two\r\n\tindented"));
    EXPECT_FALSE(IsPrintableText(std::string("a\0b", 3)));
    EXPECT_FALSE(IsPrintableText("bell\x07"));
    EXPECT_FALSE(IsPrintableText("del\x7F"));
}

// ---- comments ---------------------------------------------------------------------------------------

std::optional<CommentDraft> DecodeComment(const std::string& body, FieldErrors& errors) {
    return DecodeCommentDraft(json::parse(body), errors);
}

TEST(CommentDraftRules, AcceptsTheDesignsExample) {
    FieldErrors errors;
    auto draft = DecodeComment(R"({"content": "Is this item still available?"})", errors);
    ASSERT_TRUE(draft.has_value());
    EXPECT_TRUE(errors.empty());
    EXPECT_EQ(draft->content, "Is this item still available?");
}

TEST(CommentDraftRules, ContentIsRequiredAndAString) {
    for (const char* body : {R"({})", R"({"content": null})", R"({"content": 42})", R"({"content": ["x"]})"}) {
        FieldErrors errors;
        EXPECT_FALSE(DecodeComment(body, errors).has_value()) << body;
        EXPECT_EQ(FieldsOf(errors), std::vector<std::string>{"content"}) << body;
    }
}

TEST(CommentDraftRules, ContentLengthCountsCodePoints) {
    const std::string e_acute = "\xC3\xA9";  // two bytes, one code point
    for (const auto& [content, ok] : std::vector<std::pair<std::string, bool>>{{"", false},
                                                                               {"x", true},
                                                                               {Repeat(e_acute, 2000), true},
                                                                               {Repeat(e_acute, 2001), false},
                                                                               {std::string(2000, 'x'), true},
                                                                               {std::string(2001, 'x'), false}}) {
        FieldErrors errors;
        auto draft = DecodeCommentDraft(json::object{{"content", content}}, errors);
        EXPECT_EQ(draft.has_value(), ok) << content.size() << " bytes";
        if (!ok) {
            EXPECT_EQ(FieldsOf(errors), std::vector<std::string>{"content"});
        }
    }
}

TEST(CommentDraftRules, ContentMustNotBeOnlyWhitespace) {
    for (const char* content : {" ", "\n\t \r\n", "\xC2\xA0", "\xE3\x80\x80 "}) {
        FieldErrors errors;
        EXPECT_FALSE(DecodeCommentDraft(json::object{{"content", content}}, errors).has_value());
        ASSERT_EQ(errors.size(), 1U);
        EXPECT_EQ(errors[0].message, "must not be only whitespace");
    }
    FieldErrors errors;
    auto draft = DecodeCommentDraft(json::object{{"content", "  padded, kept as sent\n"}}, errors);
    ASSERT_TRUE(draft.has_value());
    EXPECT_EQ(draft->content, "  padded, kept as sent\n");
}

TEST(CommentDraftRules, ControlCharactersOtherThanLineBreaksAreRefused) {
    FieldErrors errors;
    EXPECT_FALSE(DecodeComment(R"({"content": "nul \u0000 inside"})", errors).has_value());
    EXPECT_EQ(FieldsOf(errors), std::vector<std::string>{"content"});
    errors.clear();
    EXPECT_TRUE(DecodeComment(R"({"content": "two\nlines\tand a tab"})", errors).has_value());
}

TEST(CommentDraftRules, UnknownAndReadOnlyFieldsAreNamed) {
    FieldErrors errors;
    auto draft = DecodeComment(
        R"({"content": "hi", "id": "x", "itemId": "x", "authorId": "x", "createdAt": "x", "rating": 5})", errors);
    EXPECT_FALSE(draft.has_value());
    EXPECT_EQ(FieldsOf(errors), (std::vector<std::string>{"id", "itemId", "authorId", "createdAt", "rating"}));
    EXPECT_EQ(errors[0].message, "is read-only and cannot be set by a client");
    EXPECT_EQ(errors[4].message, "is not a known field");
}

TEST(CommentDraftRules, BodyMustBeAnObject) {
    for (const char* body : {"[]", "\"hi\"", "null", "1"}) {
        FieldErrors errors;
        EXPECT_FALSE(DecodeComment(body, errors).has_value());
        EXPECT_EQ(FieldsOf(errors), std::vector<std::string>{""});
    }
}

Item SellerItem() {
    Item item;
    item.id = kItemId;
    item.seller_id = "seller-1";
    return item;
}

ItemComment SampleComment() {
    return ItemComment{kCommentId, kItemId, "user-123", "Is this item still available?", kJan15 + 500'000};
}

TEST(CommentRules, AuthorOrSellerMayDelete) {
    const auto item = SellerItem();
    const auto comment = SampleComment();
    EXPECT_TRUE(MayDeleteComment(comment, item, "user-123"));
    EXPECT_TRUE(MayDeleteComment(comment, item, "seller-1"));
    EXPECT_FALSE(MayDeleteComment(comment, item, "someone-else"));
    EXPECT_FALSE(MayDeleteComment(comment, item, "USER-123"));
}

TEST(CommentRules, NewCommentTakesItsIdsFromTheServer) {
    const auto comment = NewComment(CommentDraft{"hello"}, kCommentId, kItemId, "user-9");
    EXPECT_EQ(comment.id, kCommentId);
    EXPECT_EQ(comment.item_id, kItemId);
    EXPECT_EQ(comment.author_id, "user-9");
    EXPECT_EQ(comment.content, "hello");
}

TEST(CommentJson, HasExactlyTheFivePublicFields) {
    const json::object o = json::value_from(SampleComment()).as_object();
    EXPECT_EQ(KeysOf(o), (std::set<std::string>{"id", "itemId", "authorId", "content", "createdAt"}));
    EXPECT_EQ(o.at("id"), kCommentId);
    EXPECT_EQ(o.at("itemId"), kItemId);
    EXPECT_EQ(o.at("authorId"), "user-123");
    EXPECT_EQ(o.at("content"), "Is this item still available?");
    EXPECT_EQ(o.at("createdAt"), "2024-01-15T10:00:00.5Z");
}

// ---- attributes -------------------------------------------------------------------------------------

std::optional<std::vector<AttributeDraft>> DecodeAttributes(const std::string& body, FieldErrors& errors) {
    return DecodeAttributeDrafts(json::parse(body), errors);
}

json::object AttributesBody(const json::array& entries) {
    return json::object{{"attributes", entries}};
}

// One entry {"key": key, "value": value} must fail on `field` (or pass when `field` is empty).
void ExpectEntry(const std::string& key, const std::string& value, const std::string& field) {
    FieldErrors errors;
    auto drafts = DecodeAttributeDrafts(AttributesBody({json::object{{"key", key}, {"value", value}}}), errors);
    if (field.empty()) {
        EXPECT_TRUE(drafts.has_value()) << key << " / " << value;
        EXPECT_TRUE(errors.empty());
    } else {
        EXPECT_FALSE(drafts.has_value()) << key << " / " << value;
        EXPECT_EQ(FieldsOf(errors), std::vector<std::string>{field}) << key << " / " << value;
    }
}

TEST(AttributeDraftRules, AcceptsTheDesignsExampleInOrder) {
    FieldErrors errors;
    auto drafts = DecodeAttributes(R"({"attributes": [{"key": "brand", "value": "Canon"},
        {"key": "condition", "value": "excellent"}, {"key": "year", "value": "1965"}]})",
                                   errors);
    ASSERT_TRUE(drafts.has_value()) << (errors.empty() ? "" : errors[0].field + " " + errors[0].message);
    ASSERT_EQ(drafts->size(), 3U);
    EXPECT_EQ((*drafts)[0].key, "brand");
    EXPECT_EQ((*drafts)[0].value, "Canon");
    EXPECT_EQ((*drafts)[1].key, "condition");
    EXPECT_EQ((*drafts)[2].key, "year");
    EXPECT_EQ((*drafts)[2].value, "1965");
}

TEST(AttributeDraftRules, TheListIsRequiredWithOneToFiftyEntries) {
    for (const char* body : {R"({})", R"({"attributes": null})", R"({"attributes": {"key": "a", "value": "b"}})",
                             R"({"attributes": []})"}) {
        FieldErrors errors;
        EXPECT_FALSE(DecodeAttributes(body, errors).has_value()) << body;
        EXPECT_EQ(FieldsOf(errors), std::vector<std::string>{"attributes"}) << body;
    }
    json::array fifty;
    for (int i = 0; i < 50; ++i) {
        fifty.push_back(json::object{{"key", "k" + std::to_string(i)}, {"value", "v"}});
    }
    FieldErrors errors;
    EXPECT_TRUE(DecodeAttributeDrafts(AttributesBody(fifty), errors).has_value());
    fifty.push_back(json::object{{"key", "k50"}, {"value", "v"}});
    EXPECT_FALSE(DecodeAttributeDrafts(AttributesBody(fifty), errors).has_value());
    EXPECT_EQ(FieldsOf(errors), std::vector<std::string>{"attributes"});
}

TEST(AttributeDraftRules, EntriesNeedStringKeyAndValue) {
    FieldErrors errors;
    auto drafts = DecodeAttributes(
        R"({"attributes": ["brand", {"value": "x"}, {"key": "k"}, {"key": 1, "value": true}, {"key": "ok", "value": "ok"}]})",
        errors);
    EXPECT_FALSE(drafts.has_value());
    EXPECT_EQ(FieldsOf(errors), (std::vector<std::string>{"attributes[0]", "attributes[1].key", "attributes[2].value",
                                                          "attributes[3].key", "attributes[3].value"}));
}

TEST(AttributeDraftRules, KeyIsOneToHundredPrintableCodePointsWithoutEdgeWhitespace) {
    const std::string e_acute = "\xC3\xA9";
    ExpectEntry("brand", "Canon", "");
    ExpectEntry("model year", "1965", "");
    ExpectEntry(Repeat(e_acute, 100), "v", "");
    ExpectEntry(std::string(100, 'k'), "v", "");
    ExpectEntry("", "v", "attributes[0].key");
    ExpectEntry(std::string(101, 'k'), "v", "attributes[0].key");
    ExpectEntry(Repeat(e_acute, 101), "v", "attributes[0].key");
    ExpectEntry(" brand", "v", "attributes[0].key");
    ExpectEntry("brand ", "v", "attributes[0].key");
    ExpectEntry("brand\xC2\xA0", "v", "attributes[0].key");
    ExpectEntry(" ", "v", "attributes[0].key");
    ExpectEntry("two\nlines", "v", "attributes[0].key");
    ExpectEntry("tab\tinside", "v", "attributes[0].key");
    ExpectEntry(std::string("nul\0", 4) + "x", "v", "attributes[0].key");
}

TEST(AttributeDraftRules, ValueIsOneToThousandCodePoints) {
    ExpectEntry("k", std::string(1000, 'v'), "");
    ExpectEntry("k", Repeat("\xE2\x82\xAC", 1000), "");
    ExpectEntry("k", "multi\nline\ttext", "");
    ExpectEntry("k", "", "attributes[0].value");
    ExpectEntry("k", std::string(1001, 'v'), "attributes[0].value");
    ExpectEntry("k", std::string("nul\0", 4), "attributes[0].value");
}

TEST(AttributeDraftRules, DuplicateKeysInOneRequestAreRefused) {
    FieldErrors errors;
    auto drafts = DecodeAttributes(R"({"attributes": [{"key": "brand", "value": "Canon"},
        {"key": "Brand", "value": "Nikon"}, {"key": "brand", "value": "Leica"}]})",
                                   errors);
    EXPECT_FALSE(drafts.has_value());
    ASSERT_EQ(FieldsOf(errors), std::vector<std::string>{"attributes[2].key"});
    EXPECT_EQ(errors[0].message, "duplicates attributes[0].key");
}

TEST(AttributeDraftRules, UnknownAndReadOnlyFieldsAreNamed) {
    FieldErrors errors;
    auto drafts = DecodeAttributes(
        R"({"attributes": [{"key": "a", "value": "b", "id": "x", "itemId": "y", "createdAt": "z", "unit": "cm"}],
            "itemId": "q"})",
        errors);
    EXPECT_FALSE(drafts.has_value());
    EXPECT_EQ(FieldsOf(errors), (std::vector<std::string>{"itemId", "attributes[0].id", "attributes[0].itemId",
                                                          "attributes[0].createdAt", "attributes[0].unit"}));
    EXPECT_EQ(errors[1].message, "is read-only and cannot be set by a client");
    EXPECT_EQ(errors[4].message, "is not a known field");
}

TEST(AttributeRules, OnlyAnActiveItemsAttributesChange) {
    Item item = SellerItem();
    EXPECT_FALSE(AttributeWriteConflict(item).has_value());
    for (auto status : {ItemStatus::kSold, ItemStatus::kExpired, ItemStatus::kCancelled}) {
        item.status = status;
        auto conflict = AttributeWriteConflict(item);
        ASSERT_TRUE(conflict.has_value());
        EXPECT_NE(conflict->find(std::string(ToString(status))), std::string::npos) << *conflict;
    }
}

std::vector<ItemAttribute> AttributesWithKeys(const std::vector<std::string>& keys) {
    std::vector<AttributeDraft> drafts;
    std::vector<std::string> attribute_ids;
    for (const auto& k : keys) {
        drafts.push_back({k, "v"});
        attribute_ids.push_back(ids::NewUuidV7());
    }
    return NewAttributes(drafts, kItemId, attribute_ids);
}

TEST(AttributeRules, NewAttributesKeepRequestOrderAndTheirIds) {
    auto attributes = NewAttributes({{"b", "1"}, {"a", "2"}}, kItemId, {"id-1", "id-2"});
    ASSERT_EQ(attributes.size(), 2U);
    EXPECT_EQ(attributes[0].id, "id-1");
    EXPECT_EQ(attributes[0].key, "b");
    EXPECT_EQ(attributes[1].value, "2");
    EXPECT_EQ(attributes[1].item_id, kItemId);
}

TEST(AttributeRules, AnExistingKeyRefusesTheWholeRequest) {
    auto conflict = NewAttributesConflict({"brand", "year"}, AttributesWithKeys({"color", "year", "brand"}));
    ASSERT_TRUE(conflict.has_value());
    EXPECT_EQ(FieldsOf(conflict->errors), (std::vector<std::string>{"attributes[1].key", "attributes[2].key"}));
    EXPECT_FALSE(NewAttributesConflict({"brand"}, AttributesWithKeys({"Brand", "color"})).has_value());
}

TEST(AttributeRules, AnItemHoldsAtMostHundredAttributes) {
    std::vector<std::string> existing;
    for (int i = 0; i < 98; ++i) {
        existing.push_back("k" + std::to_string(i));
    }
    EXPECT_FALSE(NewAttributesConflict(existing, AttributesWithKeys({"a", "b"})).has_value());
    auto conflict = NewAttributesConflict(existing, AttributesWithKeys({"a", "b", "c"}));
    ASSERT_TRUE(conflict.has_value());
    EXPECT_EQ(FieldsOf(conflict->errors), std::vector<std::string>{"attributes"});
    EXPECT_NE(conflict->detail.find("100"), std::string::npos);
}

ItemAttribute SampleAttribute() {
    return ItemAttribute{kAttributeId, kItemId, "brand", "Canon", kJan15};
}

TEST(AttributeJson, HasExactlyTheFivePublicFields) {
    const json::object o = json::value_from(SampleAttribute()).as_object();
    EXPECT_EQ(KeysOf(o), (std::set<std::string>{"id", "itemId", "key", "value", "createdAt"}));
    EXPECT_EQ(o.at("id"), kAttributeId);
    EXPECT_EQ(o.at("itemId"), kItemId);
    EXPECT_EQ(o.at("key"), "brand");
    EXPECT_EQ(o.at("value"), "Canon");
    EXPECT_EQ(o.at("createdAt"), "2024-01-15T10:00:00Z");
}

TEST(AttributeRules, ADuplicateKeyFromTheDatabaseIsAConflictOnAttributes) {
    // The backstop behind the in-transaction key check: UNIQUE (item_id, key) of 004_create_item_attributes.sql.
    const postgres::PgError unique("duplicate key", "23505", "item_attributes_item_id_key_key", false);
    const auto mapped = postgres::MapPgError(unique);
    EXPECT_EQ(mapped.kind(), errors::Kind::kConflict);
    ASSERT_EQ(mapped.errors().size(), 1U);
    EXPECT_EQ(mapped.errors()[0].field, "attributes");
    const postgres::PgError other("duplicate key", "23505", "item_attributes_pkey", false);
    EXPECT_TRUE(postgres::MapPgError(other).errors().empty());
}

// ---- events -----------------------------------------------------------------------------------------

TEST(CommentEvents, CreatedPayloadIsTheDesignsFiveFields) {
    const json::object p = domain::CommentCreatedPayload(SampleComment());
    EXPECT_EQ(json::value(p), json::value_from(SampleComment()));
    EXPECT_EQ(KeysOf(p), (std::set<std::string>{"id", "itemId", "authorId", "content", "createdAt"}));
}

TEST(CommentEvents, DeletedPayloadIsIdItemIdDeletedAt) {
    const json::object p = domain::CommentDeletedPayload(SampleComment(), kJan15 + 1'250'000);
    EXPECT_EQ(p, (json::object{{"id", kCommentId}, {"itemId", kItemId}, {"deletedAt", "2024-01-15T10:00:01.25Z"}}));
}

TEST(CommentEvents, EnvelopeCarriesTheChangeTime) {
    const auto comment = SampleComment();
    const auto m = events::MakeItemEvent("item.comment.created", {"trace-1", "corr-1"}, comment.item_id,
                                         domain::CommentCreatedPayload(comment), comment.created_at);
    EXPECT_EQ(m.routing_key, "item.comment.created.v1");
    EXPECT_EQ(m.exchange, "auction.item");
    EXPECT_EQ(m.aggregate_id, kItemId);
    const json::object body = json::parse(m.body).as_object();
    EXPECT_EQ(body.at("event"), "item.comment.created");
    EXPECT_EQ(body.at("timestamp"), "2024-01-15T10:00:00.5Z");
    EXPECT_EQ(body.at("payload").at("content"), "Is this item still available?");
}

TEST(AttributeEvents, CreatedPayloadIsTheDesignsFiveFields) {
    const json::object p = domain::AttributeCreatedPayload(SampleAttribute());
    EXPECT_EQ(p, (json::object{{"id", kAttributeId},
                               {"itemId", kItemId},
                               {"key", "brand"},
                               {"value", "Canon"},
                               {"createdAt", "2024-01-15T10:00:00Z"}}));
}

TEST(AttributeEvents, DeletedPayloadIsIdItemIdDeletedAt) {
    const json::object p = domain::AttributeDeletedPayload(SampleAttribute(), kJan15 + 60'000'000);
    EXPECT_EQ(p, (json::object{{"id", kAttributeId}, {"itemId", kItemId}, {"deletedAt", "2024-01-15T10:01:00Z"}}));
    const auto m = events::MakeItemEvent("item.attribute.deleted", {}, kItemId, p, kJan15 + 60'000'000);
    EXPECT_EQ(m.routing_key, "item.attribute.deleted.v1");
    EXPECT_EQ(json::parse(m.body).at("timestamp"), "2024-01-15T10:01:00Z");
}

}  // namespace
}  // namespace auction::domain
