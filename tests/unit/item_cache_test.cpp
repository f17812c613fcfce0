// The item cache's rules without a database: what a fill may store, what an invalidation drops, the byte
// budget, and the change notifications' payload.
#include "app/item_cache.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "domain/item.hpp"
#include "infra/postgres/item_change_listener.hpp"
#include "pkg/timeutil/rfc3339.hpp"

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
    constexpr std::size_t kBudget = std::size_t{64} * 1024;
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

TEST(ItemCache, CountsEachAnswerAsItsOneAllocation) {
    ItemCache cache(1 << 20);
    cache.Enable();
    const std::string json(500, 'j');
    // The header (three links, version, two sizes of the JSON, the id's size), the id, the compressed JSON,
    // malloc's chunk header, a bucket slot.
    EXPECT_EQ(ItemCache::EntryBytes(kId.size(), 30), 48 + kId.size() + 30 + 16 + 8);
    const auto stored = cache.StoredSize(json);
    EXPECT_GT(stored, 0U);
    EXPECT_LT(stored, 50U) << "500 equal bytes compress to a few";
    cache.Fill(cache.BeginFill(kId), kId, 1, json);
    EXPECT_EQ(cache.GetStats().bytes, ItemCache::EntryBytes(kId.size(), stored));
    EXPECT_EQ(CachedJson(cache, kId), json);
    cache.Fill(cache.BeginFill(kId), kId, 2, "{}");  // a newer version replaces the answer and its bytes
    EXPECT_EQ(cache.GetStats().bytes, ItemCache::EntryBytes(kId.size(), cache.StoredSize("{}")));
    EXPECT_EQ(CachedJson(cache, kId), "{}");
    cache.Invalidate(kId, 3);
    EXPECT_EQ(cache.GetStats().bytes, 0U);
    EXPECT_EQ(cache.GetStats().entries, 0U);
}

// An answer as GET /api/v1/items/:id gives it for the n-th item of bench/load_items.sql's kind (names, prices and
// dates differ from item to item).
std::string ItemAnswer(int n) {
    domain::Item item;
    item.id = std::to_string(n);
    item.id.insert(0, 36 - item.id.size(), '0');
    item.id[8] = item.id[13] = item.id[18] = item.id[23] = '-';
    item.name = (n % 2 == 0 ? "Leather Handbag #" : "Pocket Watch #") + std::to_string(n);
    item.description = "Rare collector piece from a private estate, lot " + std::to_string(n * 7919 % 1000) + ".";
    item.seller_id = "seller-" + std::to_string(n % 1000);
    item.currency_code = "USD";
    item.start_price = {10000 + n * 37 % 5000};
    item.current_price = {item.start_price.cents + std::int64_t{n % 3} * 500};
    item.bid_increment = {500};
    static const timeutil::Micros kToday = timeutil::NowMicros() / 86'400'000'000 * 86'400'000'000;
    item.start_date = kToday - std::int64_t{n} * 1'000'003;
    item.end_date = item.start_date + std::int64_t{n % 30 + 1} * 86'400'000'000;
    item.category_ids = {"c0000000-0000-4000-8000-0000000000" + std::to_string(10 + n % 90)};
    item.created_at = item.start_date;
    item.updated_at = item.start_date + n % 1000;
    return boost::json::serialize(boost::json::value_from(item));
}

TEST(ItemCache, TenThousandItemsFitTheDefaultBudgetInLessThanHalfTheirSize) {
    // The read benchmark's working set (docs/PERFORMANCE.md): 10,000 items of about 520 bytes of JSON each, under
    // ITEM_CACHE_BYTES' default of 8 MiB with nothing evicted, each stored compressed against the item dictionary.
    ItemCache cache(std::size_t{8} << 20, ItemJsonDictionary());
    cache.Enable();
    std::vector<std::string> ids;
    std::size_t stored_bytes = 0;
    std::size_t plain_bytes = 0;
    for (int i = 0; i < 10000; ++i) {
        const auto json = ItemAnswer(i);
        auto id = json.substr(7, 36);
        cache.Fill(cache.BeginFill(id), id, 1, json);
        stored_bytes += ItemCache::EntryBytes(id.size(), cache.StoredSize(json));
        plain_bytes += ItemCache::EntryBytes(id.size(), json.size());
        ids.push_back(std::move(id));
    }
    const auto stats = cache.GetStats();
    EXPECT_EQ(stats.entries, 10000U);
    EXPECT_EQ(stats.evictions, 0U);
    EXPECT_EQ(stats.bytes, stored_bytes);
    EXPECT_LT(stats.bytes, plain_bytes / 2) << "the item dictionary leaves well under half of each answer to store";
    for (int i = 0; i < 10000; ++i) {
        ASSERT_EQ(CachedJson(cache, ids[static_cast<std::size_t>(i)]), ItemAnswer(i)) << i;
    }
}

