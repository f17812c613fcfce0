#include "pkg/process/stop_signals.hpp"

#include <pthread.h>

#include <cerrno>
#include <ctime>

namespace auction::process {

sigset_t BlockStopSignals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    return signals;
}

int WaitForStopSignal(const sigset_t& signals) {
    int sig = 0;
    sigwait(&signals, &sig);
    return sig;
}

std::optional<int> WaitForStopSignal(const sigset_t& signals, std::chrono::milliseconds timeout) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            return std::nullopt;
        }
        timespec wait{};
        wait.tv_sec = static_cast<std::time_t>(left.count() / 1'000'000'000);
        wait.tv_nsec = static_cast<long>(left.count() % 1'000'000'000);
        const int sig = sigtimedwait(&signals, nullptr, &wait);
        if (sig > 0) {
            return sig;
        }
        if (errno != EINTR) {
            return std::nullopt;  // EAGAIN: the time is up
        }
    }
}

}  // namespace auction::process
