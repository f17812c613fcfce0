#include "internal/lifecycle/background_loop.hpp"

#include <algorithm>

#include "pkg/logging/logger.hpp"

namespace auction::lifecycle {

BackgroundLoop::BackgroundLoop(std::string name, Round round) : name_(std::move(name)), round_(std::move(round)) {}

BackgroundLoop::~BackgroundLoop() {
    Stop();
}

void BackgroundLoop::Start() {
    thread_ = std::thread([this] { Run(); });
}

void BackgroundLoop::Stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

bool BackgroundLoop::stopping() const {
    std::lock_guard lock(mutex_);
    return stopping_;
}

void BackgroundLoop::Run() {
    constexpr auto kFirstBackoff = std::chrono::milliseconds(200);
    auto backoff = kFirstBackoff;
    for (;;) {
        std::chrono::milliseconds pause{0};
        try {
            pause = round_();
            backoff = kFirstBackoff;
        } catch (const std::exception& e) {
            // The database or S3 is down, or the pool is busy: a round changes nothing it did not commit.
            logging::Warn(name_ + " failed, will retry",
                          {{"error", e.what()}, {"retryInMs", static_cast<std::int64_t>(backoff.count())}});
            pause = backoff;
            backoff = std::min(backoff * 2, std::chrono::milliseconds(30'000));
        }
        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, pause, [this] { return stopping_; });
        if (stopping_) {
            return;
        }
    }
}

}  // namespace auction::lifecycle
