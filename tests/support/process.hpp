#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>

namespace auction::testing {

/// A program started with the test environment plus overrides (an empty value removes a variable);
/// stdout and stderr go to a temporary log file, removed with the object. Killed if still running.
class ChildProcess {
public:
    ChildProcess(const std::string& binary, const std::map<std::string, std::string>& overrides);
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }
    bool Signal(int signal) const;
    /// Exit status (128 + signal when killed); -1 after a timeout (the process is then killed).
    int WaitExit(std::chrono::milliseconds timeout);
    std::string Log() const;
    /// Waits until the log contains `text`.
    bool WaitForLog(const std::string& text, std::chrono::milliseconds timeout) const;

private:
    pid_t pid_ = -1;
    bool reaped_ = false;
    std::string log_path_;
};

}  // namespace auction::testing