TEST(ItemCache, ANewerAnswerTooLargeToStoreStillRetiresTheOlderOne) {
    ItemCache cache(std::size_t{32} * 1024);  // 1 KiB per shard
    cache.Enable();
    cache.Fill(cache.BeginFill(kId), kId, 1, "{\"v\":1}");
    ASSERT_TRUE(cache.Get(kId));
    std::string large;
    for (int i = 0; large.size() < 8000; ++i) {
        large += std::to_string(i * 7919);  // digits LZ4 cannot fold into 1 KiB
    }
    cache.Fill(cache.BeginFill(kId), kId, 2, large);
    EXPECT_FALSE(cache.Get(kId)) << "version 1 must not be served once version 2 was read";
    EXPECT_EQ(cache.GetStats().bytes, 0U);
}

TEST(ItemCache, TheItemDictionaryIsWhatShrinksAnAnswer) {
    const ItemCache with(1 << 20, ItemJsonDictionary());
    const ItemCache without(1 << 20);
    const auto json = ItemAnswer(42);
    EXPECT_LT(with.StoredSize(json) * 2, json.size());
    EXPECT_LT(with.StoredSize(json) + 100, without.StoredSize(json));
}

TEST(ItemCache, AnswersThatDoNotCompressComeBackByteForByte) {
    ItemCache cache(std::size_t{8} << 20, ItemJsonDictionary());
    cache.Enable();
    std::string noise(4000, '\0');
    std::uint32_t x = 2463534242U;
    for (auto& c : noise) {  // xorshift: bytes LZ4 finds nothing to match in
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        c = static_cast<char>(x);
    }
    std::string large;
    for (int i = 0; large.size() < 300'000; ++i) {
        large += ItemAnswer(i);
    }
    const std::vector<std::pair<std::string, std::string>> answers = {
        {"noise", noise}, {"empty", ""}, {"one", "x"}, {"large", large}, {"item", ItemAnswer(7)}};
    for (const auto& [id, json] : answers) {
        cache.Fill(cache.BeginFill(id), id, 1, json);
    }
    for (const auto& [id, json] : answers) {
        EXPECT_EQ(CachedJson(cache, id), json) << id;
    }
    EXPECT_GE(cache.StoredSize(noise), noise.size()) << "noise does not shrink, and is stored all the same";
    EXPECT_LT(cache.StoredSize(large), large.size() / 3);
}

TEST(ItemCache, EvictsInLeastRecentlyUsedOrderWithinAShard) {
    // A budget of one shard's worth of three answers: the fourth fill in the same shard evicts the least recently
    // used, and a Get makes an answer the most recently used.
    const std::string json(100, 'j');
    const std::size_t entry = ItemCache::EntryBytes(8, ItemCache(0).StoredSize(json));
    ItemCache cache(32 * (3 * entry));  // 32 shards
    cache.Enable();
    // Four ids of the same shard (the shard is the id's hash modulo 32).
    std::vector<std::string> same;
    const auto shard = std::hash<std::string_view>{}("item-000") % 32;
    for (int i = 0; same.size() < 4 && i < 1000; ++i) {
        auto id = std::to_string(i);
        id.insert(0, std::string("item-").append(3 - id.size(), '0'));
        if (std::hash<std::string_view>{}(id) % 32 == shard) {
            same.push_back(std::move(id));
        }
    }
    ASSERT_EQ(same.size(), 4U);
    cache.Fill(cache.BeginFill(same[0]), same[0], 1, json);
    cache.Fill(cache.BeginFill(same[1]), same[1], 1, json);
    cache.Fill(cache.BeginFill(same[2]), same[2], 1, json);
    EXPECT_TRUE(cache.Get(same[0]));  // now same[1] is the least recently used
    cache.Fill(cache.BeginFill(same[3]), same[3], 1, json);
    EXPECT_EQ(cache.GetStats().evictions, 1U);
    EXPECT_FALSE(cache.Get(same[1]));
    EXPECT_TRUE(cache.Get(same[0]));
    EXPECT_TRUE(cache.Get(same[2]));
    EXPECT_TRUE(cache.Get(same[3]));
    EXPECT_EQ(cache.GetStats().bytes, 3 * entry);
}

TEST(ItemCache, ManyEntriesPerShardSurviveTheTableGrowingAndTheirRemoval) {
    ItemCache cache(std::size_t{64} << 20);
    cache.Enable();
    for (int i = 0; i < 5000; ++i) {
        const auto id = "item-" + std::to_string(i);
        cache.Fill(cache.BeginFill(id), id, i, std::to_string(i));
    }
    for (int i = 0; i < 5000; i += 2) {
        cache.Invalidate("item-" + std::to_string(i), i + 1);
    }
    for (int i = 0; i < 5000; ++i) {
        const auto got = CachedJson(cache, "item-" + std::to_string(i));
        if (i % 2 == 0) {
            EXPECT_FALSE(got) << i;
        } else {
            EXPECT_EQ(got, std::to_string(i)) << i;
        }
    }
    EXPECT_EQ(cache.GetStats().entries, 2500U);
    cache.Disable();
    EXPECT_EQ(cache.GetStats().bytes, 0U);
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
    threads.reserve(3);
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
