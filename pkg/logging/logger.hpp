#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

namespace auction::logging {

/// Structured JSON logging: one line per event with `level`, `time`, `msg`, `service` and the caller's
/// fields (traceId among them). Backed by an asynchronous spdlog logger so I/O threads never wait on stdout.
enum class Level { kDebug, kInfo, kWarn, kError };

void Init(const std::string& service, std::string_view level = "info");
void Shutdown();
bool Enabled(Level level);
void Log(Level level, std::string_view msg, boost::json::object fields = {});

inline void Debug(std::string_view msg, boost::json::object fields = {}) {
    Log(Level::kDebug, msg, std::move(fields));
}
inline void Info(std::string_view msg, boost::json::object fields = {}) {
    Log(Level::kInfo, msg, std::move(fields));
}
inline void Warn(std::string_view msg, boost::json::object fields = {}) {
    Log(Level::kWarn, msg, std::move(fields));
}
inline void Error(std::string_view msg, boost::json::object fields = {}) {
    Log(Level::kError, msg, std::move(fields));
}

}  // namespace auction::logging
