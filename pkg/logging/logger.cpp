#include "pkg/logging/logger.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/json/serialize.hpp>
#include <boost/lockfree/spsc_queue.hpp>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "pkg/encoding/encoding.hpp"
#include "pkg/metrics/metrics.hpp"
#include "pkg/timeutil/rfc3339.hpp"

// Why not spdlog's async logger, which this replaces: it takes a mutex and signals a condition variable for
// every line, and its stdout sink makes a write(2) per line. At tens of thousands of requests a second that
// was a third of the API's read throughput. Here a line is a copy into a wait-free single-producer ring
// (Boost.Lockfree) and one writer thread makes one write(2) per batch. Kept small on purpose: the rings, the
// writer loop and a JSON string escaper; tests/unit/logger_test.cpp covers them, tests/fuzz/log_line_fuzz.cpp the
// escaper.

namespace auction::logging {

namespace {

constexpr std::size_t kSharedRingBytes = std::size_t{64} * 1024;
constexpr std::size_t kBatchBytes = std::size_t{64} * 1024;
// The writer drains every 10 ms while lines flow (at 60k lines a second an I/O thread's ring then holds about
// 100 KiB of its 512) and sleeps longer when idle: each wake-up takes a core from an I/O thread or the load.
constexpr auto kBusyInterval = std::chrono::milliseconds(10);
constexpr auto kIdleInterval = std::chrono::milliseconds(20);

struct Ring {
    explicit Ring(std::size_t bytes) : queue(bytes), capacity(bytes) {}
    boost::lockfree::spsc_queue<char> queue;
    const std::size_t capacity;
    std::atomic<bool> orphaned{false};  // its thread ended: freed once empty
};

struct Sink {
    std::atomic<bool> running{false};
    std::atomic<std::uint64_t> dropped{0};
    std::uint64_t reported = 0;  // drops the writer has reported; the writer's alone

    std::mutex registry_mutex;  // thread registration and the writer's drain; never taken to log a line
    std::vector<std::shared_ptr<Ring>> rings;
    std::shared_ptr<Ring> shared_ring;  // threads without a ThreadBuffer
    std::mutex shared_mutex;            // their producer side

    std::mutex wake_mutex;
    std::condition_variable wake;
    bool stop = false;
    std::atomic<bool> wake_requested{false};  // a producer found its ring half full: drain now
    std::thread writer;

    std::mutex sync_mutex;  // lines written synchronously (no writer running)
};

// Never destroyed: threads may still log while static objects are torn down.
Sink& TheSink() {
    static auto* sink = new Sink;
    return *sink;
}

std::mutex g_init_mutex;
// `","service":"<name>"`, escaped once: set by Init before any thread logs.
std::string g_service_field = R"(","service":"auction")";
std::atomic<int> g_min_level{static_cast<int>(Level::kInfo)};
thread_local std::shared_ptr<Ring> t_ring;

// A line's opening up to its time: `{"level":"info","time":"`.
std::string_view LevelPrefix(Level level) {
    switch (level) {
        case Level::kDebug:
            return R"({"level":"debug","time":")";
        case Level::kInfo:
            break;
        case Level::kWarn:
            return R"({"level":"warn","time":")";
        case Level::kError:
            return R"({"level":"error","time":")";
    }
    return R"({"level":"info","time":")";
}

