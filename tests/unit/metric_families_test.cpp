// The registry of metric families (pkg/metrics/families.hpp) against the Prometheus naming rules and against
// docs/METRICS.md, whose tables are what operators read: a family added to the code without its row, or with
// a different type there, fails here.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "pkg/metrics/families.hpp"

namespace auction::metrics {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// auction_[a-z_]*[a-z] (no std::regex: GCC 12 warns inside it at -O1, and warnings are errors).
bool WellFormedName(std::string_view name) {
    constexpr std::string_view kPrefix = "auction_";
    if (name.substr(0, kPrefix.size()) != kPrefix || name.size() <= kPrefix.size() || name.back() == '_') {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
}

TEST(MetricFamilies, NamesAreUniqueAndFollowThePrometheusConventions) {
    std::set<std::string_view> names;
    for (const auto* family : families::kAll) {
        EXPECT_TRUE(names.insert(family->name).second) << "declared twice: " << family->name;
        EXPECT_TRUE(WellFormedName(family->name)) << family->name;
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
    std::map<std::string, std::string> documented;
    std::string line;
    while (std::getline(text, line)) {
        constexpr std::string_view kRowStart = "| `auction_";
        if (line.rfind(kRowStart, 0) != 0) {
            continue;
        }
        const auto name_end = line.find("` | ", 3);
        if (name_end == std::string::npos) {
            continue;
        }
        const auto type_start = name_end + 4;
        const auto type_end = line.find(" |", type_start);
        const auto name = line.substr(3, name_end - 3);
        EXPECT_TRUE(documented.emplace(name, line.substr(type_start, type_end - type_start)).second)
            << "two rows for " << name;
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
