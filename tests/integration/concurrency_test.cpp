// Concurrency tests: the thread-shared parts (pkg/executor's BlockingPool, the PostgreSQL pool, DbExecutor,
// the pipelined reads, the HTTP server) hammered from many threads at once. They assert results, and they are
// what scripts/tsan.sh runs under ThreadSanitizer, which turns any data race on the way into a failure.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "infra/postgres/db_executor.hpp"
#include "infra/postgres/pipeline.hpp"
#include "infra/postgres/pool.hpp"
#include "pkg/executor/batching_pool.hpp"
#include "pkg/executor/blocking_pool.hpp"
#include "support/test_env.hpp"

namespace {

using namespace auction;
using namespace auction::testing;
namespace asio = boost::asio;

/// An io_context run by `threads` threads until every spawned coroutine finished.
class IoThreads {
public:
    explicit IoThreads(int threads) : guard_(asio::make_work_guard(io_)) {
        for (int i = 0; i < threads; ++i) {
            threads_.emplace_back([this] { io_.run(); });
        }
    }
    ~IoThreads() { Join(); }

    asio::io_context& io() { return io_; }

    void Join() {
        guard_.reset();
        for (auto& t : threads_) {
            if (t.joinable()) {
                t.join();
            }
        }
    }

private:
    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> guard_;
    std::vector<std::thread> threads_;
};

config::PostgresConfig SmallPoolConfig(int max_open) {
    auto cfg = TestApiConfig().postgres;
    cfg.max_open_conns = max_open;
    cfg.max_idle_conns = 1;  // most releases close their connection: open/close races with the reaper
    cfg.conn_max_idle_time = std::chrono::milliseconds(20);
    cfg.acquire_timeout = std::chrono::seconds(20);
    return cfg;
}

TEST(Concurrency, BlockingPoolRunsEveryJobOnceForCoroutinesOnManyThreads) {
    constexpr int kJobs = 2000;
    executor::BlockingPool pool("test", 3, kJobs);
    std::vector<int> results(kJobs, -1);  // each coroutine writes only its own slot, read after the join
    std::atomic<int> runs{0};
    {
        IoThreads io(4);
        for (int i = 0; i < kJobs; ++i) {
            asio::co_spawn(
                io.io(),
                [&pool, &results, &runs, i]() -> asio::awaitable<void> {
                    auto job = [&runs, i] {
                        runs.fetch_add(1, std::memory_order_relaxed);
                        return i * 2;
                    };
                    const int value = co_await pool.Run(std::move(job));
                    results[static_cast<std::size_t>(i)] = value;
                },
                asio::detached);
        }
        io.Join();
    }
    EXPECT_EQ(runs.load(), kJobs);
    for (int i = 0; i < kJobs; ++i) {
        ASSERT_EQ(results[static_cast<std::size_t>(i)], i * 2) << "job " << i;
    }
}

// Group commit: what arrives while a batch runs goes in the next batch, together; each request gets its own
// answer, so one refused request fails nobody else.
TEST(Concurrency, BatchingPoolGroupsWhatArrivesDuringABatchAndAnswersEachOnItsOwn) {
    constexpr int kLater = 40;
    using Pool = executor::BatchingPool<int, int>;
    std::promise<void> gate;
    auto opened = gate.get_future().share();
    std::atomic<bool> first_running{false};
    std::mutex sizes_mutex;
    std::vector<std::size_t> sizes;
    Pool pool("test", 1, 64, 1000, [&](std::vector<int>& requests) {
        {
            std::lock_guard lock(sizes_mutex);
            sizes.push_back(requests.size());
        }
        first_running = true;
        opened.wait();
        std::vector<Pool::Outcome> out(requests.size());
        for (std::size_t i = 0; i < requests.size(); ++i) {
            if (requests[i] % 7 == 3) {
                out[i].error = std::make_exception_ptr(std::invalid_argument("refused " + std::to_string(requests[i])));
            } else {
                out[i].value = requests[i] * 2;
            }
        }
        return out;
    });
    std::vector<int> results(kLater + 1, -1);
    std::atomic<int> refused{0};
    {
        IoThreads io(3);
        auto submit = [&](int r) {
            asio::co_spawn(
                io.io(),
                [&, r]() -> asio::awaitable<void> {
                    try {
                        results[static_cast<std::size_t>(r)] = co_await pool.Submit(r);
                    } catch (const std::invalid_argument&) {
                        refused.fetch_add(1);
                    }
                },
                asio::detached);
        };
        submit(0);
        while (!first_running) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        for (int r = 1; r <= kLater; ++r) {
            submit(r);
        }
        while (pool.Waiting() < static_cast<std::size_t>(kLater)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        gate.set_value();
        io.Join();
    }
    EXPECT_EQ(sizes, (std::vector<std::size_t>{1, static_cast<std::size_t>(kLater)}));
    int expected_refused = 0;
    for (int r = 0; r <= kLater; ++r) {
        if (r % 7 == 3) {
            ++expected_refused;
            EXPECT_EQ(results[static_cast<std::size_t>(r)], -1);
        } else {
            EXPECT_EQ(results[static_cast<std::size_t>(r)], r * 2) << r;
        }
    }
    EXPECT_EQ(refused.load(), expected_refused);
    EXPECT_EQ(pool.GetStats().batches, 2U);
    EXPECT_EQ(pool.GetStats().requests, static_cast<std::uint64_t>(kLater + 1));
}

TEST(Concurrency, BatchingPoolAnswersEveryRequestOnceFromManyThreadsAndFailsABatchThatThrows) {
    constexpr int kRequests = 3000;
    using Pool = executor::BatchingPool<int, int>;
    std::atomic<int> answered{0};
    std::atomic<int> failed{0};
    Pool pool("test", 2, 16, kRequests, [](std::vector<int>& requests) {
        for (int r : requests) {
            if (r == 1234) {
                throw std::runtime_error("the whole batch fails");
            }
        }
        std::vector<Pool::Outcome> out(requests.size());
        for (std::size_t i = 0; i < requests.size(); ++i) {
            out[i].value = requests[i] + 1;
        }
        return out;
    });
    std::vector<int> results(kRequests, -1);
    {
        IoThreads io(4);
        for (int r = 0; r < kRequests; ++r) {
            asio::co_spawn(
                io.io(),
                [&, r]() -> asio::awaitable<void> {
                    try {
                        results[static_cast<std::size_t>(r)] = co_await pool.Submit(r);
                        answered.fetch_add(1);
                    } catch (const std::runtime_error&) {
                        failed.fetch_add(1);
                    }
                },
                asio::detached);
        }
        io.Join();
    }
    EXPECT_EQ(answered.load() + failed.load(), kRequests);
    EXPECT_GE(failed.load(), 1);  // 1234 and whoever shared its batch
    EXPECT_LE(failed.load(), 16);
    for (int r = 0; r < kRequests; ++r) {
        const auto v = results[static_cast<std::size_t>(r)];
        EXPECT_TRUE(v == -1 || v == r + 1) << r;
    }
    EXPECT_EQ(results[1234], -1);
}

TEST(Concurrency, BlockingPoolShedsLoadPastItsQueueLimit) {
    constexpr int kCalls = 20;
    constexpr std::size_t kQueue = 4;
    executor::BlockingPool pool("test", 1, kQueue);
    std::promise<void> gate;
    auto opened = gate.get_future().share();
    std::atomic<int> ran{0};
    std::atomic<int> overloaded{0};
    {
        IoThreads io(2);
        for (int i = 0; i < kCalls; ++i) {
            asio::co_spawn(
                io.io(),
                [&pool, &ran, &overloaded, opened]() -> asio::awaitable<void> {
                    auto job = [&ran, opened] {
                        opened.wait();  // the single pool thread is held until every call was submitted
                        return ran.fetch_add(1) + 1;
                    };
                    try {
                        co_await pool.Run(std::move(job));
                    } catch (const executor::PoolOverloaded&) {
                        overloaded.fetch_add(1);
                    }
                },
                asio::detached);
        }
        // Rejections complete at once; accepted jobs wait at the gate. 1 running + 4 queued at most.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (overloaded.load() < kCalls - static_cast<int>(kQueue) - 1 &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        gate.set_value();
        io.Join();
    }
    EXPECT_GE(overloaded.load(), kCalls - static_cast<int>(kQueue) - 1);
    EXPECT_LE(overloaded.load(), kCalls - static_cast<int>(kQueue));
    EXPECT_EQ(ran.load() + overloaded.load(), kCalls);
}

TEST(Concurrency, PgPoolNeverLeasesMoreThanMaxOpenToManyThreads) {
    constexpr int kMaxOpen = 3;
    constexpr int kThreads = 8;
    constexpr int kRounds = 100;
    postgres::PgPool pool(SmallPoolConfig(kMaxOpen), "auction-concurrency-test");
    std::atomic<int> held{0};
    std::atomic<int> max_held{0};
    std::atomic<int> failures{0};
    std::atomic<bool> done{false};
    // Stats and Reap run beside the leases, as the stats logger and the reaper thread do in the services.
    std::thread observer([&] {
        while (!done.load()) {
            const auto s = pool.Stats();
            if (s.in_use > kMaxOpen || s.open > kMaxOpen || s.idle > s.open) {
                failures.fetch_add(1);
            }
            pool.Reap();
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    });
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int r = 0; r < kRounds; ++r) {
                auto lease = pool.Acquire();
                const int now = held.fetch_add(1) + 1;
                int seen = max_held.load();
                while (now > seen && !max_held.compare_exchange_weak(seen, now)) {
                }
                const auto value = std::to_string(t * 1000 + r);
                auto result = lease->ExecParams("SELECT $1::int", {value});
                if (result.String(0, 0) != value) {
                    failures.fetch_add(1);
                }
                held.fetch_sub(1);
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    done = true;
    observer.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_LE(max_held.load(), kMaxOpen);
    EXPECT_GE(max_held.load(), 2) << "the threads never overlapped: the test exercised nothing";
    const auto s = pool.Stats();
    EXPECT_EQ(s.in_use, 0);
    EXPECT_LE(s.open, kMaxOpen);
    EXPECT_GT(s.wait_count, 0) << "8 threads on 3 connections must have waited";
}

TEST(Concurrency, DbExecutorAndPipelineAnswerEveryCoroutineWithItsOwnResult) {
    constexpr int kQueries = 1000;
    const auto cfg = SmallPoolConfig(3);
    postgres::PgPool pool(cfg, "auction-concurrency-test");
    postgres::DbExecutor db(pool, cfg.max_open_conns, kQueries);
    std::vector<long> results(kQueries, -1);
    std::atomic<int> errors{0};
    {
        IoThreads io(4);
        postgres::PgPipeline pipeline(io.io(), cfg.ConnInfo("auction-concurrency-test"), 2, cfg.statement_timeout);
        pipeline.Start();
        std::atomic<int> finished{0};
        for (int i = 0; i < kQueries; ++i) {
            asio::co_spawn(
                io.io(),
                [&, i]() -> asio::awaitable<void> {
                    const auto param = std::to_string(i);
                    try {
                        if (i % 2 == 0) {
                            // Reads: pipelined, a named (prepared) and an unnamed statement alternating.
                            const char* name = i % 4 == 0 ? "concurrency_echo" : nullptr;
                            std::string sql = "SELECT $1::bigint + 1";
                            postgres::Params params{param};
                            auto decode = [](const postgres::PgResult& r) { return std::stol(r.String(0, 0)); };
                            results[static_cast<std::size_t>(i)] =
                                co_await pipeline.Query(name, std::move(sql), std::move(params), std::move(decode));
                        } else {
                            // Writes' path: a pooled blocking connection on a DbExecutor thread.
                            auto work = [param](postgres::PgConnection& c) {
                                postgres::PgTransaction tx(c);
                                auto r = c.ExecParams("SELECT $1::bigint + 1", {param});
                                tx.Commit();
                                return std::stol(r.String(0, 0));
                            };
                            results[static_cast<std::size_t>(i)] = co_await db.Run(std::move(work));
                        }
                    } catch (const std::exception&) {
                        errors.fetch_add(1);
                    }
                    finished.fetch_add(1);
                },
                asio::detached);
        }
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (finished.load() < kQueries && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        pipeline.Stop();
        io.Join();
    }
    db.Stop();
    EXPECT_EQ(errors.load(), 0);
    for (int i = 0; i < kQueries; ++i) {
        ASSERT_EQ(results[static_cast<std::size_t>(i)], i + 1) << "query " << i;
    }
    EXPECT_EQ(pool.Stats().in_use, 0);
}

TEST(Concurrency, BlockingPoolStopFinishesQueuedJobsThenRefusesNewOnes) {
    constexpr int kJobs = 50;
    executor::BlockingPool pool("test", 2, kJobs);
    std::promise<void> gate;
    auto opened = gate.get_future().share();
    std::atomic<int> answered{0};
    std::atomic<int> refused{0};
    {
        IoThreads io(2);
        std::atomic<int> awaiting{0};
        for (int i = 0; i < kJobs; ++i) {
            asio::co_spawn(
                io.io(),
                [&pool, &answered, &awaiting, opened, i]() -> asio::awaitable<void> {
                    auto job = [opened, i] {
                        opened.wait();  // both pool threads block here: the other jobs stay queued
                        return i + 1;
                    };
                    awaiting.fetch_add(1);
                    if (co_await pool.Run(std::move(job)) == i + 1) {
                        answered.fetch_add(1);
                    }
                },
                asio::detached);
        }
        while (awaiting.load() < kJobs) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        // The job is submitted right after the count, in the same handler: give the last ones time to get there.
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        std::thread opener([&gate] {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            gate.set_value();
        });
        pool.Stop();  // with 48 jobs queued: it must finish them, then join
        opener.join();
        asio::co_spawn(
            io.io(),
            [&pool, &refused]() -> asio::awaitable<void> {
                auto job = [] { return 1; };
                try {
                    co_await pool.Run(std::move(job));
                } catch (const executor::PoolOverloaded&) {
                    refused.fetch_add(1);
                }
            },
            asio::detached);
        io.Join();
    }
    EXPECT_EQ(answered.load(), kJobs) << "Stop must finish every job queued before it";
    EXPECT_EQ(refused.load(), 1) << "a job submitted after Stop is refused, not lost";
}

TEST(Concurrency, PipelineStopAnswersEveryQueryInFlight) {
    constexpr int kQueries = 400;
    const auto cfg = SmallPoolConfig(1);
    std::atomic<int> ok{0};
    std::atomic<int> failed{0};
    std::atomic<int> wrong{0};
    {
        IoThreads io(3);
        postgres::PgPipeline pipeline(io.io(), cfg.ConnInfo("auction-concurrency-test"), 2, cfg.statement_timeout);
        pipeline.Start();
        for (int i = 0; i < kQueries; ++i) {
            asio::co_spawn(
                io.io(),
                [&, i]() -> asio::awaitable<void> {
                    std::string sql = "SELECT $1::bigint";
                    postgres::Params params{std::to_string(i)};
                    auto decode = [](const postgres::PgResult& r) { return std::stol(r.String(0, 0)); };
                    try {
                        const long value = co_await pipeline.Query("concurrency_stop", std::move(sql),
                                                                   std::move(params), std::move(decode));
                        (value == i ? ok : wrong).fetch_add(1);
                    } catch (const std::exception&) {
                        failed.fetch_add(1);
                    }
                },
                asio::detached);
        }
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (ok.load() < kQueries / 10 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        pipeline.Stop();  // while most queries are still queued or in flight
        io.Join();        // returns only once every coroutine has been answered
    }
    EXPECT_EQ(wrong.load(), 0);
    EXPECT_GE(ok.load(), kQueries / 10);
    EXPECT_EQ(ok.load() + failed.load(), kQueries) << "every query gets its result or an error, none hangs";
}

TEST(Concurrency, HttpServerAnswersConcurrentClientsEachWithItsOwnItem) {
    constexpr int kClients = 8;
    constexpr int kRounds = 15;
    const auto port = ApiServer::Shared().port();
    std::atomic<int> failures{0};
    std::vector<std::string> first_failure(kClients);
    std::vector<std::thread> threads;
    for (int c = 0; c < kClients; ++c) {
        threads.emplace_back([&, c] {
            HttpClient client(port);
            const auto user = UniqueUser("concurrent");
            auto& own_failure = first_failure[static_cast<std::size_t>(c)];  // only this thread writes it
            auto fail = [&](const std::string& what) {
                failures.fetch_add(1);
                if (own_failure.empty()) {
                    own_failure = what;
                }
            };
            for (int r = 0; r < kRounds; ++r) {
                const auto name = "Concurrent lot " + std::to_string(c) + "-" + std::to_string(r);
                auto created = client.PostJson("/api/v1/items", SampleItem(name), user);
                if (created.status != 201) {
                    fail("POST " + std::to_string(created.status) + " " + created.body);
                    continue;
                }
                const std::string id(created.Json().at("id").as_string());
                auto got = client.Get("/api/v1/items/" + id);
                if (got.status != 200 || got.Json().at("name").as_string() != name) {
                    fail("GET " + std::to_string(got.status) + " " + got.body);
                }
                auto listed = client.Get("/api/v1/items?limit=5");
                if (listed.status != 200) {
                    fail("list " + std::to_string(listed.status) + " " + listed.body);
                }
                if (r % 5 == 0 && client.Get("/metrics").status != 200) {
                    fail("metrics");
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    std::string sample;
    for (const auto& f : first_failure) {
        if (!f.empty()) {
            sample = f;
            break;
        }
    }
    EXPECT_EQ(failures.load(), 0) << sample;
}

}  // namespace
