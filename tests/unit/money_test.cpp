#include <gtest/gtest.h>

#include "domain/money.hpp"

using auction::domain::FormatMoney;
using auction::domain::IsCurrencyCode;
using auction::domain::Money;
using auction::domain::ParseMoney;

TEST(Money, ParsesDecimalStrings) {
    EXPECT_EQ(ParseMoney("100.00")->cents, 10000);
    EXPECT_EQ(ParseMoney("100")->cents, 10000);
    EXPECT_EQ(ParseMoney("5.5")->cents, 550);
    EXPECT_EQ(ParseMoney("0.01")->cents, 1);
    EXPECT_EQ(ParseMoney("999999999999999.99")->cents, 99999999999999999);
}

TEST(Money, RejectsAnythingElse) {
    for (const char* bad :
         {"", ".5", "5.", "1.234", "-1", "+1", "1e3", "1,00", " 1", "1 ", "abc", "1.2.3", "1000000000000000", "0x10"}) {
        EXPECT_FALSE(ParseMoney(bad).has_value()) << bad;
    }
}

TEST(Money, FormatsWithTwoDecimals) {
    EXPECT_EQ(FormatMoney(Money{10000}), "100.00");
    EXPECT_EQ(FormatMoney(Money{5}), "0.05");
    EXPECT_EQ(FormatMoney(Money{-150}), "-1.50");
}

TEST(Money, KnowsIsoCurrencies) {
    EXPECT_TRUE(IsCurrencyCode("USD"));
    EXPECT_TRUE(IsCurrencyCode("EUR"));
    EXPECT_TRUE(IsCurrencyCode("ZWL"));
    EXPECT_FALSE(IsCurrencyCode("usd"));
    EXPECT_FALSE(IsCurrencyCode("XYZ"));
    EXPECT_FALSE(IsCurrencyCode("US"));
}