// Writes all of it unless the descriptor fails; false then.
bool WriteAll(const char* data, std::size_t size) {
    while (size > 0) {
        const auto n = ::write(STDOUT_FILENO, data, size);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

void WriteSync(std::string_view line) {
    auto& sink = TheSink();
    std::lock_guard lock(sink.sync_mutex);
    WriteAll(line.data(), line.size());
}

// Hands one whole line (ending in '\n') to the writer, or drops it when its ring has no room for all of it:
// the writer must never see half a line.
void Push(std::string_view line) {
    auto& sink = TheSink();
    if (!sink.running.load(std::memory_order_acquire)) {
        WriteSync(line);
        return;
    }
    auto try_push = [&](Ring& ring) {
        const auto room = ring.queue.write_available();
        if (room < line.size()) {
            return false;
        }
        ring.queue.push(line.data(), line.size());
        // Half full: the writer is late (the machine is busy). Wake it rather than wait for its timer; a
        // system call only in that case, and once until it has drained.
        if (room - line.size() < ring.capacity / 2 && !sink.wake_requested.exchange(true)) {
            sink.wake.notify_one();
        }
        return true;
    };
    bool pushed = false;
    if (t_ring) {
        pushed = try_push(*t_ring);
    } else {
        std::lock_guard lock(sink.shared_mutex);
        pushed = sink.shared_ring && try_push(*sink.shared_ring);
    }
    if (!pushed) {
        sink.dropped.fetch_add(1, std::memory_order_relaxed);
    }
}

// Bytes copied as they are inside a JSON string: printable ASCII but '"' and '\\'. A table, because this runs
// over every field of every request line.
constexpr auto kPlainAscii = [] {
    std::array<bool, 256> plain{};
    for (int c = 0x20; c < 0x80; ++c) {
        plain[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
    }
    return plain;
}();

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::size_t i = 0;
    while (i < text.size()) {
        // Runs of plain ASCII (usually the whole text) are copied at once.
        std::size_t j = i;
        while (j < text.size() && kPlainAscii[static_cast<unsigned char>(text[j])]) {
            ++j;
        }
        out.append(text.data() + i, j - i);
        i = j;
        if (i == text.size()) {
            break;
        }
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(static_cast<char>(c));
            ++i;
        } else if (c < 0x20) {
            switch (c) {
                case '\n':
                    out.append("\\n");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                case '\t':
                    out.append("\\t");
                    break;
                default:
                    out.append("\\u00");
                    out.push_back(kHex[c >> 4]);
                    out.push_back(kHex[c & 0xF]);
            }
            ++i;
        } else if (const auto len = encoding::Utf8SequenceLength(text, i); len > 0) {
            out.append(text.substr(i, len));
            i += len;
        } else {
            out.append("\xEF\xBF\xBD");  // U+FFFD for a byte that starts no UTF-8 sequence
            ++i;
        }
    }
}

namespace {

void AppendTime(std::string& out) {
    // The seconds part changes once a second: format it then, not per line.
    thread_local std::int64_t cached_second = -1;
    thread_local std::string cached_prefix;
    const auto micros = timeutil::NowMicros();
    const auto second = micros / 1000000;
    if (second != cached_second) {
        auto full = timeutil::FormatRfc3339Millis(second * 1000000);  // "...:SS.000Z"
        full.resize(full.size() - 5);
        cached_prefix = std::move(full);
        cached_second = second;
    }
    const auto millis = static_cast<int>((micros % 1000000) / 1000);
    out.append(cached_prefix);
    const char frac[] = {'.', static_cast<char>('0' + millis / 100), static_cast<char>('0' + millis / 10 % 10),
                         static_cast<char>('0' + millis % 10), 'Z'};
    out.append(frac, sizeof frac);
}

// `,"key":` after the fields before it.
void AppendKey(std::string& out, std::string_view key) {
    out.append(",\"");
    AppendJsonString(out, key);
    out.append("\":");
}

void AppendHeader(std::string& out, Level level, std::string_view msg) {
    out.append(LevelPrefix(level));
    AppendTime(out);
    out.append(R"(","msg":")");
    AppendJsonString(out, msg);
    out.append(g_service_field);
}

// Moves what the rings hold into stdout, a batch per write; frees the rings of ended threads once empty.
// Returns the bytes written.
std::size_t DrainOnce(Sink& sink, std::vector<char>& batch) {
    std::size_t total = 0;
    std::size_t used = 0;
    auto flush = [&] {
        if (used > 0 && !WriteAll(batch.data(), used)) {
            sink.dropped.fetch_add(static_cast<std::uint64_t>(std::count(batch.data(), batch.data() + used, '\n')),
                                   std::memory_order_relaxed);
        }
        total += used;
        used = 0;
    };
    std::lock_guard lock(sink.registry_mutex);
    for (auto& ring : sink.rings) {
        // Only what is there now: a busy producer must not keep the writer on one ring.
        auto available = ring->queue.read_available();
        while (available > 0) {
            const auto n = ring->queue.pop(batch.data() + used, std::min(available, batch.size() - used));
            available -= n;
            used += n;
            if (used == batch.size()) {
                flush();
            }
        }
    }
    flush();
    std::erase_if(sink.rings, [](const std::shared_ptr<Ring>& ring) {
        return ring->orphaned.load(std::memory_order_acquire) && ring->queue.read_available() == 0;
    });
    return total;
}

void WriterLoop(Sink& sink) {
    std::vector<char> batch(kBatchBytes);
    auto& reported = sink.reported;
    auto report_drops = [&] {
        if (const auto dropped = sink.dropped.load(std::memory_order_relaxed); dropped != reported) {
            std::string line;
            AppendHeader(line, Level::kWarn, "log lines dropped: the log output could not keep up");
            line.append(R"(,"dropped":)").append(std::to_string(dropped - reported));
            line.append(R"(,"droppedTotal":)").append(std::to_string(dropped)).append("}\n");
            WriteAll(line.data(), line.size());
            reported = dropped;
        }
    };
    for (;;) {
        sink.wake_requested.store(false);
        const auto written = DrainOnce(sink, batch);
        report_drops();
        std::unique_lock lock(sink.wake_mutex);
        if (sink.stop) {
            break;
        }
        sink.wake.wait_for(lock, written > 0 ? kBusyInterval : kIdleInterval,
                           [&] { return sink.stop || sink.wake_requested.load(); });
    }
    DrainOnce(sink, batch);
    report_drops();
}

}  // namespace

void Init(const std::string& service, std::string_view level) {
    std::lock_guard lock(g_init_mutex);
    std::string field = R"(","service":")";
    AppendJsonString(field, service);
    field.push_back('"');
    g_service_field = std::move(field);
    if (level == "debug") {
        g_min_level = static_cast<int>(Level::kDebug);
    } else if (level == "warn") {
        g_min_level = static_cast<int>(Level::kWarn);
    } else if (level == "error") {
        g_min_level = static_cast<int>(Level::kError);
    } else {
        g_min_level = static_cast<int>(Level::kInfo);
    }
    auto& sink = TheSink();
    if (sink.running.load()) {
        return;
    }
    {
        std::lock_guard registry(sink.registry_mutex);
        sink.shared_ring = std::make_shared<Ring>(kSharedRingBytes);
        sink.rings.push_back(sink.shared_ring);
    }
    {
        std::lock_guard wake(sink.wake_mutex);
        sink.stop = false;
    }
    sink.writer = std::thread([&sink] { WriterLoop(sink); });
    sink.running.store(true, std::memory_order_release);
    static const bool kAtExitRegistered = [] {
        std::atexit(Shutdown);  // lines of a program that exits without Shutdown still reach stdout
        return true;
    }();
    (void)kAtExitRegistered;
}

void Shutdown() {
    std::lock_guard lock(g_init_mutex);
    auto& sink = TheSink();
    if (!sink.running.exchange(false)) {
        return;
    }
    {
        std::lock_guard wake(sink.wake_mutex);
        sink.stop = true;
    }
    sink.wake.notify_one();
    sink.writer.join();
    // A line pushed by a thread that saw `running` just before it changed is still written.
    std::vector<char> batch(kBatchBytes);
    DrainOnce(sink, batch);
}

bool Enabled(Level level) {
    return static_cast<int>(level) >= g_min_level.load(std::memory_order_relaxed);
}

std::uint64_t DroppedLines() noexcept {
    return TheSink().dropped.load(std::memory_order_relaxed);
}

void WriteMetrics(std::string& out) {
    metrics::Write(out, metrics::families::kLogDroppedTotal, static_cast<double>(DroppedLines()));
}

void Log(Level level, std::string_view msg, const boost::json::object& fields) {
    if (!Enabled(level)) {
        return;
    }
    // The same header as Line's, then the caller's fields as JSON values.
    std::string text;
    AppendHeader(text, level, msg);
    for (const auto& kv : fields) {
        AppendKey(text, kv.key());
        text.append(boost::json::serialize(kv.value()));
    }
    text.append("}\n");
    Push(text);
}

ThreadBuffer::ThreadBuffer(std::size_t bytes) {
    auto& sink = TheSink();
    if (!sink.running.load(std::memory_order_acquire) || t_ring) {
        return;  // no writer to empty it (tests, tools), or the thread has one already
    }
    auto ring = std::make_shared<Ring>(bytes);
    {
        std::lock_guard lock(sink.registry_mutex);
        sink.rings.push_back(ring);
    }
    t_ring = std::move(ring);
}

ThreadBuffer::~ThreadBuffer() {
    if (t_ring) {
        t_ring->orphaned.store(true, std::memory_order_release);
        t_ring.reset();
    }
}

namespace {
std::string& LineBuffer() {
    thread_local std::string buffer;
    return buffer;
}
}  // namespace

Line::Line(Level level, std::string_view msg) : buffer_(LineBuffer()) {
    buffer_.clear();
    AppendHeader(buffer_, level, msg);
}

void Line::Key(std::string_view key) {
    AppendKey(buffer_, key);
}

Line& Line::Str(std::string_view key, std::string_view value) {
    Key(key);
    buffer_.push_back('"');
    AppendJsonString(buffer_, value);
    buffer_.push_back('"');
    return *this;
}

Line& Line::Int(std::string_view key, std::int64_t value) {
    Key(key);
    char digits[24];
    const auto [end, ec] = std::to_chars(std::begin(digits), std::end(digits), value);
    (void)ec;  // 24 characters hold every int64
    buffer_.append(digits, static_cast<std::size_t>(end - digits));
    return *this;
}

void Line::Emit() {
    buffer_.append("}\n");
    Push(buffer_);
}

}  // namespace auction::logging
