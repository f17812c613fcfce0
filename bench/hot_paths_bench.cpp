// Google Benchmark for the per-request and per-event hot functions (no I/O).
#include <benchmark/benchmark.h>

#include <boost/json.hpp>

#include "app/item_json.hpp"
#include "domain/bid.hpp"
#include "domain/item.hpp"
#include "domain/item_events.hpp"
#include "pkg/events/events.hpp"
#include "pkg/ids/uuid.hpp"
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
