// Google Benchmark for the per-request and per-event hot functions (no I/O).
#include <benchmark/benchmark.h>

#include <boost/json.hpp>
#include <mutex>

#include "app/item_cache.hpp"
#include "app/item_json.hpp"
#include "domain/bid.hpp"
#include "domain/item.hpp"
#include "domain/item_events.hpp"
#include "pkg/events/events.hpp"
#include "pkg/ids/uuid.hpp"
#include "pkg/logging/logger.hpp"
#include "pkg/metrics/metrics.hpp"
#include "pkg/timeutil/rfc3339.hpp"

namespace {

using namespace auction;

domain::Item SampleItem() {
    domain::ItemDraft d;
    d.name = "Vintage Camera";
    d.description = "Rare 1960s camera";
    d.currency_code = "USD";
    d.start_price = domain::Money{10000};
    d.bid_increment = domain::Money{500};
    d.start_date = *timeutil::ParseRfc3339("2024-01-15T10:00:00Z");
    d.end_date = *timeutil::ParseRfc3339("2024-01-20T10:00:00Z");
    auto item = domain::NewItem(d, ids::NewUuidV7(), "user-123");
    item.created_at = item.updated_at = timeutil::NowMicros();
    return item;
}

void BM_ItemToJson(benchmark::State& state) {
    const auto item = SampleItem();
    for (auto _ : state) {
        auto s = boost::json::serialize(boost::json::value_from(item));
        benchmark::DoNotOptimize(s);
    }
}
BENCHMARK(BM_ItemToJson);

// A hit of the item cache (GET /api/v1/items/:id's answer, decompressed from LZ4 against the item dictionary), and
// its fill (compressing it); the dictionary's argument 0 measures the same without it.
void BM_ItemCacheHit(benchmark::State& state) {
    app::ItemCache cache(1 << 20, state.range(0) != 0 ? app::ItemJsonDictionary() : std::string());
    cache.Enable();
    const auto item = SampleItem();
    const auto json = boost::json::serialize(boost::json::value_from(item));
    cache.Fill(cache.BeginFill(item.id), item.id, 1, json);
    for (auto _ : state) {
        auto hit = cache.Get(item.id);
        benchmark::DoNotOptimize(hit);
    }
    state.counters["json_bytes"] = static_cast<double>(json.size());
    state.counters["stored_bytes"] = static_cast<double>(cache.StoredSize(json));
}
BENCHMARK(BM_ItemCacheHit)->Arg(1)->Arg(0);

void BM_ItemCacheFill(benchmark::State& state) {
    app::ItemCache cache(1 << 20, app::ItemJsonDictionary());
    cache.Enable();
    const auto item = SampleItem();
    const auto json = boost::json::serialize(boost::json::value_from(item));
    std::int64_t version = 0;
    for (auto _ : state) {
        cache.Fill(cache.BeginFill(item.id), item.id, ++version, json);
    }
}
BENCHMARK(BM_ItemCacheFill);

void BM_DecodeItemDraft(benchmark::State& state) {
    const std::string body =
        R"({"name":"Vintage Camera","description":"Rare 1960s camera","currencyCode":"USD","startPrice":"100.00",)"
        R"("bidIncrement":"5.00","startDate":"2024-01-15T10:00:00Z","endDate":"2024-01-20T10:00:00Z","status":"active"})";
    for (auto _ : state) {
        domain::FieldErrors errors;
        auto draft = app::DecodeItemDraft(boost::json::parse(body), errors);
        benchmark::DoNotOptimize(draft);
    }
}
BENCHMARK(BM_DecodeItemDraft);

void BM_DecodeBidEvent(benchmark::State& state) {
    const std::string body =
        R"({"event":"bid.placed","version":"v1","payload":{"bidId":"bid-1","itemId":"0190b6a0-0000-7000-8000-000000000001",)"
        R"("userId":"user-1","amount":"150.00","currencyCode":"USD"}})";
    for (auto _ : state) {
        auto e = domain::DecodeBidEvent("bid.placed.v1", body);
        benchmark::DoNotOptimize(e);
    }
}
BENCHMARK(BM_DecodeBidEvent);

void BM_ItemUpdatedEvent(benchmark::State& state) {
    const auto item = SampleItem();
    for (auto _ : state) {
        auto m = events::MakeItemEvent("item.updated", {"trace", "corr"}, item.id, domain::ItemUpdatedPayload(item),
                                       item.updated_at);
        benchmark::DoNotOptimize(m);
    }
}
BENCHMARK(BM_ItemUpdatedEvent);

void BM_UuidV7(benchmark::State& state) {
    for (auto _ : state) {
        benchmark::DoNotOptimize(ids::NewUuidV7());
    }
}
BENCHMARK(BM_UuidV7);

// What every HTTP request adds for /metrics: a status counter and a histogram observation (relaxed atomics).
// One access-log line as the API writes it per request, into a thread buffer that the writer thread empties
// into stdout: what a request pays for its log line on an I/O thread (the writer's own work is not counted).
// Run with stdout sent elsewhere: hot_paths_bench --benchmark_out=/dev/stderr --benchmark_out_format=console >/dev/null
void BM_AccessLogLine(benchmark::State& state) {
    static std::once_flag once;
    std::call_once(once, [] { logging::Init("bench", "info"); });
    const logging::ThreadBuffer buffer;
    const std::string path = "/api/v1/items/0193a5c2-7f3e-7cc1-9a6e-2b5f4c8d9e01";
    for (auto _ : state) {
        logging::Line(logging::Level::kInfo, "request")
            .Str("method", "GET")
            .Str("path", path)
            .Int("status", 200)
            .Int("durationUs", 1234)
            .Str("traceId", "414f0156-83d6-4ece-897f-96dc2968706a")
            .Str("correlationId", "c64c794d-41dd-48c1-8b99-6eb8045e4e0c")
            .Emit();
    }
    state.counters["dropped"] = static_cast<double>(logging::DroppedLines());
}
BENCHMARK(BM_AccessLogLine)->Threads(1)->Threads(2);

void BM_HttpMetricsRecord(benchmark::State& state) {
    static metrics::HttpMetrics m;
    static const auto slot = m.Register("GET", "/api/v1/items/:id");
    std::int64_t ns = 100000;
    for (auto _ : state) {
        m.Record(slot, 200, std::chrono::nanoseconds(ns));
        ns = (ns * 7 + 13) % 3000000;  // spread over the sub-millisecond and millisecond buckets
    }
}
BENCHMARK(BM_HttpMetricsRecord)->Threads(1)->Threads(2);

}  // namespace

BENCHMARK_MAIN();
