// The registry of metric families (pkg/metrics/families.hpp) against the Prometheus naming rules and against
// docs/METRICS.md, whose tables are what operators read: a family added to the code without its row, or with
// a different type there, fails here.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "pkg/metrics/families.hpp"

namespace auction::metrics {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

TEST(MetricFamilies, NamesAreUniqueAndFollowThePrometheusConventions) {
    std::set<std::string_view> names;
    for (const auto* family : families::kAll) {
        EXPECT_TRUE(names.insert(family->name).second) << "declared twice: " << family->name;
        EXPECT_TRUE(std::regex_match(std::string(family->name), std::regex("auction_[a-z][a-z_]*[a-z]")))
            << family->name;
        EXPECT_FALSE(family->help.empty()) << family->name;
        EXPECT_EQ(family->help.find_first_of("\\\n"), std::string_view::npos) << family->name;
        EXPECT_EQ(EndsWith(family->name, "_total"), family->type == Type::kCounter)
            << family->name << ": counters, and only counters, end in _total";
        if (family->type == Type::kHistogram) {
            EXPECT_TRUE(EndsWith(family->name, "_seconds")) << family->name << ": histograms here measure time";
        }
    }
}

TEST(MetricFamilies, EveryFamilyIsDocumentedWithItsTypeAndNothingElseIs) {
    std::ifstream in(std::string(AUCTION_SOURCE_DIR) + "/docs/METRICS.md");
    ASSERT_TRUE(in) << "docs/METRICS.md";
    std::stringstream text;
    text << in.rdbuf();
    // A table row: | `name` | type | labels | meaning |
    const std::regex row(R"(\n\| `(auction_[a-z_]+)` \| ([a-z]+) \|)");
    std::map<std::string, std::string> documented;
    const auto doc = text.str();
    for (std::sregex_iterator it(doc.begin(), doc.end(), row), end; it != end; ++it) {
        EXPECT_TRUE(documented.emplace((*it)[1], (*it)[2]).second) << "two rows for " << (*it)[1];
    }
    std::set<std::string> declared;
    for (const auto* family : families::kAll) {
        declared.emplace(family->name);
        const auto found = documented.find(std::string(family->name));
        if (found == documented.end()) {
            ADD_FAILURE() << family->name << " has no row in docs/METRICS.md";
            continue;
        }
        EXPECT_EQ(found->second, TypeName(family->type)) << family->name;
    }
    for (const auto& [name, type] : documented) {
        EXPECT_TRUE(declared.count(name) != 0) << "docs/METRICS.md documents " << name << ", which no code exports";
    }
}

}  // namespace
}  // namespace auction::metrics
