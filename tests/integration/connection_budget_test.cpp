// The connection budget (docs/DEPLOYMENT.md): at start each process compares the connections it may open
// (DB_MAX_OPEN_CONNS and its own few) with what PostgreSQL has left, and warns in one line when they do not fit.
#include <gtest/gtest.h>
#include <csignal>

#include <boost/json.hpp>
#include <sstream>

#include "infra/postgres/connection_budget.hpp"
#include "support/process.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kExceeded = "PostgreSQL connection budget exceeded";

std::unique_ptr<postgres::PgConnection> Connect(const std::string& name) {
    return postgres::PgConnection::Connect(TestApiConfig().postgres.ConnInfo(name), 5s);
}

// The log lines (JSON) whose message starts with `msg`.
std::vector<boost::json::object> LinesStartingWith(const std::string& log, const std::string& msg) {
    std::vector<boost::json::object> out;
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);) {
        boost::json::error_code ec;
        auto v = boost::json::parse(line, ec);
        if (!ec && v.is_object() && v.as_object().contains("msg") &&
            std::string(v.as_object().at("msg").as_string()).rfind(msg, 0) == 0) {
            out.push_back(v.as_object());
        }
    }
    return out;
}

TEST(ConnectionBudget, ReadsTheServersLimitsAndCountsTheOtherOpenConnections) {
    auto asking = Connect("budget-test-asking");
    std::vector<std::unique_ptr<postgres::PgConnection>> others;
    others.reserve(3);
    for (int i = 0; i < 3; ++i) {
        others.push_back(Connect("budget-test-other"));
    }
    const auto budget = postgres::ReadConnectionBudget(*asking);
    EXPECT_EQ(budget.max_connections, asking->Exec("SHOW max_connections").Int64(0, 0));
    EXPECT_EQ(budget.reserved, asking->Exec("SHOW superuser_reserved_connections").Int64(0, 0));
    // The server is shared with other tests and programs: at least our three others are open. The asking
    // connection itself is not counted (it is the process's own, not taken from the budget twice).
    EXPECT_GE(budget.open, 3);
    const auto mine = asking
                          ->Exec(
                              "SELECT count(*) FROM pg_stat_activity WHERE application_name IN ('budget-test-asking', "
                              "'budget-test-other')")
                          .Int64(0, 0);
    EXPECT_EQ(mine, 4);
    EXPECT_EQ(budget.Left(), std::max(0, budget.max_connections - budget.reserved - budget.open));
}

TEST(ConnectionBudget, APoolAboveWhatIsLeftWarnsAndOneThatFitsDoesNot) {
    const auto conninfo = TestApiConfig().postgres.ConnInfo("budget-test");
    const auto budget = postgres::ReadConnectionBudget(*Connect("budget-test"));
    // max_connections itself never fits (reserved and open connections come off it); one connection does, unless
    // the shared server is full.
    EXPECT_TRUE(postgres::CheckConnectionBudget(conninfo, {.pool = budget.max_connections, .other = 1}));
    EXPECT_FALSE(postgres::CheckConnectionBudget(conninfo, {.pool = 1, .other = 0}));
}

// The real programs, as deployed: a pool larger than what the server has left is one warning line at start,
// with the figures and the design's rule; the program starts all the same.
TEST(ConnectionBudget, WorkerAndApiWarnInOneLineWhenTheirPoolExceedsWhatIsLeft) {
    const auto max_connections = Connect("budget-test")->Exec("SHOW max_connections").Int64(0, 0);
    for (const std::string binary : {AUCTION_WORKER_BINARY, AUCTION_API_BINARY}) {
        SCOPED_TRACE(binary);
        ChildProcess child(binary, {{"DB_MAX_OPEN_CONNS", std::to_string(max_connections + 1)},
                                    {"DB_MAX_IDLE_CONNS", "2"},
                                    {"LOG_LEVEL", "info"},
                                    {"HEALTH_PORT", "0"},
                                    {"PORT", "0"},
                                    {"SHUTDOWN_DRAIN", "0"},  // no load balancer to drain from
                                    {"WORKER_ID", "budget-test"}});
        ASSERT_TRUE(child.WaitForLog("service started successfully", 30s)) << child.Log();
        const auto log = child.Log();
        const auto warnings = LinesStartingWith(log, kExceeded);
        ASSERT_EQ(warnings.size(), 1U) << log;
        const auto& w = warnings.front();
        EXPECT_EQ(w.at("level").as_string(), "warn");
        EXPECT_NE(std::string(w.at("msg").as_string()).find("replicas x DB_MAX_OPEN_CONNS < max_connections"),
                  std::string::npos);
        EXPECT_EQ(w.at("maxOpenConns").as_int64(), max_connections + 1);
        EXPECT_EQ(w.at("maxConnections").as_int64(), max_connections);
        EXPECT_GT(w.at("neededConns").as_int64(), w.at("leftConnections").as_int64());
        EXPECT_EQ(w.at("replicasThatFit").as_int64(), 0);
        EXPECT_TRUE(child.Signal(SIGTERM));
        EXPECT_EQ(child.WaitExit(30s), 0) << child.Log();
    }
}

TEST(ConnectionBudget, APoolThatFitsIsLoggedWithoutAWarning) {
    ChildProcess child(AUCTION_WORKER_BINARY, {{"DB_MAX_OPEN_CONNS", "2"},
                                               {"DB_MAX_IDLE_CONNS", "2"},
                                               {"LOG_LEVEL", "info"},
                                               {"HEALTH_PORT", "0"},
                                               {"WORKER_ID", "budget-test"}});
    ASSERT_TRUE(child.WaitForLog("Worker service started successfully", 30s)) << child.Log();
    const auto log = child.Log();
    EXPECT_TRUE(LinesStartingWith(log, kExceeded).empty()) << log;
    const auto lines = LinesStartingWith(log, "PostgreSQL connection budget");
    ASSERT_EQ(lines.size(), 1U) << log;
    EXPECT_EQ(lines.front().at("level").as_string(), "info");
    EXPECT_EQ(lines.front().at("maxOpenConns").as_int64(), 2);
    EXPECT_EQ(lines.front().at("neededConns").as_int64(), 3);  // the pool and the outbox relay's session
    EXPECT_TRUE(child.Signal(SIGTERM));
    EXPECT_EQ(child.WaitExit(30s), 0) << child.Log();
}

}  // namespace
}  // namespace auction::testing
