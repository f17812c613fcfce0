// The item cache's rules without a database: what a fill may store, what an invalidation drops, the byte
// budget, and the change notifications' payload.
#include "app/item_cache.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "infra/postgres/item_change_listener.hpp"

namespace auction::app {
namespace {

const std::string kId = "0193a5c2-7f3e-7cc1-9a6e-2b5f4c8d9e01";

// The cached JSON alone (nullopt on a miss).
std::optional<std::string> CachedJson(ItemCache& cache, const std::string& id) {
    auto hit = cache.Get(id);
    return hit ? std::optional<std::string>(std::move(hit->json)) : std::nullopt;
}

TEST(ItemCache, MissesUntilEnabledThenServesWhatWasFilled) {
    ItemCache cache(1 << 20);
    cache.Fill(cache.BeginFill(kId), kId, 1, "{\"v\":1}");
    EXPECT_FALSE(cache.Get(kId)) << "disabled: nothing is stored";
    cache.Enable();
    cache.Fill(cache.BeginFill(kId), kId, 1, "{\"v\":1}");
    EXPECT_EQ(CachedJson(cache, kId), "{\"v\":1}");
    const auto stats = cache.GetStats();
    EXPECT_EQ(stats.hits, 1U);
    EXPECT_EQ(stats.misses, 1U);
    EXPECT_EQ(stats.entries, 1U);
}

TEST(ItemCache, AFillThatRacedAnInvalidationIsNotStored) {
    ItemCache cache(1 << 20);
    cache.Enable();
    const auto ticket = cache.BeginFill(kId);  // the read starts
    cache.Invalidate(kId, 2);                  // a newer version is notified meanwhile
    cache.Fill(ticket, kId, 1, "old");         // the read returns the old version
    EXPECT_FALSE(cache.Get(kId));
    EXPECT_EQ(cache.GetStats().stale_fills, 1U);
}

TEST(ItemCache, AFillThatRacedADisableIsNotStored) {
    ItemCache cache(1 << 20);
    cache.Enable();
    const auto ticket = cache.BeginFill(kId);
    cache.Disable();
    cache.Enable();
    cache.Fill(ticket, kId, 1, "from before the outage");
    EXPECT_FALSE(cache.Get(kId));
}

TEST(ItemCache, InvalidationDropsOnlyOlderVersions) {
    ItemCache cache(1 << 20);
    cache.Enable();
    cache.Fill(cache.BeginFill(kId), kId, 5, "v5");
    cache.Invalidate(kId, 5);  // the notification of the version already cached
    EXPECT_EQ(CachedJson(cache, kId), "v5");
    cache.Invalidate(kId, 6);
    EXPECT_FALSE(cache.Get(kId));
    cache.Fill(cache.BeginFill(kId), kId, 6, "v6");
    cache.Fill(cache.BeginFill(kId), kId, 4, "v4");  // an older read never replaces a newer answer
    EXPECT_EQ(CachedJson(cache, kId), "v6");
    cache.Invalidate(kId, std::numeric_limits<std::int64_t>::max());  // deleted
    EXPECT_FALSE(cache.Get(kId));
}

TEST(ItemCache, DisableEmptiesAndBypasses) {
    ItemCache cache(1 << 20);
    cache.Enable();
    cache.Fill(cache.BeginFill(kId), kId, 1, "v1");
    cache.Disable();
    EXPECT_FALSE(cache.Get(kId));
    EXPECT_EQ(cache.GetStats().entries, 0U);
    EXPECT_EQ(cache.GetStats().bytes, 0U);
    cache.Enable();
    EXPECT_FALSE(cache.Get(kId)) << "what was cached before the outage is gone";
}

TEST(ItemCache, StaysWithinItsByteBudgetDroppingTheLeastRecentlyUsed) {
    constexpr std::size_t kBudget = 64 * 1024;
    ItemCache cache(kBudget);
    cache.Enable();
    const std::string json(400, 'x');
    std::vector<std::string> ids;
    for (int i = 0; i < 1000; ++i) {
        ids.push_back("item-" + std::to_string(i));
        cache.Fill(cache.BeginFill(ids.back()), ids.back(), 1, json);
        cache.Get(ids.front());  // keep the first one recently used
    }
    const auto stats = cache.GetStats();
    EXPECT_LE(stats.bytes, kBudget);
    EXPECT_GT(stats.evictions, 0U);
    EXPECT_GT(stats.entries, 50U);
    EXPECT_TRUE(cache.Get(ids.front())) << "the recently used one stays";
    EXPECT_TRUE(cache.Get(ids.back()));
    EXPECT_FALSE(cache.Get(ids[1]));
}

TEST(ItemCache, ZeroBudgetNeverStores) {
    ItemCache cache(0);
    cache.Enable();
    cache.Fill(cache.BeginFill(kId), kId, 1, "v1");
    EXPECT_FALSE(cache.Get(kId));
    EXPECT_FALSE(cache.GetStats().enabled);
}

TEST(ItemCache, ConcurrentReadersFillersAndInvalidatorsNeverServeAnInvalidatedVersion) {
    ItemCache cache(1 << 20);
    cache.Enable();
    std::atomic<std::int64_t> committed{1};  // the "database": the newest version of kId
    std::atomic<std::int64_t> notified{1};   // the newest version whose notification was handled
    std::atomic<bool> stop{false};
    std::atomic<int> violations{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
        threads.emplace_back([&] {
            while (!stop) {
                // A reader must never see a version older than one already notified before its Get.
                const auto seen = notified.load();
                if (auto hit = cache.Get(kId); hit && (hit->version < seen || std::stoll(hit->json) != hit->version)) {
                    ++violations;
                }
                const auto ticket = cache.BeginFill(kId);
                const auto read = committed.load();
                cache.Fill(ticket, kId, read, std::to_string(read));
            }
        });
    }
    for (std::int64_t v = 2; v < 20000; ++v) {
        committed.store(v);
        cache.Invalidate(kId, v);  // the notification follows the commit
        notified.store(v);
    }
    stop = true;
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(violations.load(), 0);
}

TEST(ItemChangeListener, ParsesPayloadsAndSkipsMalformedEntries) {
    std::vector<std::pair<std::string, std::int64_t>> got;
    const auto malformed = postgres::ItemChangeListener::ParsePayload(
        kId + ":7,other:9223372036854775807,,bad,:3,x:1y,y:-2",
        [&](std::string_view id, std::int64_t v) { got.emplace_back(std::string(id), v); });
    ASSERT_EQ(got.size(), 3U);
    EXPECT_EQ(got[0], std::make_pair(kId, std::int64_t{7}));
    EXPECT_EQ(got[1], std::make_pair(std::string("other"), std::numeric_limits<std::int64_t>::max()));
    EXPECT_EQ(got[2], std::make_pair(std::string("y"), std::int64_t{-2}));
    EXPECT_EQ(malformed, 4U);  // "", "bad", ":3", "x:1y"
}

}  // namespace
}  // namespace auction::app
