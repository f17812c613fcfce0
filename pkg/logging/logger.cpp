#include "pkg/logging/logger.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/json/serialize.hpp>
#include <memory>
#include <mutex>
#include <vector>

#include "pkg/timeutil/rfc3339.hpp"

namespace auction::logging {

namespace {

std::mutex g_init_mutex;
std::shared_ptr<spdlog::logger> g_logger;                // owner; guarded by g_init_mutex
std::atomic<spdlog::logger*> g_current{nullptr};         // lock-free read path; loggers are never destroyed early
std::vector<std::shared_ptr<spdlog::logger>> g_retired;  // keeps replaced loggers alive for racing readers
std::string g_service = "auction";
std::atomic<int> g_min_level{static_cast<int>(Level::kInfo)};

void Install(std::shared_ptr<spdlog::logger> logger) {
    if (g_logger) {
        g_retired.push_back(g_logger);
    }
    g_logger = std::move(logger);
    g_logger->set_pattern("%v");
    g_current.store(g_logger.get(), std::memory_order_release);
}

spdlog::logger* Logger() {
    if (auto* current = g_current.load(std::memory_order_acquire); current != nullptr) {
        return current;
    }
    std::lock_guard lock(g_init_mutex);
    if (!g_logger) {
        // Tests and tools that never call Init still get synchronous JSON lines.
        Install(std::make_shared<spdlog::logger>("auction", std::make_shared<spdlog::sinks::stdout_sink_mt>()));
    }
    return g_logger.get();
}

const char* LevelName(Level level) {
    switch (level) {
        case Level::kDebug:
            return "debug";
        case Level::kInfo:
            return "info";
        case Level::kWarn:
            return "warn";
        case Level::kError:
            return "error";
    }
    return "info";
}

}  // namespace

void Init(const std::string& service, std::string_view level) {
    std::lock_guard lock(g_init_mutex);
    g_service = service;
    if (level == "debug") {
        g_min_level = static_cast<int>(Level::kDebug);
    } else if (level == "warn") {
        g_min_level = static_cast<int>(Level::kWarn);
    } else if (level == "error") {
        g_min_level = static_cast<int>(Level::kError);
    } else {
        g_min_level = static_cast<int>(Level::kInfo);
    }
    // Bounded queue; when full the producer waits rather than dropping lines.
    spdlog::init_thread_pool(16384, 1);
    auto sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
    auto logger = std::make_shared<spdlog::async_logger>("auction", sink, spdlog::thread_pool(),
                                                         spdlog::async_overflow_policy::block);
    logger->flush_on(spdlog::level::warn);
    Install(std::move(logger));
    spdlog::flush_every(std::chrono::seconds(1));
}

void Shutdown() {
    std::shared_ptr<spdlog::logger> logger;
    {
        std::lock_guard lock(g_init_mutex);
        logger = g_logger;
    }
    if (logger) {
        logger->flush();
    }
}

bool Enabled(Level level) {
    return static_cast<int>(level) >= g_min_level.load(std::memory_order_relaxed);
}

void Log(Level level, std::string_view msg, boost::json::object fields) {
    if (!Enabled(level)) {
        return;
    }
    boost::json::object line;
    line.reserve(fields.size() + 4);
    line["level"] = LevelName(level);
    line["time"] = timeutil::FormatRfc3339Millis(timeutil::NowMicros());
    line["msg"] = msg;
    line["service"] = g_service;
    for (auto& kv : fields) {
        line[kv.key()] = std::move(kv.value());
    }
    Logger()->info(boost::json::serialize(line));
}

}  // namespace auction::logging
