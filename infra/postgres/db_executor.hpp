#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <vector>

#include "infra/postgres/pool.hpp"

namespace auction::postgres {

/// Thrown (to the awaiting coroutine) when the executor's queue is full: the caller should shed load.
class ExecutorOverloaded : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Runs blocking libpq work off the I/O threads. Each job leases a connection from the pool, runs on one
/// of `threads` dedicated threads (sized to MaxOpenConns, so a thread never waits for a connection), and
/// resumes the awaiting coroutine on its own executor. The queue is bounded: past `queue_limit` waiting
/// jobs the call fails fast with ExecutorOverloaded instead of growing without limit.
///
/// Why a thread pool and not libpq's non-blocking mode on Asio: it keeps every repository a plain
/// sequential function, and bench/ shows the hand-off costs a few microseconds against a ~50 us query.
class DbExecutor {
public:
    DbExecutor(PgPool& pool, int threads, std::size_t queue_limit);
    ~DbExecutor();
    DbExecutor(const DbExecutor&) = delete;
    DbExecutor& operator=(const DbExecutor&) = delete;

    /// co_await Run([](PgConnection& c) { ...; return value; }): the result (or exception) of `fn`.
    /// `fn` must return a default-constructible, movable, non-void value.
    template <typename F>
    auto Run(F fn) {
        using R = std::invoke_result_t<F&, PgConnection&>;
        static_assert(!std::is_void_v<R>, "return a value (e.g. bool) from database work");
        return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>, void(std::exception_ptr, R)>(
            [this](auto handler, F work) {
                auto guard = boost::asio::make_work_guard(boost::asio::get_associated_executor(handler));
                auto job = std::make_unique<JobImpl<F, decltype(handler), decltype(guard)>>(
                    std::move(work), std::move(handler), std::move(guard), pool_);
                Submit(std::move(job));
            },
            boost::asio::use_awaitable, std::move(fn));
    }

    /// Finishes queued jobs, then joins the threads.
    void Stop();
    std::size_t QueueDepth() const;

private:
    struct Job {
        virtual ~Job() = default;
        virtual void Run() = 0;
        virtual void Reject(std::exception_ptr error) = 0;
    };

    template <typename F, typename Handler, typename Guard>
    struct JobImpl final : Job {
        JobImpl(F f, Handler h, Guard g, PgPool& p)
            : fn(std::move(f)), handler(std::move(h)), guard(std::move(g)), pool(p) {}

        void Run() override {
            using R = std::invoke_result_t<F&, PgConnection&>;
            R result{};
            std::exception_ptr error;
            try {
                auto lease = pool.Acquire();
                result = fn(*lease);
            } catch (...) {
                error = std::current_exception();
            }
            Complete(error, std::move(result));
        }

        void Reject(std::exception_ptr error) override {
            using R = std::invoke_result_t<F&, PgConnection&>;
            Complete(error, R{});
        }

        template <typename R>
        void Complete(std::exception_ptr error, R result) {
            auto executor = guard.get_executor();
            boost::asio::post(executor, [h = std::move(handler), error, r = std::move(result)]() mutable {
                std::move(h)(error, std::move(r));
            });
            guard.reset();
        }

        F fn;
        Handler handler;
        Guard guard;
        PgPool& pool;
    };

    void Submit(std::unique_ptr<Job> job);
    void WorkerLoop();

    PgPool& pool_;
    std::size_t queue_limit_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::unique_ptr<Job>> queue_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace auction::postgres
