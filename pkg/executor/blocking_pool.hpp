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
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "pkg/errors/errors.hpp"

namespace auction::executor {

/// Thrown (to the awaiting coroutine) when the pool's queue is full: the caller should shed load.
class PoolOverloaded : public errors::DependencyFailure {
public:
    using errors::DependencyFailure::DependencyFailure;

    errors::Error Public() const override {
        return errors::Error(errors::Kind::kUnavailable, "the service is overloaded, retry later");
    }
    const char* LogMessage() const noexcept override { return "work queue full"; }
};

/// Runs blocking calls (libcurl, file I/O) off the I/O threads: `threads` dedicated threads take jobs
/// from a queue bounded by `queue_limit`, and each job resumes its awaiting coroutine on the coroutine's
/// own executor. The same shape as postgres::DbExecutor, without the connection lease.
class BlockingPool {
public:
    BlockingPool(std::string name, int threads, std::size_t queue_limit);
    ~BlockingPool();
    BlockingPool(const BlockingPool&) = delete;
    BlockingPool& operator=(const BlockingPool&) = delete;

    /// co_await Run([] { ...; return value; }): the result (or exception) of `fn`, run on a pool thread.
    /// `fn` must return a default-constructible, movable, non-void value.
    template <typename F>
    auto Run(F fn) {
        using R = std::invoke_result_t<F&>;
        static_assert(!std::is_void_v<R>, "return a value (e.g. bool) from blocking work");
        return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>, void(std::exception_ptr, R)>(
            [this](auto handler, F work) {
                auto guard = boost::asio::make_work_guard(boost::asio::get_associated_executor(handler));
                auto job = std::make_unique<JobImpl<F, decltype(handler), decltype(guard)>>(
                    std::move(work), std::move(handler), std::move(guard));
                Submit(std::move(job));
            },
            boost::asio::use_awaitable, std::move(fn));
    }

    /// Finishes queued jobs, then joins the threads.
    void Stop();

private:
    struct Job {
        virtual ~Job() = default;
        virtual void Run() = 0;
        virtual void Reject(std::exception_ptr error) = 0;
    };

    template <typename F, typename Handler, typename Guard>
    struct JobImpl final : Job {
        using R = std::invoke_result_t<F&>;

        JobImpl(F f, Handler h, Guard g) : fn(std::move(f)), handler(std::move(h)), guard(std::move(g)) {}

        void Run() override {
            R result{};
            std::exception_ptr error;
            try {
                result = fn();
            } catch (...) {
                error = std::current_exception();
            }
            Complete(error, std::move(result));
        }

        void Reject(std::exception_ptr error) override { Complete(error, R{}); }

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
    };

    void Submit(std::unique_ptr<Job> job);
    void WorkerLoop();

    std::string name_;
    std::size_t queue_limit_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::unique_ptr<Job>> queue_;
    bool stopping_ = false;
    std::vector<std::jthread> threads_;
};

}  // namespace auction::executor
