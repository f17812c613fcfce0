// The configuration table (`auction-api --config-table`, `auction-worker --config-table`): what the loaders ask an
// Environment for.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/config/config.hpp"

namespace auction::config {
namespace {

using namespace std::chrono_literals;

const Variable* FindVariable(const std::vector<Variable>& table, std::string_view name) {
    const auto it = std::find_if(table.begin(), table.end(), [&](const Variable& v) { return v.name == name; });
    return it == table.end() ? nullptr : &*it;
}

TEST(ConfigTable, AnEnvironmentRecordsEveryVariableItIsAskedForOnce) {
    const auto env = Environment::FromMap({{"R", "x"}, {"S", "s"}, {"N", "3"}});
    (void)env.Required("R");
    (void)env.String("S", "fallback");
    (void)env.Int("N", 7, 0, 10);
    (void)env.Duration("D", 90s);
    (void)env.Find("F");
    (void)env.Required("S");  // asked again, now as required
    const auto& asked = env.Asked();
    ASSERT_EQ(asked.size(), 5U);
    EXPECT_EQ(asked[0].name, "R");
    EXPECT_TRUE(asked[0].required);
    EXPECT_FALSE(asked[0].fallback.has_value());
    EXPECT_EQ(asked[1].name, "S");
    EXPECT_TRUE(asked[1].required);
    EXPECT_EQ(asked[1].fallback, "fallback");
    EXPECT_EQ(asked[2].fallback, "7");  // the default, not the value set
    EXPECT_EQ(asked[3].fallback, "90s");
    EXPECT_EQ(asked[4].name, "F");
    EXPECT_FALSE(asked[4].fallback.has_value());
}

TEST(ConfigTable, ADescribingEnvironmentAnswersDefaultsAndExamplesOnly) {
    ASSERT_NE(std::getenv("PATH"), nullptr);
    const auto env = Environment::Describing();
    EXPECT_FALSE(env.Find("PATH").has_value());
    EXPECT_EQ(env.String("PATH", "f"), "f");
    EXPECT_EQ(env.Required("PATH", "amqp://localhost/"), "amqp://localhost/");
    EXPECT_EQ(env.Int("PATH", 4, 0, 10), 4);
}

TEST(ConfigTable, FormatDurationWritesWhatParseDurationReads) {
    EXPECT_EQ(FormatDuration(0ms), "0");
    EXPECT_EQ(FormatDuration(100ms), "100ms");
    EXPECT_EQ(FormatDuration(1500ms), "1500ms");
    EXPECT_EQ(FormatDuration(30s), "30s");
    EXPECT_EQ(FormatDuration(5min), "5m");
    EXPECT_EQ(FormatDuration(90min), "90m");
    EXPECT_EQ(FormatDuration(1h), "1h");
    EXPECT_EQ(FormatDuration(std::chrono::hours(24 * 7)), "7d");
    using std::chrono::milliseconds;
    for (const milliseconds d : std::initializer_list<milliseconds>{1ms, 1500ms, 30s, 90s, 5min, 1h, 36h}) {
        EXPECT_EQ(ParseDuration(FormatDuration(d)), d) << FormatDuration(d);
    }
}

TEST(ConfigTable, EachProgramsTableIsWhatItsLoaderReads) {
    const auto api = ApiConfigTable();
    const auto worker = WorkerConfigTable();
    for (const auto* table : {&api, &worker}) {
        const auto* log_level = FindVariable(*table, "LOG_LEVEL");  // read for logging::Init by both mains
        ASSERT_NE(log_level, nullptr);
        EXPECT_EQ(log_level->fallback, "info");
        const auto* url = FindVariable(*table, "RABBITMQ_URL");
        ASSERT_NE(url, nullptr);
        EXPECT_TRUE(url->required);
    }
    ASSERT_NE(FindVariable(api, "AWS_BUCKET"), nullptr);
    EXPECT_TRUE(FindVariable(api, "AWS_BUCKET")->required);
    EXPECT_EQ(FindVariable(worker, "AWS_BUCKET"), nullptr);
    ASSERT_NE(FindVariable(api, "PORT"), nullptr);
    EXPECT_EQ(FindVariable(api, "PORT")->fallback, "8080");
    ASSERT_NE(FindVariable(worker, "HEALTH_PORT"), nullptr);
    EXPECT_EQ(FindVariable(worker, "HEALTH_PORT")->fallback, "8090");
    EXPECT_EQ(FindVariable(worker, "PORT"), nullptr);
}

TEST(ConfigTable, JsonHasOneObjectPerVariableAndLine) {
    const std::vector<Variable> table = {{"A", true, std::nullopt}, {"B", false, "5s"}};
    EXPECT_EQ(ConfigTableJson(table),
              "[\n"
              "  {\"name\":\"A\",\"required\":true,\"default\":null},\n"
              "  {\"name\":\"B\",\"required\":false,\"default\":\"5s\"}\n"
              "]\n");
}

}  // namespace
}  // namespace auction::config
