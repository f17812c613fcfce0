#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pkg/metrics/families.hpp"

namespace auction::metrics {

/// Prometheus text exposition format 0.0.4, written by hand: the handful of series the service exports
/// do not need a client library.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

/// `# HELP` and `# TYPE` lines of a family (families.hpp declares them all).
void WriteHeader(std::string& out, const Family& family);
/// One sample line: `name{label="value",...} value`, label values escaped (\\, \", \n).
void WriteSample(std::string& out, const Family& family, const Labels& labels, double value);
/// A whole single-sample family (header and sample): for gauges and counters read at scrape time.
void Write(std::string& out, const Family& family, double value);
/// A label value escaped as the format requires.
std::string EscapeLabelValue(std::string_view value);
/// A sample value: integers without a fraction, others in shortest round-trip form, +Inf/-Inf/NaN.
std::string FormatValue(double value);

/// A monotonically increasing count; one relaxed atomic add per event.
class Counter {
public:
    void Add(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t Value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

/// A gauge set from one place and read at scrape time; one relaxed atomic store per update.
class Gauge {
public:
    void Set(std::int64_t value) noexcept { value_.store(value, std::memory_order_relaxed); }
    std::int64_t Value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::int64_t> value_{0};
};

/// A duration histogram with Prometheus' default buckets (5 ms .. 10 s) plus three below them, since
/// reads and publishes mostly take under 5 ms; lock-free, one bucket add, a count add and a sum add per
/// observation.
class Histogram {
public:
    static constexpr std::array<double, 14> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                       0.1,    0.25,  0.5,    1.0,   2.5,  5.0,   10.0};

    void Observe(std::chrono::nanoseconds duration) noexcept;
    /// Writes the `_bucket` (cumulative, with `le`), `_sum` (seconds) and `_count` samples.
    void Write(std::string& out, const Family& family, const Labels& labels) const;
    std::uint64_t Count() const noexcept { return count_.load(std::memory_order_relaxed); }

private:
    std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> buckets_{};  // the last one is +Inf only
    std::atomic<std::uint64_t> count_{0};
    std::atomic<std::uint64_t> sum_ns_{0};
};

/// HTTP request metrics by route pattern (never the raw path, which would explode the label set):
/// `auction_http_requests_total{route,method,status}` and
/// `auction_http_request_duration_seconds{route,status_class}` (status_class 1xx..5xx).
/// Routes are registered before serving starts; recording is then lock-free (an array per route,
/// indexed by status code), so it costs a few relaxed atomic adds per request.
class HttpMetrics {
public:
    /// The label used for requests no route matched (404s, 405s, malformed targets).
    static constexpr std::string_view kUnmatched = "unmatched";

    HttpMetrics();

    /// A slot for (method, pattern); call before serving starts (not thread-safe with Record).
    std::size_t Register(std::string_view method, std::string_view pattern);
    /// The slot of requests that matched no route, by method (unknown methods share "OTHER").
    std::size_t Unmatched(std::string_view method) const noexcept;
    /// Records one answered request; thread-safe and lock-free.
    void Record(std::size_t slot, unsigned status, std::chrono::nanoseconds duration) noexcept;
    /// Counts an answered request without timing it: for requests refused while their header or body
    /// was still being read (413, 400), which have no meaningful start.
    void Count(std::size_t slot, unsigned status) noexcept;
    /// Both families in exposition format.
    void Write(std::string& out) const;
    /// The requests counted for (route, method, status), for tests.
    std::uint64_t Requests(std::string_view pattern, std::string_view method, unsigned status) const;

private:
    static constexpr unsigned kMinStatus = 100;
    static constexpr unsigned kMaxStatus = 599;

    struct Slot {
        std::string method;
        std::string pattern;
        std::size_t route = 0;  // index into routes_ (the histogram's pattern)
        std::array<Counter, kMaxStatus - kMinStatus + 1> by_status{};
    };
    struct Route {
        std::string pattern;
        std::array<Histogram, 5> duration_by_class;  // 1xx .. 5xx
    };

    std::size_t RouteIndex(std::string_view pattern);

    // deques: registering never moves a slot (atomics are not movable).
    std::deque<Slot> slots_;
    std::deque<Route> routes_;
    std::vector<std::pair<std::string, std::size_t>> unmatched_;  // method -> slot
};

}  // namespace auction::metrics
