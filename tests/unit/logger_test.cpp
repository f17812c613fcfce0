// The logger's buffered writer: lines written whole and in order per thread, the hot-path Line equal to Log(),
// escaping that keeps every line valid JSON in UTF-8, and dropped lines counted and reported.
#include "pkg/logging/logger.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "pkg/encoding/encoding.hpp"

namespace auction::logging {
namespace {

// Sends stdout (descriptor 1) to a temporary file for the life of the object.
class CapturedStdout {
public:
    CapturedStdout() {
        std::fflush(stdout);
        saved_ = ::dup(STDOUT_FILENO);
        char path[] = "/tmp/logger_test.XXXXXX";
        const int fd = ::mkstemp(path);
        path_ = path;
        ::dup2(fd, STDOUT_FILENO);
        ::close(fd);
    }
    ~CapturedStdout() {
        Restore();
        std::remove(path_.c_str());
    }
    CapturedStdout(const CapturedStdout&) = delete;
    CapturedStdout& operator=(const CapturedStdout&) = delete;

    /// Restores stdout and returns the lines written meanwhile.
    std::vector<std::string> Lines() {
        Restore();
        std::ifstream in(path_);
        std::vector<std::string> lines;
        for (std::string line; std::getline(in, line);) {
            lines.push_back(line);
        }
        return lines;
    }

private:
    void Restore() {
        if (saved_ >= 0) {
            ::dup2(saved_, STDOUT_FILENO);
            ::close(saved_);
            saved_ = -1;
        }
    }
    int saved_ = -1;
    std::string path_;
};

boost::json::object Parse(const std::string& line) {
    return boost::json::parse(line).as_object();
}

TEST(Logger, LineWritesTheSameFieldsAsLog) {
    CapturedStdout out;
    Log(Level::kInfo, "request",
        {{"method", "GET"}, {"path", "/api/v1/items"}, {"status", 200}, {"durationUs", 42}, {"traceId", "t-1"}});
    Line(Level::kInfo, "request")
        .Str("method", "GET")
        .Str("path", "/api/v1/items")
        .Int("status", 200)
        .Int("durationUs", 42)
        .Str("traceId", "t-1")
        .Emit();
    const auto lines = out.Lines();
    ASSERT_EQ(lines.size(), 2U);
    auto a = Parse(lines[0]);
    auto b = Parse(lines[1]);
    ASSERT_TRUE(a.contains("time"));
    ASSERT_TRUE(b.contains("time"));
    EXPECT_EQ(b["time"].as_string().size(), std::string_view("2026-12-01T21:36:00.123Z").size());
    a.erase("time");
    b.erase("time");
    EXPECT_EQ(a, b);
    // Same keys in the same order.
    std::vector<std::string> keys_a;
    std::vector<std::string> keys_b;
    for (const auto& kv : a) {
        keys_a.emplace_back(kv.key());
    }
    for (const auto& kv : b) {
        keys_b.emplace_back(kv.key());
    }
    EXPECT_EQ(keys_a, keys_b);
}

TEST(Logger, LineEscapesQuotesControlsAndInvalidUtf8) {
    CapturedStdout out;
    const std::string hostile = std::string("/a\"b\\c\n\t\x01") + "\xFF\xC3" + "caf\xC3\xA9 \xE2\x82\xAC";
    Line(Level::kWarn, "m\"sg").Str("path", hostile).Int("n", -7).Emit();
    const auto lines = out.Lines();
    ASSERT_EQ(lines.size(), 1U);
    EXPECT_TRUE(encoding::IsValidUtf8(lines[0]));
    const auto line = Parse(lines[0]);
    EXPECT_EQ(line.at("msg").as_string(), "m\"sg");
    EXPECT_EQ(line.at("level").as_string(), "warn");
    EXPECT_EQ(line.at("n").as_int64(), -7);
    EXPECT_EQ(line.at("path").as_string(),
              std::string("/a\"b\\c\n\t\x01") + "\xEF\xBF\xBD\xEF\xBF\xBD" + "caf\xC3\xA9 \xE2\x82\xAC");
}

// Lines from threads with buffers of their own and from threads without, through the writer thread: every
// line arrives whole, once, in its thread's order.
TEST(Logger, BufferedLinesArriveWholeAndInOrderPerThread) {
    constexpr int kThreads = 4;
    constexpr int kLines = 5000;
    CapturedStdout out;
    const auto dropped_before = DroppedLines();
    Init("logger-test", "info");
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([t] {
            // Threads 0 and 1 have buffers of their own; 2 and 3 share one.
            std::optional<ThreadBuffer> buffer;
            if (t < 2) {
                buffer.emplace();
            }
            for (int i = 0; i < kLines; ++i) {
                Line(Level::kInfo, "request").Int("thread", t).Int("seq", i).Str("pad", std::string(40, 'x')).Emit();
                if (i % 256 == 0) {
                    std::this_thread::yield();  // let the writer keep up: this test is about order, not overload
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    Shutdown();
    const auto dropped = DroppedLines() - dropped_before;
    const auto lines = out.Lines();
    std::map<std::int64_t, std::int64_t> next;
    std::size_t requests = 0;
    for (const auto& text : lines) {
        const auto line = Parse(text);  // throws on half a line
        EXPECT_EQ(line.at("service").as_string(), "logger-test");
        if (line.at("msg").as_string() != "request") {
            continue;
        }
        ++requests;
        const auto thread = line.at("thread").as_int64();
        const auto seq = line.at("seq").as_int64();
        EXPECT_GE(seq, next[thread]) << "thread " << thread << " went back";
        next[thread] = seq + 1;
    }
    EXPECT_EQ(requests + dropped, static_cast<std::size_t>(kThreads * kLines));
}

// A buffer too small for the burst: the lines that do not fit are dropped whole, counted, and a warning says
// how many.
TEST(Logger, LinesThatDoNotFitAreDroppedCountedAndReported) {
    constexpr int kLines = 20000;
    CapturedStdout out;
    const auto dropped_before = DroppedLines();
    Init("logger-test", "info");
    std::thread([] {
        const ThreadBuffer buffer(1024);
        for (int i = 0; i < kLines; ++i) {
            Line(Level::kInfo, "request").Int("seq", i).Str("pad", std::string(100, 'y')).Emit();
        }
    }).join();
    Shutdown();
    const auto dropped = DroppedLines() - dropped_before;
    EXPECT_GT(dropped, 0U);
    const auto lines = out.Lines();
    std::size_t requests = 0;
    std::uint64_t reported = 0;
    for (const auto& text : lines) {
        const auto line = Parse(text);
        if (line.at("msg").as_string() == "request") {
            ++requests;
        } else if (line.at("level").as_string() == "warn") {
            reported = static_cast<std::uint64_t>(line.at("droppedTotal").as_int64());
        }
    }
    EXPECT_EQ(requests + dropped, static_cast<std::size_t>(kLines));
    EXPECT_EQ(reported, DroppedLines());
    std::string metrics;
    WriteMetrics(metrics);
    EXPECT_NE(metrics.find("auction_log_dropped_total " + std::to_string(DroppedLines())), std::string::npos)
        << metrics;
}

TEST(Logger, LevelsBelowTheMinimumAreNotWritten) {
    CapturedStdout out;
    Init("logger-test", "warn");
    Info("hidden");
    Warn("shown", {{"k", "v"}});
    Shutdown();
    Init("logger-test", "info");  // later tests log at info again
    Shutdown();
    const auto lines = out.Lines();
    ASSERT_EQ(lines.size(), 1U);
    EXPECT_EQ(Parse(lines[0]).at("msg").as_string(), "shown");
}

// SERVICE_NAME comes from the environment: escaped (once, by Init) like every other string of a line.
TEST(Logger, TheServiceNameIsEscaped) {
    CapturedStdout out;
    Init("svc \"quoted\"\n", "info");
    Line(Level::kInfo, "request").Str("path", "/").Emit();
    Info("plain");
    Shutdown();
    Init("logger-test", "info");  // later tests use the usual name
    Shutdown();
    const auto lines = out.Lines();
    ASSERT_EQ(lines.size(), 2U);
    for (const auto& text : lines) {
        EXPECT_EQ(Parse(text).at("service").as_string(), "svc \"quoted\"\n") << text;
    }
}

}  // namespace
}  // namespace auction::logging
