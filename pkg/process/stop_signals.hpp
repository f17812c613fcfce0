#pragma once

#include <chrono>
#include <csignal>
#include <optional>

namespace auction::process {

/// Blocks SIGTERM and SIGINT in the calling thread (so in every thread it starts later) and ignores
/// SIGPIPE; call first thing in main, then WaitForStopSignal on the main thread.
sigset_t BlockStopSignals();

/// Waits until SIGTERM or SIGINT arrives; returns the signal number.
int WaitForStopSignal(const sigset_t& signals);

/// Waits up to `timeout` for SIGTERM or SIGINT; the signal number, or nullopt when none came in time.
std::optional<int> WaitForStopSignal(const sigset_t& signals, std::chrono::milliseconds timeout);

}  // namespace auction::process
