#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace auction::lifecycle {

/// A thread that runs `round` again and again: each round returns how long to pause before the next one (zero: at
/// once). A round that throws is logged as a warning naming `name`, and retried after a backoff that doubles from
/// 200 ms up to 30 s (it resets after a round that succeeds). Stop() interrupts a pause, never a round.
class BackgroundLoop {
public:
    using Round = std::function<std::chrono::milliseconds()>;

    BackgroundLoop(std::string name, Round round);
    ~BackgroundLoop();
    BackgroundLoop(const BackgroundLoop&) = delete;
    BackgroundLoop& operator=(const BackgroundLoop&) = delete;

    void Start();
    /// Returns once the thread has stopped (a round in flight finishes first).
    void Stop();
    /// True once Stop() was called: a round doing several steps may check it between them.
    bool stopping() const;

private:
    void Run();

    std::string name_;
    Round round_;
    std::thread thread_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
};

}  // namespace auction::lifecycle
