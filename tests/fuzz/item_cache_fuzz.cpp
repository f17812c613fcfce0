// libFuzzer target for the item cache (app/item_cache.hpp): its LZ4 compression against the item dictionary, its
// table and LRU list, and its byte budget, driven by arbitrary sequences of fills, reads, invalidations and
// outages over eight ids, checked against a plain map of what each id's latest answer is. Built and run by
// scripts/fuzz.sh; seeds in tests/fuzz/corpus/item_cache/.
//
// Input layout: a sequence of operations, each a byte (its low two bits the operation, the next three the id),
// then for a fill one byte of length and that many bytes of answer (arbitrary bytes: the cache stores any).
//
// Checked beyond memory safety:
// - a hit is exactly the latest answer filled for that id, with its version (compression round-trips, and
//   nothing evicted, invalidated or cleared comes back);
// - an invalidated id, and every id after an outage (Disable), misses until filled again;
// - the bytes counted never exceed the budget, and are 0 when nothing is cached.
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "app/item_cache.hpp"
#include "tests/fuzz/fake_services.hpp"

namespace {

using auction::app::ItemCache;
using auction::fuzz::Check;

// 32 shards of 1 KiB: a few answers per shard, so fills evict.
constexpr std::size_t kBudget = 32 * 1024;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string dictionary = auction::app::ItemJsonDictionary();
    ItemCache cache(kBudget, dictionary);
    cache.Enable();
    std::map<std::string, std::pair<std::int64_t, std::string>> latest;  // what a hit may return, by id
    std::int64_t version = 0;
    std::size_t i = 0;
    while (i < size) {
        const std::uint8_t op = data[i++];
        const std::string id = "item-" + std::to_string((op >> 2) & 7);
        switch (op & 3) {
            case 0: {  // fill, always with a newer version
                const std::size_t length = i < size ? data[i++] * 4U : 0;
                const std::size_t take = std::min(length, size - i);
                std::string json(reinterpret_cast<const char*>(data + i), take);
                i += take;
                cache.Fill(cache.BeginFill(id), id, ++version, json);
                latest[id] = {version, std::move(json)};
                break;
            }
            case 1: {  // read
                const auto hit = cache.Get(id);
                if (hit) {
                    const auto it = latest.find(id);
                    Check(it != latest.end());
                    Check(hit->version == it->second.first);
                    Check(hit->json == it->second.second);
                }
                break;
            }
            case 2:  // a change notified
                cache.Invalidate(id, ++version);
                latest.erase(id);
                break;
            default:  // an outage of the listening connection (rarely: one in eight of these, the top three bits clear)
                if ((op & 0xE0) == 0) {
                    cache.Disable();
                    latest.clear();
                    Check(!cache.Get(id));
                    cache.Enable();
                }
                break;
        }
        const auto stats = cache.GetStats();
        Check(stats.bytes <= kBudget);
        Check((stats.entries == 0) == (stats.bytes == 0));
    }
    return 0;
}
