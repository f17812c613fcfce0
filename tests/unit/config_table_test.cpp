// The configuration table (`auction-api --config-table`, `auction-worker --config-table`): what the loaders ask an
// Environment for, and the README's "Configuration" table against it, which is what operators read: a variable
// added to a loader without its row, a row for a variable nothing reads, or a required variable documented with a
// default, fails here.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <map>
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

// The README's rows: | `A`, `B` / `C` | required / 5s | meaning |. Names in one cell are separated by commas or " / ";
// when the default cell has as many " / "-separated parts as the name cell, each part belongs to its group.
struct DocumentedRow {
    std::vector<std::string> names;
    std::vector<bool> required;  // per name
};

std::vector<std::string> SplitOn(std::string_view text, std::string_view separator) {
    std::vector<std::string> out;
    for (;;) {
        const auto at = text.find(separator);
        out.emplace_back(text.substr(0, at));
        if (at == std::string_view::npos) {
            return out;
        }
        text.remove_prefix(at + separator.size());
    }
}

// Every `NAME` in a cell (no std::regex: GCC 12 warns inside it at -O1, and warnings are errors).
std::vector<std::string> QuotedNames(std::string_view cell) {
    std::vector<std::string> out;
    for (std::size_t open = cell.find('`'); open != std::string_view::npos; open = cell.find('`', open)) {
        const auto close = cell.find('`', open + 1);
        if (close == std::string_view::npos) {
            break;
        }
        out.emplace_back(cell.substr(open + 1, close - open - 1));
        open = close + 1;
    }
    return out;
}

bool WellFormedName(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    });
}

std::vector<DocumentedRow> ReadmeConfigurationRows() {
    std::ifstream in(std::string(AUCTION_SOURCE_DIR) + "/README.md");
    EXPECT_TRUE(in) << "README.md";
    std::vector<DocumentedRow> rows;
    std::string line;
    bool in_section = false;
    bool in_table = false;
    while (std::getline(in, line)) {
        if (line.rfind("## ", 0) == 0) {
            in_section = line == "## Configuration";
            continue;
        }
        if (!in_section) {
            continue;
        }
        if (line.rfind('|', 0) != 0) {
            if (in_table) {
                break;  // the section's first table ended
            }
            continue;
        }
        in_table = true;
        if (line.rfind("| `", 0) != 0) {
            continue;  // header and separator
        }
        const auto cells = SplitOn(std::string_view(line).substr(2), " | ");
        if (cells.size() < 3) {
            ADD_FAILURE() << "README.md: a Configuration row without a default and a meaning: " << line;
            continue;
        }
        const auto groups = SplitOn(cells[0], " / ");
        const auto defaults = SplitOn(cells[1], " / ");
        DocumentedRow row;
        for (std::size_t g = 0; g < groups.size(); ++g) {
            const auto& fallback = groups.size() == defaults.size() ? defaults[g] : cells[1];
            for (auto& name : QuotedNames(groups[g])) {
                EXPECT_TRUE(WellFormedName(name)) << "README.md: `" << name << "` in " << line;
                row.names.push_back(std::move(name));
                row.required.push_back(fallback.find("required") != std::string::npos);
            }
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

TEST(ConfigTable, TheReadmeDocumentsExactlyTheVariablesTheProgramsRead) {
    std::map<std::string, bool> documented;  // name -> documented as required
    for (const auto& row : ReadmeConfigurationRows()) {
        for (std::size_t i = 0; i < row.names.size(); ++i) {
            EXPECT_TRUE(documented.emplace(row.names[i], row.required[i]).second)
                << "README.md documents " << row.names[i] << " twice";
        }
    }
    ASSERT_FALSE(documented.empty()) << "README.md: no rows in the table of \"## Configuration\"";
    std::map<std::string, bool> read;  // name -> required by a program
    for (const auto& table : {ApiConfigTable(), WorkerConfigTable()}) {
        for (const auto& variable : table) {
            read[variable.name] = read[variable.name] || variable.required;
        }
    }
    for (const auto& [name, required] : read) {
        const auto found = documented.find(name);
        if (found == documented.end()) {
            ADD_FAILURE() << name << " is read by a program but has no row in README.md, \"## Configuration\"";
            continue;
        }
        EXPECT_EQ(found->second, required) << name
                                           << (required ? " is required but README.md gives it a default"
                                                        : " has a default but README.md says it is required");
    }
    for (const auto& [name, required] : documented) {
        EXPECT_TRUE(read.count(name) != 0) << "README.md documents " << name << ", which neither program reads";
    }
}

}  // namespace
}  // namespace auction::config
