// Update and delete rules: DecodeItemPatch, UpdateConflict, ApplyPatch, DeleteConflict.
#include <gtest/gtest.h>

#include <boost/json.hpp>
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
// The clock of the conflict rules: the fixed dates are pure arithmetic here, "now" is whatever the test says.
constexpr timeutil::Micros kJan16 = kJan15 + 86'400'000'000;  // during the auction

std::vector<std::string> FieldsOf(const FieldErrors& errors) {
    std::vector<std::string> fields;
    for (const auto& e : errors) {
        fields.push_back(e.field);
    }
    return fields;
}

Item ActiveItem() {
    Item item;
    item.id = "0190a6b2-0000-7000-8000-000000000001";
    item.name = "Vintage Camera";
    item.description = "Rare 1960s camera";
    item.seller_id = "user-123";
    item.currency_code = "USD";
    item.start_price = Money{10000};
    item.current_price = Money{10000};
    item.bid_increment = Money{500};
    item.start_date = kJan15;
    item.end_date = kJan20;
    return item;
}

TEST(DecodeItemPatch, RejectsAnEmptyObject) {
    FieldErrors errors;
    EXPECT_FALSE(DecodeItemPatch(json::object{}, errors).has_value());
    EXPECT_FALSE(errors.empty());
}

TEST(DecodeItemPatch, KeepsOnlyTheFieldsSent) {
    FieldErrors errors;
    const auto patch = DecodeItemPatch(json::parse(R"({"name":"New name","endDate":"2024-01-21T10:00:00Z"})"), errors);
    ASSERT_TRUE(patch.has_value());
    EXPECT_EQ(patch->name, "New name");
    EXPECT_EQ(patch->end_date, kJan20 + 86'400'000'000);
    EXPECT_FALSE(patch->description || patch->currency_code || patch->start_price || patch->bid_increment ||
                 patch->start_date || patch->status || patch->category_ids);
}

TEST(DecodeItemPatch, ClientMayOnlySetActiveOrCancelled) {
    for (const char* ok : {"active", "cancelled"}) {
        FieldErrors errors;
        const auto patch = DecodeItemPatch(json::object{{"status", ok}}, errors);
        ASSERT_TRUE(patch.has_value()) << ok;
        EXPECT_EQ(patch->status, ParseItemStatus(ok));
    }
    for (const char* bad : {"sold", "expired", "bogus", "ACTIVE"}) {
        FieldErrors errors;
        EXPECT_FALSE(DecodeItemPatch(json::object{{"status", bad}}, errors).has_value()) << bad;
        EXPECT_EQ(FieldsOf(errors), std::vector<std::string>{"status"}) << bad;
    }
}

TEST(DecodeItemPatch, ValidatesFieldsLikeCreate) {
    for (const char* text : {R"({"currentPrice":"500.00"})", R"({"startPrice":150})", R"({"name":""})",
                             R"({"sellerId":"someone-else"})", R"({"categoryIds":["nope"]})"}) {
        FieldErrors errors;
        EXPECT_FALSE(DecodeItemPatch(json::parse(text), errors).has_value()) << text;
        EXPECT_EQ(errors.size(), 1U) << text;
    }
}

TEST(UpdateConflict, OnlyActiveItemsChange) {
    ItemPatch rename;
    rename.name = "New name";
    EXPECT_FALSE(UpdateConflict(ActiveItem(), rename, kJan16).has_value());
    for (auto status : {ItemStatus::kSold, ItemStatus::kExpired, ItemStatus::kCancelled}) {
        Item item = ActiveItem();
        item.status = status;
        EXPECT_TRUE(UpdateConflict(item, rename, kJan16).has_value()) << ToString(status);
    }
}

TEST(UpdateConflict, BidsFreezeStartPriceAndCurrency) {
    Item no_bids = ActiveItem();
    Item with_bids = ActiveItem();
    with_bids.current_price = Money{12000};
    with_bids.bid_count = 1;

    ItemPatch price;
    price.start_price = Money{9000};
    ItemPatch currency;
    currency.currency_code = "EUR";
    ItemPatch same_price;
    same_price.start_price = with_bids.start_price;
    ItemPatch rename;
    rename.name = "Renamed";

    EXPECT_FALSE(UpdateConflict(no_bids, price, kJan16).has_value());
    EXPECT_FALSE(UpdateConflict(no_bids, currency, kJan16).has_value());
    EXPECT_TRUE(UpdateConflict(with_bids, price, kJan16).has_value());
    EXPECT_TRUE(UpdateConflict(with_bids, currency, kJan16).has_value());
    EXPECT_FALSE(UpdateConflict(with_bids, same_price, kJan16).has_value());
    EXPECT_FALSE(UpdateConflict(with_bids, rename, kJan16).has_value());
}

TEST(UpdateConflict, AnEndedAuctionNoLongerChanges) {
    ItemPatch rename;
    rename.name = "Renamed";
    EXPECT_FALSE(UpdateConflict(ActiveItem(), rename, kJan20 - 1).has_value());
    EXPECT_TRUE(UpdateConflict(ActiveItem(), rename, kJan20).has_value());
    EXPECT_TRUE(UpdateConflict(ActiveItem(), rename, kJan20 + 1).has_value());
}

TEST(UpdateConflict, BidsFixTheStartDateAndOnlyLetTheEndMoveLater) {
    Item with_bids = ActiveItem();
    with_bids.bid_count = 2;
    ItemPatch start;
    start.start_date = kJan15 + 1;
    ItemPatch same_start;
    same_start.start_date = kJan15;
    ItemPatch earlier_end;
    earlier_end.end_date = kJan20 - 1;
    ItemPatch later_end;
    later_end.end_date = kJan20 + 1;
    EXPECT_TRUE(UpdateConflict(with_bids, start, kJan16).has_value());
    EXPECT_FALSE(UpdateConflict(with_bids, same_start, kJan16).has_value());
    EXPECT_TRUE(UpdateConflict(with_bids, earlier_end, kJan16).has_value());
    EXPECT_FALSE(UpdateConflict(with_bids, later_end, kJan16).has_value());
    // The price alone says nothing: an item whose price moved without a counted bid is not frozen.
    Item no_bids = ActiveItem();
    no_bids.current_price = Money{12000};
    EXPECT_FALSE(UpdateConflict(no_bids, start, kJan16).has_value());
    EXPECT_FALSE(UpdateConflict(no_bids, earlier_end, kJan16).has_value());
}

TEST(CheckEndInFuture, RefusesAnEndNotAfterNow) {
    FieldErrors errors;
    EXPECT_TRUE(CheckEndInFuture(kJan20, kJan16, errors));
    EXPECT_TRUE(errors.empty());
    EXPECT_FALSE(CheckEndInFuture(kJan20, kJan20, errors));
    EXPECT_FALSE(CheckEndInFuture(kJan15, kJan16, errors));
    EXPECT_EQ(FieldsOf(errors), (std::vector<std::string>{"endDate", "endDate"}));
}

TEST(ApplyPatch, StartPriceMovesCurrentPriceOnlyWithoutBids) {
    ItemPatch patch;
    patch.start_price = Money{9000};

    Item no_bids = ActiveItem();
    FieldErrors errors;
    ASSERT_TRUE(ApplyPatch(no_bids, patch, errors));
    EXPECT_EQ(no_bids.start_price, Money{9000});
    EXPECT_EQ(no_bids.current_price, Money{9000});

    Item with_bids = ActiveItem();
    with_bids.current_price = Money{12000};
    with_bids.bid_count = 1;
    ASSERT_TRUE(ApplyPatch(with_bids, patch, errors));
    EXPECT_EQ(with_bids.current_price, Money{12000});
    EXPECT_TRUE(errors.empty());
}

TEST(ApplyPatch, RechecksDatesAfterMerging) {
    ItemPatch late_start;
    late_start.start_date = kJan20;  // equals the existing endDate
    Item item = ActiveItem();
    FieldErrors errors;
    EXPECT_FALSE(ApplyPatch(item, late_start, errors));
    EXPECT_EQ(FieldsOf(errors), std::vector<std::string>{"endDate"});

    ItemPatch both;
    both.start_date = kJan20;
    both.end_date = kJan20 + 1;
    item = ActiveItem();
    errors.clear();
    EXPECT_TRUE(ApplyPatch(item, both, errors));
    EXPECT_EQ(item.start_date, kJan20);
    EXPECT_EQ(item.end_date, kJan20 + 1);
}

TEST(DeleteConflict, OnlySoldItemsAreKept) {
    for (auto status : {ItemStatus::kActive, ItemStatus::kExpired, ItemStatus::kCancelled, ItemStatus::kSold}) {
        Item item = ActiveItem();
        item.status = status;
        EXPECT_EQ(DeleteConflict(item).has_value(), status == ItemStatus::kSold) << ToString(status);
    }
}

}  // namespace
}  // namespace auction::domain
