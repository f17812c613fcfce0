// OWASP API10 (unsafe consumption of APIs): the bid events another service publishes are input like any
// request. Out-of-range, mistyped or oversized fields are refused by the decoder (the worker then
// dead-letters them with the reason, shown end to end by Worker.PoisonMessagesGoToTheDeadLetterQueueWithTheirReason).
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "domain/bid.hpp"

namespace auction {
namespace {

std::string Placed(const std::string& amount_json, const std::string& user = R"("alice")",
                   const std::string& currency = R"("EUR")") {
    return R"({"event":"bid.placed","version":"v1","timestamp":"2026-01-01T00:00:00Z","payload":{"bidId":"b-1",)"
           R"("itemId":"0190b6a0-0000-7000-8000-000000000001","userId":)" +
           user + R"(,"amount":)" + amount_json + R"(,"currencyCode":)" + currency + "}}";
}

bool Poison(const std::string& body) {
    return std::holds_alternative<domain::PoisonReason>(domain::DecodeBidEvent("bid.placed.v1", body));
}

TEST(HostileBidEvents, AcceptTheWellFormedBaseline) {
    EXPECT_FALSE(Poison(Placed(R"("150.00")")));
}

TEST(HostileBidEvents, OutOfRangeOrMistypedAmountsArePoison) {
    for (const char* amount : {R"("0.00")", R"("-5.00")", R"("1e309")", R"("NaN")", R"("Infinity")",
                               R"("9999999999999999999999.00")", R"("1.001")", R"("0x10")", R"(" 1.00")", R"("")",
                               "150.00", "1e400", "null", "true", R"(["1.00"])", R"({"v":"1.00"})"}) {
        EXPECT_TRUE(Poison(Placed(amount))) << amount;
    }
}

TEST(HostileBidEvents, HostileIdentitiesAndCurrenciesArePoison) {
    EXPECT_TRUE(Poison(Placed(R"("150.00")", R"("")")));
    EXPECT_TRUE(Poison(Placed(R"("150.00")", "\"" + std::string(129, 'u') + "\"")));
    EXPECT_TRUE(Poison(Placed(R"("150.00")", R"("a b")")));
    EXPECT_TRUE(Poison(Placed(R"("150.00")", R"("alice")", R"("EURO")")));
    EXPECT_TRUE(Poison(Placed(R"("150.00")", R"("alice")", R"("e'r")")));
    EXPECT_TRUE(Poison(Placed(R"("150.00")", R"("alice")", "42")));
}

TEST(HostileBidEvents, DeeplyNestedOrTruncatedBodiesArePoison) {
    EXPECT_TRUE(Poison(std::string(100000, '[') + std::string(100000, ']')));
    EXPECT_TRUE(Poison(Placed(R"("150.00")").substr(0, 60)));
    EXPECT_TRUE(Poison(""));
    EXPECT_TRUE(Poison("null"));
    // A routing key that is not a bid event is refused whatever the body says.
    EXPECT_TRUE(
        std::holds_alternative<domain::PoisonReason>(domain::DecodeBidEvent("bid.refund.v1", Placed(R"("1.00")"))));
}

}  // namespace
}  // namespace auction
