#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace auction::logging {

/// Structured JSON logging: one line per event with `level`, `time`, `msg`, `service` and the caller's
/// fields (traceId among them), written to stdout.
///
/// After Init, lines go into bounded in-memory buffers that one writer thread empties into stdout, a batch
/// per write(2): a thread that logs never takes a lock shared with the I/O threads nor makes a system call
/// for a line. Threads that log on every request (the HTTP I/O threads) hold a ThreadBuffer of their own;
/// every other thread shares one buffer behind a mutex. A line that does not fit is dropped and counted
/// (DroppedLines, `auction_log_dropped_total`), and the writer says so in a warning line. Before Init and
/// after Shutdown, lines are written synchronously.
enum class Level { kDebug, kInfo, kWarn, kError };

void Init(const std::string& service, std::string_view level = "info");
/// Stops the writer thread after it wrote every pending line; later lines are written synchronously.
void Shutdown();
bool Enabled(Level level);
void Log(Level level, std::string_view msg, const boost::json::object& fields = {});

/// Lines dropped so far because a buffer was full.
std::uint64_t DroppedLines() noexcept;
/// The logger's metric family (`auction_log_dropped_total`) in Prometheus text format, for both programs.
void WriteMetrics(std::string& out);

inline void Debug(std::string_view msg, const boost::json::object& fields = {}) {
    Log(Level::kDebug, msg, fields);
}
inline void Info(std::string_view msg, const boost::json::object& fields = {}) {
    Log(Level::kInfo, msg, fields);
}
inline void Warn(std::string_view msg, const boost::json::object& fields = {}) {
    Log(Level::kWarn, msg, fields);
}
inline void Error(std::string_view msg, const boost::json::object& fields = {}) {
    Log(Level::kError, msg, fields);
}

/// Appends `text` as the inside of a JSON string: '"', '\\' and control characters escaped, bytes that start no
/// UTF-8 sequence replaced by U+FFFD, the rest as it is. Every string of a line goes through it (exposed for the
/// tests and tests/fuzz/log_line_fuzz.cpp).
void AppendJsonString(std::string& out, std::string_view text);

/// Gives the calling thread a buffer of its own for as long as the object lives (construct it at the top of
/// a thread's run loop). Pending lines are still written after the thread ends.
class ThreadBuffer {
public:
    static constexpr std::size_t kDefaultBytes = std::size_t{512} * 1024;

    explicit ThreadBuffer(std::size_t bytes = kDefaultBytes);
    ~ThreadBuffer();
    ThreadBuffer(const ThreadBuffer&) = delete;
    ThreadBuffer& operator=(const ThreadBuffer&) = delete;
};

/// One log line built field by field without a JSON document in between, for the hot path (the access log):
/// the same output as Log() with the same fields. Strings are escaped, and bytes that are not UTF-8 become
/// U+FFFD.
class Line {
public:
    Line(Level level, std::string_view msg);
    Line& Str(std::string_view key, std::string_view value);
    Line& Int(std::string_view key, std::int64_t value);
    /// Hands the line to the writer; call once.
    void Emit();

private:
    void Key(std::string_view key);
    std::string& buffer_;
};

}  // namespace auction::logging
