// Regression tests for bugs the libFuzzer targets found (tests/fuzz); each input also sits in the target's
// seed corpus as regress_*.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "domain/bid.hpp"

namespace auction {
namespace {

std::string PlacedEnvelope(const std::string& bid_id, const std::string& extra) {
    return R"({"event":"bid.placed","version":"v1",)" + extra + R"("payload":{"bidId":")" + bid_id +
           R"(","itemId":"0190b1f2-7c3a-7d4e-8f5a-6b7c8d9e0f10","userId":"u-1","amount":"1.00","currencyCode":"GBP"}})";
}

// bid_event_fuzz: a NUL in the envelope's traceId reached the worker's database parameters (libpq cuts
// them at the NUL). Such a trace id is now ignored, as an over-long one is.
TEST(FuzzRegressions, BidEventIgnoresTraceIdsWithControlCharacters) {
    const auto result = domain::DecodeBidEvent(
        "bid.placed.v1", PlacedEnvelope("b-1", R"("traceId":"t\u0000x","correlationId":"c\nx",)"));
    const auto* event = std::get_if<domain::BidEvent>(&result);
    ASSERT_NE(event, nullptr);
    EXPECT_EQ(event->trace_id, "");
    EXPECT_EQ(event->correlation_id, "");
    EXPECT_EQ(event->bid_id, "b-1");
}

TEST(FuzzRegressions, BidEventKeepsPlainTraceIds) {
    const auto result =
        domain::DecodeBidEvent("bid.placed.v1", PlacedEnvelope("b-1", R"("traceId":"t-1","correlationId":"c-1",)"));
    const auto* event = std::get_if<domain::BidEvent>(&result);
    ASSERT_NE(event, nullptr);
    EXPECT_EQ(event->trace_id, "t-1");
    EXPECT_EQ(event->correlation_id, "c-1");
}

// The same for the bid id, which is the idempotency key: one bid with a NUL in it failed the statement of
// its whole batch on every retry, so every bid of the batch was dead-lettered. It is poison on its own now.
TEST(FuzzRegressions, BidEventWithControlCharacterInBidIdIsPoison) {
    const auto result = domain::DecodeBidEvent("bid.placed.v1", PlacedEnvelope(R"(b\u0000-1)", ""));
    const auto* poison = std::get_if<domain::PoisonReason>(&result);
    ASSERT_NE(poison, nullptr);
    EXPECT_EQ(poison->reason, "payload.bidId must not contain control characters");
}

}  // namespace
}  // namespace auction
