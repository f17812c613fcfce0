// Three auction-worker processes on one queue: every bid applied exactly once in effect, even when a
// replica is killed with SIGKILL and PostgreSQL restarts mid-run.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <random>
#include <thread>

#include "infra/postgres/connection.hpp"
#include "pkg/ids/uuid.hpp"
#include "support/bid_support.hpp"
#include "support/process.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<ChildProcess> StartWorker(int n) {
    auto w = std::make_unique<ChildProcess>(AUCTION_WORKER_BINARY,
                                            std::map<std::string, std::string>{{"WORKER_ID", std::to_string(n)},
                                                                               {"LOG_LEVEL", "info"},
                                                                               {"HEALTH_PORT", "0"},
                                                                               {"POOL_STATS_INTERVAL", "1s"},
                                                                               {"RETRY_MAX_ATTEMPTS", "40"},
                                                                               {"RETRY_BACKOFF_MAX", "1s"}});
    if (!w->WaitForLog("Worker service started successfully", 30s)) {
        throw std::runtime_error("worker " + std::to_string(n) + " did not start: " + w->Log());
    }
    return w;
}

TEST(WorkerReplicas, KilledReplicaAndDatabaseRestartLoseNothingAndApplyNothingTwice) {
    ApiServer::Shared();
    ResetBidQueues();
    std::vector<std::unique_ptr<ChildProcess>> workers;
    for (int n = 1; n <= 3; ++n) {
        workers.push_back(StartWorker(n));
    }
    const auto seller = UniqueUser("replicas");
    std::vector<std::string> items;
    for (int i = 0; i < 20; ++i) {
        items.push_back(CreateBidItem(seller));
    }
    std::mt19937 rng(7);
    std::map<std::string, int> highest;
    std::set<std::string> bid_ids;
    BidPublisher publisher;
    auto publish = [&](int count) {
        for (int n = 0; n < count; ++n) {
            const auto& item = items[rng() % items.size()];
            const int cents = 10001 + static_cast<int>(rng() % 900000);
            const auto bid = "r-" + ids::NewUuidV4();
            highest[item] = std::max(highest[item], cents);
            bid_ids.insert(bid);
            const auto amount = domain::FormatMoney(domain::Money{cents});
            publisher.Publish("bid.placed", bid, item, "bidder", amount, "USD");
            if (n % 10 == 0) {
                publisher.Publish("bid.placed", bid, item, "bidder", amount, "USD");  // a duplicate
            }
        }
        publisher.Flush();
    };

    publish(1500);
    std::this_thread::sleep_for(200ms);
    ASSERT_TRUE(workers[1]->Signal(SIGKILL));  // mid-run, with unacked messages in its hands
    EXPECT_EQ(workers[1]->WaitExit(5s), 128 + SIGKILL);
    publish(1500);
    ASSERT_EQ(RunScriptFunction("auction_stop_postgres"), 0);
    std::this_thread::sleep_for(2s);
    ASSERT_EQ(RunScriptFunction("auction_start_postgres"), 0);
    workers[1] = StartWorker(2);
    publish(500);

    auto conn = postgres::PgConnection::Connect(TestApiConfig().postgres.ConnInfo("check"), 10s);
    const auto item_array = postgres::FormatTextArray(items);
    const auto deadline = std::chrono::steady_clock::now() + 180s;
    std::int64_t processed = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        processed =
            conn->ExecParams("SELECT count(*) FROM processed_bid_events WHERE item_id = ANY($1::uuid[])", {item_array})
                .Int64(0, 0);
        if (processed >= static_cast<std::int64_t>(bid_ids.size())) {
            break;
        }
        std::this_thread::sleep_for(200ms);
    }
    EXPECT_EQ(processed, static_cast<std::int64_t>(bid_ids.size())) << "every bid recorded exactly once";
    for (const auto& item : items) {
        if (highest.count(item) != 0) {
            EXPECT_EQ(ReadItem(item).current_price, domain::FormatMoney(domain::Money{highest[item]})) << item;
        }
    }
    EXPECT_TRUE(DrainQueue("auction.bid.all.v1.dlq", 500ms).empty()) << "no valid bid was dead-lettered";

    // Each replica has logged its pool stats (every POOL_STATS_INTERVAL, 1 s) before it is stopped: waited for, not
    // assumed (a replica restarted late in the test may not have reached its first interval yet).
    for (auto& w : workers) {
        EXPECT_TRUE(w->WaitForLog("Connection pool stats", 30s));
    }
    for (auto& w : workers) {
        ASSERT_TRUE(w->Signal(SIGTERM));
    }
    for (auto& w : workers) {
        EXPECT_EQ(w->WaitExit(30s), 0) << w->Log().substr(0, 4000);
        const auto log = w->Log();
        EXPECT_NE(log.find("\"msg\":\"Worker service stopped\""), std::string::npos);
        // The design's pool stats line, greppable as "pool stats".
        const auto at = log.find("Connection pool stats");
        ASSERT_NE(at, std::string::npos);
        const auto line = log.substr(log.rfind('\n', at) + 1, log.find('\n', at) - log.rfind('\n', at) - 1);
        auto v = boost::json::parse(line).as_object();
        for (const char* field : {"max_open", "open", "in_use", "idle", "wait_count", "wait_duration_ms"}) {
            EXPECT_TRUE(v.contains(field)) << field << " in " << line;
        }
        EXPECT_EQ(v.at("max_open").as_int64(), 15);
    }
}

}  // namespace
}  // namespace auction::testing
