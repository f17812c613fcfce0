#include "pkg/executor/blocking_pool.hpp"

namespace auction::executor {

BlockingPool::BlockingPool(std::string name, int threads, std::size_t queue_limit)
    : name_(std::move(name)), queue_limit_(queue_limit) {
    threads_.reserve(static_cast<std::size_t>(threads));
    for (int i = 0; i < threads; ++i) {
        threads_.emplace_back([this] { WorkerLoop(); });
    }
}

BlockingPool::~BlockingPool() {
    Stop();
}

void BlockingPool::Submit(std::unique_ptr<Job> job) {
    {
        std::unique_lock lock(mutex_);
        if (!stopping_ && queue_.size() < queue_limit_) {
            queue_.push_back(std::move(job));
            lock.unlock();
            cv_.notify_one();
            return;
        }
    }
    job->Reject(std::make_exception_ptr(PoolOverloaded("the " + name_ + " work queue is full")));
}

void BlockingPool::WorkerLoop() {
    for (;;) {
        std::unique_ptr<Job> job;
        {
            std::unique_lock lock(mutex_);
            cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) {
                return;  // stopping and drained
            }
            job = std::move(queue_.front());
            queue_.pop_front();
        }
        job->Run();
    }
}

void BlockingPool::Stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && threads_.empty()) {
            return;
        }
        stopping_ = true;
    }
    cv_.notify_all();
    threads_.clear();  // std::jthread joins as it goes
}

}  // namespace auction::executor
