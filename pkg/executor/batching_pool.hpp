#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "pkg/executor/blocking_pool.hpp"

namespace auction::executor {

/// Group commit: requests that arrive while a batch is running wait and go together in the next one.
/// `threads` threads each take up to `max_batch` waiting requests and hand them to `run_batch` at once, which
/// answers each request on its own (a value or an exception), so one bad request never fails another.
/// Every request resumes its awaiting coroutine on the coroutine's own executor. Waiting requests are bounded
/// by `queue_limit` (PoolOverloaded past it). With one request waiting, a batch of one runs at once: batching
/// never delays a request, it only shares the commit between those that arrived together.
template <typename Request, typename Result>
class BatchingPool {
public:
    struct Outcome {
        Result value{};
        std::exception_ptr error;
    };
    /// Runs on a pool thread; returns one Outcome per request, in order (an exception it throws fails them all).
    using RunBatch = std::function<std::vector<Outcome>(std::vector<Request>& requests)>;

    BatchingPool(std::string name, int threads, std::size_t max_batch, std::size_t queue_limit, RunBatch run_batch)
        : name_(std::move(name)), max_batch_(max_batch), queue_limit_(queue_limit), run_batch_(std::move(run_batch)) {
        for (int i = 0; i < threads; ++i) {
            threads_.emplace_back([this] { WorkerLoop(); });
        }
    }
    ~BatchingPool() { Stop(); }
    BatchingPool(const BatchingPool&) = delete;
    BatchingPool& operator=(const BatchingPool&) = delete;

    /// co_await Submit(request): its Result, or the exception run_batch gave it.
    auto Submit(Request request) {
        return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>, void(std::exception_ptr, Result)>(
            [this](auto handler, Request req) {
                auto guard = boost::asio::make_work_guard(boost::asio::get_associated_executor(handler));
                Enqueue(std::move(req), std::make_unique<CompletionImpl<decltype(handler), decltype(guard)>>(
                                            std::move(handler), std::move(guard)));
            },
            boost::asio::use_awaitable, std::move(request));
    }

    /// Finishes waiting requests, then joins the threads.
    void Stop() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        cv_.notify_all();
        threads_.clear();  // std::jthread joins as it goes
    }

    struct Stats {
        std::uint64_t batches = 0;
        std::uint64_t requests = 0;
    };
    Stats GetStats() const {
        std::lock_guard lock(mutex_);
        return stats_;
    }
    /// Requests waiting for a batch.
    std::size_t Waiting() const {
        std::lock_guard lock(mutex_);
        return waiting_.size();
    }

private:
    // The awaiting coroutine's handler is move-only: type-erased here rather than in a std::function.
    struct Completion {
        virtual ~Completion() = default;
        virtual void Complete(std::exception_ptr error, Result result) = 0;
    };
    template <typename Handler, typename Guard>
    struct CompletionImpl final : Completion {
        CompletionImpl(Handler h, Guard g) : handler(std::move(h)), guard(std::move(g)) {}
        void Complete(std::exception_ptr error, Result result) override {
            auto executor = guard.get_executor();
            boost::asio::post(executor, [h = std::move(handler), error, r = std::move(result)]() mutable {
                std::move(h)(error, std::move(r));
            });
            guard.reset();
        }
        Handler handler;
        Guard guard;
    };
    struct Pending {
        Request request;
        std::unique_ptr<Completion> completion;
    };

    void Enqueue(Request request, std::unique_ptr<Completion> completion) {
        {
            std::unique_lock lock(mutex_);
            if (!stopping_ && waiting_.size() < queue_limit_) {
                waiting_.push_back(Pending{std::move(request), std::move(completion)});
                lock.unlock();
                cv_.notify_one();
                return;
            }
        }
        completion->Complete(std::make_exception_ptr(PoolOverloaded("the " + name_ + " queue is full")), Result{});
    }

    void WorkerLoop() {
        for (;;) {
            std::vector<Pending> batch;
            {
                std::unique_lock lock(mutex_);
                cv_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
                if (waiting_.empty()) {
                    return;  // stopping and drained
                }
                while (!waiting_.empty() && batch.size() < max_batch_) {
                    batch.push_back(std::move(waiting_.front()));
                    waiting_.pop_front();
                }
                ++stats_.batches;
                stats_.requests += batch.size();
            }
            std::vector<Request> requests;
            requests.reserve(batch.size());
            for (auto& w : batch) {
                requests.push_back(std::move(w.request));
            }
            std::vector<Outcome> outcomes;
            std::exception_ptr failure;
            try {
                outcomes = run_batch_(requests);
                if (outcomes.size() != batch.size()) {
                    throw std::logic_error(name_ + ": run_batch answered " + std::to_string(outcomes.size()) + " of " +
                                           std::to_string(batch.size()) + " requests");
                }
            } catch (...) {
                failure = std::current_exception();
            }
            for (std::size_t i = 0; i < batch.size(); ++i) {
                if (failure) {
                    batch[i].completion->Complete(failure, Result{});
                } else {
                    batch[i].completion->Complete(outcomes[i].error, std::move(outcomes[i].value));
                }
            }
        }
    }

    const std::string name_;
    const std::size_t max_batch_;
    const std::size_t queue_limit_;
    const RunBatch run_batch_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<Pending> waiting_;
    bool stopping_ = false;
    Stats stats_;
    std::vector<std::jthread> threads_;
};

}  // namespace auction::executor
