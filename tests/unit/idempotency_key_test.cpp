// The Idempotency-Key header's parser (app/idempotency.hpp).
#include <gtest/gtest.h>

#include <string>

#include "app/idempotency.hpp"

namespace auction::app {
namespace {

TEST(ParseIdempotencyKey, AcceptsBareAndQuotedKeys) {
    EXPECT_EQ(ParseIdempotencyKey("8e03978e-40d5-43e8-bc93-6894a57f9324"), "8e03978e-40d5-43e8-bc93-6894a57f9324");
    EXPECT_EQ(ParseIdempotencyKey("\"8e03978e\""), "8e03978e");
    EXPECT_EQ(ParseIdempotencyKey("  spaced key \t"), "spaced key");
    EXPECT_EQ(ParseIdempotencyKey(R"("a \"quoted\" \\ key")"), R"(a "quoted" \ key)");
    EXPECT_EQ(ParseIdempotencyKey(std::string(255, 'k')), std::string(255, 'k'));
    EXPECT_EQ(ParseIdempotencyKey("\"" + std::string(255, 'k') + "\""), std::string(255, 'k'));
}

TEST(ParseIdempotencyKey, RefusesWhatIsNotOneToTwoHundredFiftyFivePrintableCharacters) {
    for (const std::string& bad :
         {std::string(""), std::string("   "), std::string("\"\""), std::string(256, 'k'), std::string("tab\there"),
          std::string("nul\0byte", 8), std::string("caf\xc3\xa9"), std::string("\"unterminated"),
          std::string("bare\"quote"), std::string("back\\slash"), std::string("\"bad \\x escape\""),
          std::string("\"trailing\\\""), std::string("\"inner\"quote\"")}) {
        EXPECT_FALSE(ParseIdempotencyKey(bad).has_value()) << bad;
    }
}

}  // namespace
}  // namespace auction::app
