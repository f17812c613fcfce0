// The hand-written Prometheus exposition: format, escaping, histogram buckets, per-route request counts.
#include "pkg/metrics/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "../support/prom_text.hpp"

namespace auction::metrics {
namespace {

using namespace std::chrono_literals;
using testing::FindSample;
using testing::ParsePromText;

TEST(Metrics, ValuesPrintIntegersPlainlyAndSpecialValuesByName) {
    EXPECT_EQ(FormatValue(0), "0");
    EXPECT_EQ(FormatValue(42), "42");
    EXPECT_EQ(FormatValue(-3), "-3");
    EXPECT_EQ(FormatValue(1e15), "1000000000000000");
    EXPECT_EQ(FormatValue(0.25), "0.25");
    EXPECT_EQ(FormatValue(0.005), "0.005");
    EXPECT_EQ(FormatValue(0.0005), "0.0005");
    EXPECT_EQ(FormatValue(1.5e-7), "1.5e-07");
    EXPECT_EQ(FormatValue(INFINITY), "+Inf");
    EXPECT_EQ(FormatValue(-INFINITY), "-Inf");
    EXPECT_EQ(FormatValue(NAN), "NaN");
}

constexpr Family kDurations{"d_seconds", Type::kHistogram, "Durations."};

TEST(Metrics, LabelValuesEscapeBackslashQuoteAndLineBreak) {
    EXPECT_EQ(EscapeLabelValue(R"(a\b"c)"
                               "\n"),
              R"(a\\b\"c\n)");
    std::string out;
    constexpr Family kThings{"x_total", Type::kCounter, "Things."};
    WriteHeader(out, kThings);
    WriteSample(out, kThings, {{"path", "/a\"b\\\n"}, {"m", "GET"}}, 3);
    EXPECT_EQ(out, "# HELP x_total Things.\n# TYPE x_total counter\nx_total{path=\"/a\\\"b\\\\\\n\",m=\"GET\"} 3\n");
    const auto samples = ParsePromText(out);
    ASSERT_EQ(samples.size(), 1U);
    EXPECT_EQ(samples[0].labels.at("path"), "/a\"b\\\n");
}

TEST(Metrics, GaugeAndCounterFamiliesAreWholeFamilies) {
    std::string out;
    Write(out, Family{"db_pool_open", Type::kGauge, "Open connections."}, 7);
    Write(out, Family{"db_pool_wait_duration_seconds_total", Type::kCounter, "Waiting."}, 1.5);
    EXPECT_EQ(out,
              "# HELP db_pool_open Open connections.\n# TYPE db_pool_open gauge\ndb_pool_open 7\n"
              "# HELP db_pool_wait_duration_seconds_total Waiting.\n"
              "# TYPE db_pool_wait_duration_seconds_total counter\ndb_pool_wait_duration_seconds_total 1.5\n");
    EXPECT_NO_THROW(ParsePromText(out));
}

TEST(Metrics, HistogramBucketsAreCumulativeWithInfEqualToCount) {
    Histogram h;
    h.Observe(1ms);    // <= 0.005
    h.Observe(5ms);    // <= 0.005 (bounds are inclusive)
    h.Observe(200ms);  // <= 0.25
    h.Observe(20s);    // only +Inf
    std::string out;
    WriteHeader(out, kDurations);
    h.Write(out, kDurations, {{"route", "/r"}});
    const auto s = ParsePromText(out);
    EXPECT_EQ(FindSample(s, "d_seconds_bucket", {{"le", "0.005"}}), 2);
    EXPECT_EQ(FindSample(s, "d_seconds_bucket", {{"le", "0.1"}}), 2);
    EXPECT_EQ(FindSample(s, "d_seconds_bucket", {{"le", "0.25"}}), 3);
    EXPECT_EQ(FindSample(s, "d_seconds_bucket", {{"le", "10"}}), 3);
    EXPECT_EQ(FindSample(s, "d_seconds_bucket", {{"le", "+Inf"}, {"route", "/r"}}), 4);
    EXPECT_EQ(FindSample(s, "d_seconds_count"), 4);
    EXPECT_NEAR(FindSample(s, "d_seconds_sum"), 20.206, 1e-9);
}

TEST(Metrics, RequestsAreCountedByRoutePatternMethodAndStatus) {
    HttpMetrics m;
    const auto get_item = m.Register("GET", "/api/v1/items/:id");
    const auto put_item = m.Register("PUT", "/api/v1/items/:id");
    EXPECT_EQ(m.Register("GET", "/api/v1/items/:id"), get_item);
    m.Record(get_item, 200, 2ms);
    m.Record(get_item, 200, 3ms);
    m.Record(get_item, 404, 1ms);
    m.Record(put_item, 409, 1ms);
    m.Record(m.Unmatched("GET"), 404, 1ms);
    m.Record(m.Unmatched("BREW"), 404, 1ms);
    std::string out;
    m.Write(out);
    const auto s = ParsePromText(out);
    const std::string route = "/api/v1/items/:id";
    EXPECT_EQ(FindSample(s, "auction_http_requests_total", {{"route", route}, {"method", "GET"}, {"status", "200"}}),
              2);
    EXPECT_EQ(FindSample(s, "auction_http_requests_total", {{"route", route}, {"method", "GET"}, {"status", "404"}}),
              1);
    EXPECT_EQ(FindSample(s, "auction_http_requests_total", {{"route", route}, {"method", "PUT"}, {"status", "409"}}),
              1);
    EXPECT_EQ(FindSample(s, "auction_http_requests_total", {{"route", "unmatched"}, {"method", "GET"}}), 1);
    EXPECT_EQ(FindSample(s, "auction_http_requests_total", {{"route", "unmatched"}, {"method", "OTHER"}}), 1);
    // One histogram per route pattern and status class, whatever the method.
    EXPECT_EQ(FindSample(s, "auction_http_request_duration_seconds_count", {{"route", route}, {"status_class", "2xx"}}),
              2);
    EXPECT_EQ(FindSample(s, "auction_http_request_duration_seconds_count", {{"route", route}, {"status_class", "4xx"}}),
              2);
    EXPECT_TRUE(std::isnan(FindSample(s, "auction_http_request_duration_seconds_count", {{"status_class", "5xx"}})))
        << "empty histograms are left out";
    EXPECT_EQ(out.find("status=\"500\""), std::string::npos) << "zero series are left out";
}

TEST(Metrics, RefusedRequestsAreCountedButNotTimed) {
    HttpMetrics m;
    const auto post_items = m.Register("POST", "/api/v1/items");
    m.Count(post_items, 413);
    m.Count(m.Unmatched("OTHER"), 400);
    m.Count(post_items, 99);  // out of range: ignored, never out of bounds
    std::string out;
    m.Write(out);
    const auto s = ParsePromText(out);
    EXPECT_EQ(FindSample(s, "auction_http_requests_total",
                         {{"route", "/api/v1/items"}, {"method", "POST"}, {"status", "413"}}),
              1);
    EXPECT_EQ(FindSample(s, "auction_http_requests_total", {{"route", "unmatched"}, {"status", "400"}}), 1);
    EXPECT_EQ(out.find("auction_http_request_duration_seconds_count"), std::string::npos);
}

TEST(Metrics, HistogramHasSubMillisecondBuckets) {
    Histogram h;
    h.Observe(300us);
    h.Observe(800us);
    h.Observe(2ms);
    std::string out;
    WriteHeader(out, kDurations);
    h.Write(out, kDurations, {});
    const auto s = ParsePromText(out);
    EXPECT_EQ(FindSample(s, "d_seconds_bucket", {{"le", "0.0005"}}), 1);
    EXPECT_EQ(FindSample(s, "d_seconds_bucket", {{"le", "0.001"}}), 2);
    EXPECT_EQ(FindSample(s, "d_seconds_bucket", {{"le", "0.0025"}}), 3);
}

TEST(Metrics, ConcurrentRecordingLosesNothing) {
    HttpMetrics m;
    const auto slot = m.Register("GET", "/x");
    std::vector<std::thread> threads;
    threads.reserve(4);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 10000; ++i) {
                m.Record(slot, 200, 1ms);
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(m.Requests("/x", "GET", 200), 40000U);
}

TEST(Metrics, TheTestParserRejectsMalformedText) {
    EXPECT_THROW(ParsePromText("x 1\n"), std::runtime_error);                         // no TYPE
    EXPECT_THROW(ParsePromText("# TYPE x gauge\nx{a=\"1} 1\n"), std::runtime_error);  // unterminated
    EXPECT_THROW(ParsePromText("# TYPE x gauge\nx one\n"), std::runtime_error);
    EXPECT_THROW(ParsePromText("# TYPE x gauge\nx 1"), std::runtime_error);  // no final line break
    // Interleaved families: y's TYPE came between x's TYPE and x's sample.
    EXPECT_THROW(ParsePromText("# TYPE x gauge\n# TYPE y gauge\nx 1\ny 1\n"), std::runtime_error);
    EXPECT_NO_THROW(ParsePromText("# TYPE x gauge\nx 1\n# TYPE y histogram\ny_bucket{le=\"+Inf\"} 1\ny_count 1\n"));
}

}  // namespace
}  // namespace auction::metrics
