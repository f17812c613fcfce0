#include "pkg/metrics/metrics.hpp"

#include <charconv>
#include <cmath>
#include <limits>

namespace auction::metrics {

namespace {

constexpr std::array<std::string_view, 8> kUnmatchedMethods = {"GET",    "HEAD",    "POST",  "PUT",
                                                               "DELETE", "OPTIONS", "PATCH", "OTHER"};

void WriteLabels(std::string& out, const Labels& labels) {
    if (labels.empty()) {
        return;
    }
    out += '{';
    bool first = true;
    for (const auto& [name, value] : labels) {
        if (!first) {
            out += ',';
        }
        first = false;
        out += name;
        out += "=\"";
        out += EscapeLabelValue(value);
        out += '"';
    }
    out += '}';
}

// One sample line of a family (`suffix` is "_bucket", "_sum" or "_count" for a histogram's series).
void WriteLine(std::string& out, std::string_view name, std::string_view suffix, const Labels& labels, double value) {
    out += name;
    out += suffix;
    WriteLabels(out, labels);
    out += ' ';
    out += FormatValue(value);
    out += '\n';
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '"':
                out += "\\\"";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string FormatValue(double value) {
    if (std::isnan(value)) {
        return "NaN";
    }
    if (std::isinf(value)) {
        return value > 0 ? "+Inf" : "-Inf";
    }
    std::array<char, 64> buf{};
    // Whole numbers up to 2^53 print exactly, without an exponent; the rest in shortest round-trip form.
    if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {
        const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), static_cast<std::int64_t>(value));
        return {buf.data(), end};
    }
    // %g style: 0.0005 rather than the shorter 5e-04, so `le` labels read as Prometheus' own clients write them
    // (PromQL groups buckets by the label's text).
    const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value, std::chars_format::general);
    return {buf.data(), end};
}

std::string_view TypeName(Type type) noexcept {
    switch (type) {
        case Type::kCounter:
            return "counter";
        case Type::kGauge:
            return "gauge";
        case Type::kHistogram:
            return "histogram";
    }
    return "untyped";
}

void WriteHeader(std::string& out, const Family& family) {
    out += "# HELP ";
    out += family.name;
    out += ' ';
    out += family.help;
    out += "\n# TYPE ";
    out += family.name;
    out += ' ';
    out += TypeName(family.type);
    out += '\n';
}

void WriteSample(std::string& out, const Family& family, const Labels& labels, double value) {
    WriteLine(out, family.name, {}, labels, value);
}

void Write(std::string& out, const Family& family, double value) {
    WriteHeader(out, family);
    WriteSample(out, family, {}, value);
}

void Histogram::Observe(std::chrono::nanoseconds duration) noexcept {
    const double seconds = std::chrono::duration<double>(duration).count();
    std::size_t i = 0;
    while (i < kBounds.size() && seconds > kBounds[i]) {
        ++i;
    }
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(0, duration.count())),
                      std::memory_order_relaxed);
}

void Histogram::Write(std::string& out, const Family& family, const Labels& labels) const {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= kBounds.size(); ++i) {
        cumulative += buckets_[i].load(std::memory_order_relaxed);
        const std::string le = i < kBounds.size() ? FormatValue(kBounds[i]) : "+Inf";
        Labels with_le = labels;
        with_le.emplace_back("le", le);
        WriteLine(out, family.name, "_bucket", with_le, static_cast<double>(cumulative));
    }
    // Counters are read one by one while requests go on: report the bucket total as the count, so
    // the +Inf bucket and _count always agree within one scrape.
    WriteLine(out, family.name, "_sum", labels, static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9);
    WriteLine(out, family.name, "_count", labels, static_cast<double>(cumulative));
}

HttpMetrics::HttpMetrics() {
    for (const auto method : kUnmatchedMethods) {
        unmatched_.emplace_back(std::string(method), Register(method, kUnmatched));
    }
}

std::size_t HttpMetrics::RouteIndex(std::string_view pattern) {
    for (std::size_t i = 0; i < routes_.size(); ++i) {
        if (routes_[i].pattern == pattern) {
            return i;
        }
    }
    auto& route = routes_.emplace_back();
    route.pattern = std::string(pattern);
    return routes_.size() - 1;
}

std::size_t HttpMetrics::Register(std::string_view method, std::string_view pattern) {
    for (std::size_t i = 0; i < slots_.size(); ++i) {
        if (slots_[i].method == method && slots_[i].pattern == pattern) {
            return i;
        }
    }
    const auto route = RouteIndex(pattern);
    auto& slot = slots_.emplace_back();
    slot.method = std::string(method);
    slot.pattern = std::string(pattern);
    slot.route = route;
    return slots_.size() - 1;
}

std::size_t HttpMetrics::Unmatched(std::string_view method) const noexcept {
    for (const auto& [name, slot] : unmatched_) {
        if (name == method) {
            return slot;
        }
    }
    return unmatched_.back().second;  // OTHER
}

void HttpMetrics::Record(std::size_t slot, unsigned status, std::chrono::nanoseconds duration) noexcept {
    if (slot >= slots_.size()) {
        return;
    }
    auto& s = slots_[slot];
    if (status >= kMinStatus && status <= kMaxStatus) {
        s.by_status[status - kMinStatus].Add();
        routes_[s.route].duration_by_class[status / 100 - 1].Observe(duration);
    }
}

void HttpMetrics::Count(std::size_t slot, unsigned status) noexcept {
    if (slot < slots_.size() && status >= kMinStatus && status <= kMaxStatus) {
        slots_[slot].by_status[status - kMinStatus].Add();
    }
}

void HttpMetrics::Write(std::string& out) const {
    WriteHeader(out, families::kHttpRequestsTotal);
    for (const auto& slot : slots_) {
        for (unsigned i = 0; i < slot.by_status.size(); ++i) {
            const auto n = slot.by_status[i].Value();
            if (n == 0) {
                continue;
            }
            const auto status = std::to_string(kMinStatus + i);
            WriteSample(out, families::kHttpRequestsTotal,
                        {{"route", slot.pattern}, {"method", slot.method}, {"status", status}}, static_cast<double>(n));
        }
    }
    WriteHeader(out, families::kHttpRequestDurationSeconds);
    static constexpr std::array<std::string_view, 5> kClasses = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    for (const auto& route : routes_) {
        for (std::size_t c = 0; c < kClasses.size(); ++c) {
            if (route.duration_by_class[c].Count() == 0) {
                continue;
            }
            route.duration_by_class[c].Write(out, families::kHttpRequestDurationSeconds,
                                             {{"route", route.pattern}, {"status_class", kClasses[c]}});
        }
    }
}

std::uint64_t HttpMetrics::Requests(std::string_view pattern, std::string_view method, unsigned status) const {
    if (status < kMinStatus || status > kMaxStatus) {
        return 0;
    }
    for (const auto& slot : slots_) {
        if (slot.pattern == pattern && slot.method == method) {
            return slot.by_status[status - kMinStatus].Value();
        }
    }
    return 0;
}

}  // namespace auction::metrics
