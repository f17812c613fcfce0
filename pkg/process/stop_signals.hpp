#pragma once

#include <csignal>

namespace auction::process {

/// Blocks SIGTERM and SIGINT in the calling thread (so in every thread it starts later) and ignores
/// SIGPIPE; call first thing in main, then WaitForStopSignal on the main thread.
sigset_t BlockStopSignals();

/// Waits until SIGTERM or SIGINT arrives; returns the signal number.
int WaitForStopSignal(const sigset_t& signals);

}  // namespace auction::process
