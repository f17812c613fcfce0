// The item's public JSON shape and the events built from it (pkg/events).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>
#include <string>

#include "domain/item.hpp"
#include "domain/item_events.hpp"
#include "pkg/events/events.hpp"
#include "pkg/ids/uuid.hpp"

namespace auction::events {
namespace {

namespace json = boost::json;
using domain::Item;
using domain::Money;

constexpr timeutil::Micros kJan15 = 1'705'312'800'000'000;  // 2024-01-15T10:00:00Z
constexpr timeutil::Micros kJan20 = 1'705'744'800'000'000;  // 2024-01-20T10:00:00Z

std::set<std::string> KeysOf(const json::object& o) {
    std::set<std::string> keys;
    for (const auto& kv : o) {
        keys.emplace(kv.key());
    }
    return keys;
}

Item CameraItem() {
    Item item;
    item.id = "0190a6b2-0000-7000-8000-000000000001";
    item.name = "Vintage Camera";
    item.description = "Rare 1960s camera";
    item.seller_id = "user-123";
    item.currency_code = "USD";
    item.start_price = Money{10000};
    item.current_price = Money{12550};
    item.bid_increment = Money{500};
    item.start_date = kJan15;
    item.end_date = kJan20;
    item.category_ids = {"0190a6b2-3c4d-7e8f-9a0b-1c2d3e4f5a6b"};
    item.created_at = kJan15 - 3'600'000'000;
    item.updated_at = kJan15 - 1'800'000'000 + 123'000;
    return item;
}

TEST(ItemJson, HasExactlyTheFifteenPublicFields) {
    const json::object o = json::value_from(CameraItem()).as_object();
    EXPECT_EQ(KeysOf(o), (std::set<std::string>{"id", "name", "description", "sellerId", "currencyCode", "startPrice",
                                                "currentPrice", "bidIncrement", "startDate", "endDate", "status",
                                                "buyerId", "categoryIds", "createdAt", "updatedAt"}));
    EXPECT_EQ(o.at("id"), "0190a6b2-0000-7000-8000-000000000001");
    EXPECT_EQ(o.at("name"), "Vintage Camera");
    EXPECT_EQ(o.at("description"), "Rare 1960s camera");
    EXPECT_EQ(o.at("sellerId"), "user-123");
    EXPECT_EQ(o.at("currencyCode"), "USD");
    // Money is always a two-decimal string, never a JSON number.
    EXPECT_EQ(o.at("startPrice"), "100.00");
    EXPECT_EQ(o.at("currentPrice"), "125.50");
    EXPECT_EQ(o.at("bidIncrement"), "5.00");
    EXPECT_EQ(o.at("startDate"), "2024-01-15T10:00:00Z");
    EXPECT_EQ(o.at("endDate"), "2024-01-20T10:00:00Z");
    EXPECT_EQ(o.at("status"), "active");
    EXPECT_TRUE(o.at("buyerId").is_null());
    EXPECT_EQ(o.at("categoryIds"), (json::array{"0190a6b2-3c4d-7e8f-9a0b-1c2d3e4f5a6b"}));
    EXPECT_EQ(o.at("createdAt"), "2024-01-15T09:00:00Z");
    EXPECT_EQ(o.at("updatedAt"), "2024-01-15T09:30:00.123Z");
}

TEST(ItemJson, SoldItemCarriesItsBuyer) {
    Item item = CameraItem();
    item.status = domain::ItemStatus::kSold;
    item.buyer_id = "user-456";
    item.category_ids.clear();
    const json::object o = json::value_from(item).as_object();
    EXPECT_EQ(o.at("status"), "sold");
    EXPECT_EQ(o.at("buyerId"), "user-456");
    EXPECT_EQ(o.at("categoryIds"), json::array{});
}

TEST(ItemStatus, RoundTripsThroughText) {
    using domain::ItemStatus;
    for (auto s : {ItemStatus::kActive, ItemStatus::kSold, ItemStatus::kExpired, ItemStatus::kCancelled}) {
        EXPECT_EQ(domain::ParseItemStatus(domain::ToString(s)), s);
    }
    EXPECT_FALSE(domain::ParseItemStatus("Active").has_value());
    EXPECT_FALSE(domain::ParseItemStatus("").has_value());
}

TEST(ItemEvent, EnvelopeMatchesTheDesign) {
    const Item item = CameraItem();
    const EventMeta meta{"trace-uuid", "correlation-uuid"};
    const auto m = MakeItemEvent("item.created", meta, item.id, domain::ItemCreatedPayload(item), kJan15);

    EXPECT_EQ(m.exchange, "auction.item");
    EXPECT_EQ(m.routing_key, "item.created.v1");
    EXPECT_EQ(m.aggregate_id, item.id);
    EXPECT_EQ(m.correlation_id, "correlation-uuid");
    EXPECT_EQ(m.occurred_at, kJan15);
    EXPECT_TRUE(ids::IsUuid(m.event_id)) << m.event_id;

    const json::object body = json::parse(m.body).as_object();
    EXPECT_EQ(KeysOf(body),
              (std::set<std::string>{"event", "version", "timestamp", "traceId", "correlationId", "payload"}));
    EXPECT_EQ(body.at("event"), "item.created");
    EXPECT_EQ(body.at("version"), "v1");
    EXPECT_EQ(body.at("timestamp"), "2024-01-15T10:00:00Z");
    EXPECT_EQ(body.at("traceId"), "trace-uuid");
    EXPECT_EQ(body.at("correlationId"), "correlation-uuid");
    EXPECT_EQ(body.at("payload"), domain::ItemCreatedPayload(item));
}

TEST(ItemEvent, EachEventGetsItsOwnId) {
    const Item item = CameraItem();
    const auto a = MakeItemEvent("item.updated", {}, item.id, domain::ItemUpdatedPayload(item), kJan15);
    const auto b = MakeItemEvent("item.updated", {}, item.id, domain::ItemUpdatedPayload(item), kJan15);
    EXPECT_NE(a.event_id, b.event_id);
    EXPECT_EQ(a.routing_key, "item.updated.v1");
}

TEST(ItemEvent, CreatedPayloadHasTheDesignsSixFields) {
    const json::object p = domain::ItemCreatedPayload(CameraItem());
    EXPECT_EQ(KeysOf(p),
              (std::set<std::string>{"id", "name", "sellerId", "startPrice", "currentPrice", "currencyCode"}));
    EXPECT_EQ(p.at("id"), "0190a6b2-0000-7000-8000-000000000001");
    EXPECT_EQ(p.at("name"), "Vintage Camera");
    EXPECT_EQ(p.at("sellerId"), "user-123");
    EXPECT_EQ(p.at("startPrice"), "100.00");
    EXPECT_EQ(p.at("currentPrice"), "125.50");
    EXPECT_EQ(p.at("currencyCode"), "USD");
}

TEST(ItemEvent, UpdatedPayloadIsTheWholeItem) {
    const Item item = CameraItem();
    EXPECT_EQ(json::value(domain::ItemUpdatedPayload(item)), json::value_from(item));
}

TEST(ItemEvent, DeletedPayload) {
    const json::object p = domain::ItemDeletedPayload(CameraItem(), kJan20 + 250'000);
    EXPECT_EQ(KeysOf(p), (std::set<std::string>{"id", "sellerId", "deletedAt"}));
    EXPECT_EQ(p.at("id"), "0190a6b2-0000-7000-8000-000000000001");
    EXPECT_EQ(p.at("sellerId"), "user-123");
    EXPECT_EQ(p.at("deletedAt"), "2024-01-20T10:00:00.25Z");
}

TEST(ItemEvent, BodyEscapesUserText) {
    // Names come from clients: the envelope must stay valid JSON whatever they contain.
    Item item = CameraItem();
    item.name = "Quote \" backslash \\ newline \n tab \t";
    const auto m = MakeItemEvent("item.created", {}, item.id, domain::ItemCreatedPayload(item), kJan15);
    EXPECT_EQ(json::parse(m.body).at("payload").at("name").as_string(), item.name);
}

}  // namespace
}  // namespace auction::events
