#include "app/item_cache.hpp"

#include <lz4.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <new>

#include "pkg/metrics/metrics.hpp"

namespace auction::app {

namespace {

// What glibc's malloc adds to each allocation (its chunk header, rounded), and the entry's bucket slot: counted
// with every entry so that the budget bounds the memory the cache really takes, not only its bytes of JSON.
constexpr std::size_t kAllocatorOverhead = 16;
constexpr std::size_t kBucketSlot = sizeof(void*);
constexpr std::size_t kFirstBuckets = 16;
// LZ4 matches within the last 64 KiB, so a longer dictionary's start would never be used.
constexpr std::size_t kMaxDictionary = std::size_t{64} * 1024;

struct StreamDeleter {
    void operator()(LZ4_stream_t* stream) const noexcept { LZ4_freeStream(stream); }
};

// The calling thread's compression state (16 KiB, made on its first fill: the I/O threads' only) and the buffer
// it compresses into, reused from fill to fill.
struct Compressor {
    std::unique_ptr<LZ4_stream_t, StreamDeleter> stream{LZ4_createStream()};
    std::string out;
};

Compressor& ThreadCompressor() {
    thread_local Compressor compressor;
    return compressor;
}

}  // namespace

std::size_t ItemCache::EntryBytes(std::size_t id_size, std::size_t stored_size) {
    return sizeof(Entry) + id_size + stored_size + kAllocatorOverhead + kBucketSlot;
}

std::string_view ItemCache::Compress(std::string_view json) const {
    auto& c = ThreadCompressor();
    if (c.stream == nullptr || json.size() > LZ4_MAX_INPUT_SIZE) {
        return {};
    }
    c.out.resize(static_cast<std::size_t>(LZ4_compressBound(static_cast<int>(json.size()))));
    // Each answer is compressed on its own against the dictionary (loading it resets the stream: nothing of the
    // previous answer is referred to), so that any one decompresses alone.
    LZ4_loadDict(c.stream.get(), dictionary_.data(), static_cast<int>(dictionary_.size()));
    const int n = LZ4_compress_fast_continue(c.stream.get(), json.data(), c.out.data(), static_cast<int>(json.size()),
                                             static_cast<int>(c.out.size()), 1);
    if (n <= 0) {
        return {};
    }
    return {c.out.data(), static_cast<std::size_t>(n)};
}

std::size_t ItemCache::StoredSize(std::string_view json) const {
    return Compress(json).size();
}

std::uint64_t ItemCache::HashOf(std::string_view id) noexcept {
    return std::hash<std::string_view>{}(id);
}

ItemCache::Shard::~Shard() {
    Clear();
}

ItemCache::Entry** ItemCache::Shard::Find(std::uint64_t hash, std::string_view id) {
    if (buckets.empty()) {
        return nullptr;
    }
    // The low bits chose the shard; the bucket takes the ones above them.
    Entry** slot = &buckets[(hash / kShards) & (buckets.size() - 1)];
    while (*slot != nullptr && (*slot)->id() != id) {
        slot = &(*slot)->next_in_bucket;
    }
    return slot;
}

void ItemCache::Shard::Insert(Entry* entry, std::uint64_t hash) {
    if (entries + 1 > buckets.size()) {  // at most one entry per bucket on average
        std::vector<Entry*> grown(buckets.empty() ? kFirstBuckets : buckets.size() * 2, nullptr);
        for (Entry* chain : buckets) {
            while (chain != nullptr) {
                Entry* next = chain->next_in_bucket;
                Entry*& head = grown[(HashOf(chain->id()) / kShards) & (grown.size() - 1)];
                chain->next_in_bucket = head;
                head = chain;
                chain = next;
            }
        }
        buckets.swap(grown);
    }
    Entry*& head = buckets[(hash / kShards) & (buckets.size() - 1)];
    entry->next_in_bucket = head;
    head = entry;
    entry->older = newest;
    entry->newer = nullptr;
    (newest != nullptr ? newest->newer : oldest) = entry;
    newest = entry;
    ++entries;
}

void ItemCache::Shard::Erase(Entry** slot) {
    Entry* entry = *slot;
    *slot = entry->next_in_bucket;
    (entry->newer != nullptr ? entry->newer->older : newest) = entry->older;
    (entry->older != nullptr ? entry->older->newer : oldest) = entry->newer;
    bytes -= EntryBytes(entry->id_size, entry->stored_size);
    --entries;
    entry->~Entry();
    ::operator delete(static_cast<void*>(entry));
}

void ItemCache::Shard::Touch(Entry* entry) {
    if (entry == newest) {
        return;
    }
    // Unlink (it has a newer neighbour, since it is not the newest), then put it at the newest end.
    entry->newer->older = entry->older;
    (entry->older != nullptr ? entry->older->newer : oldest) = entry->newer;
    entry->older = newest;
    entry->newer = nullptr;
    newest->newer = entry;
    newest = entry;
}

void ItemCache::Shard::Clear() {
    for (Entry* entry = newest; entry != nullptr;) {
        Entry* older_one = entry->older;
        entry->~Entry();
        ::operator delete(static_cast<void*>(entry));
        entry = older_one;
    }
    std::vector<Entry*>().swap(buckets);  // gives the table's memory back too
    entries = 0;
    newest = oldest = nullptr;
    bytes = 0;
}

ItemCache::ItemCache(std::size_t budget_bytes, std::string dictionary)
    : shard_budget_(budget_bytes / kShards),
      dictionary_(dictionary.size() > kMaxDictionary ? dictionary.substr(dictionary.size() - kMaxDictionary)
                                                     : std::move(dictionary)) {}

std::optional<ItemCache::Hit> ItemCache::Get(std::string_view id) {
    if (enabled_.load(std::memory_order_acquire)) {
        const auto hash = HashOf(id);
        auto& shard = ShardOf(hash);
        std::lock_guard lock(shard.mutex);
        if (Entry** slot = shard.Find(hash, id); slot != nullptr && *slot != nullptr) {
            const Entry& entry = **slot;
            std::string json(entry.json_size, '\0');
            const auto stored = entry.stored();
            const int n = LZ4_decompress_safe_usingDict(stored.data(), json.data(), static_cast<int>(stored.size()),
                                                        static_cast<int>(json.size()), dictionary_.data(),
                                                        static_cast<int>(dictionary_.size()));
            if (n == static_cast<int>(json.size())) {  // it always is: the bytes are the cache's own
                shard.Touch(*slot);
                hits_.fetch_add(1, std::memory_order_relaxed);
                return Hit{entry.version, std::move(json)};
            }
        }
    }
    misses_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
}

ItemCache::Ticket ItemCache::BeginFill(std::string_view id) const {
    // The generation first: a Disable between the two loads then fails the generation check.
    Ticket ticket;
    ticket.generation = generation_.load(std::memory_order_acquire);
    ticket.shard_invalidations = ShardOf(HashOf(id)).invalidations.load(std::memory_order_acquire);
    return ticket;
}

void ItemCache::Fill(const Ticket& ticket, std::string_view id, std::int64_t version, std::string_view json) {
    if (!enabled_.load(std::memory_order_acquire) || id.size() > UINT16_MAX ||
        EntryBytes(id.size(), 0) > shard_budget_) {
        return;  // nothing of this id can be cached (the checks under the lock count a fill that raced a Disable)
    }
    // Compressed before the lock is taken; the other I/O thread keeps using the shard meanwhile. An answer that
    // cannot be stored (over the shard's budget, or too large for LZ4) still retires an older one of the same id.
    const auto stored = Compress(json);  // (empty past LZ4's 2 GB input limit, which keeps json_size in 32 bits)
    const std::size_t cost = EntryBytes(id.size(), stored.size());
    const bool storable = !stored.empty() && cost <= shard_budget_;
    const auto hash = HashOf(id);
    auto& shard = ShardOf(hash);
    std::lock_guard lock(shard.mutex);
    // Checked under the shard's lock: Disable empties each shard under it after bumping the generation, and
    // Invalidate counts under it, so a fill either lands before them (and is dropped by them) or sees them.
    if (!enabled_.load(std::memory_order_acquire) || generation_.load(std::memory_order_acquire) != ticket.generation ||
        shard.invalidations.load(std::memory_order_relaxed) != ticket.shard_invalidations) {
        stale_fills_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    if (Entry** slot = shard.Find(hash, id); slot != nullptr && *slot != nullptr) {
        if ((*slot)->version >= version) {
            return;
        }
        shard.Erase(slot);
    }
    if (!storable) {
        return;
    }
    while (shard.bytes + cost > shard_budget_ && shard.oldest != nullptr) {
        shard.Erase(shard.Find(HashOf(shard.oldest->id()), shard.oldest->id()));
        evictions_.fetch_add(1, std::memory_order_relaxed);
    }
    void* memory = ::operator new(sizeof(Entry) + id.size() + stored.size());
    auto* entry = new (memory) Entry{nullptr,
                                     nullptr,
                                     nullptr,
                                     version,
                                     static_cast<std::uint32_t>(json.size()),
                                     static_cast<std::uint32_t>(stored.size()),
                                     static_cast<std::uint16_t>(id.size())};
    std::memcpy(entry->bytes(), id.data(), id.size());
    std::memcpy(entry->bytes() + id.size(), stored.data(), stored.size());
    shard.Insert(entry, hash);
    shard.bytes += cost;
}

void ItemCache::Invalidate(std::string_view id, std::int64_t version) {
    const auto hash = HashOf(id);
    auto& shard = ShardOf(hash);
    std::lock_guard lock(shard.mutex);
    shard.invalidations.fetch_add(1, std::memory_order_release);
    if (Entry** slot = shard.Find(hash, id); slot != nullptr && *slot != nullptr && (*slot)->version < version) {
        shard.Erase(slot);
        invalidated_.fetch_add(1, std::memory_order_relaxed);
    }
}

void ItemCache::Disable() {
    enabled_.store(false, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    for (auto& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        shard.Clear();
    }
}

void ItemCache::Enable() {
    generation_.fetch_add(1, std::memory_order_acq_rel);
    enabled_.store(shard_budget_ > 0, std::memory_order_release);
}

ItemCache::Stats ItemCache::GetStats() const {
    Stats stats;
    stats.hits = hits_.load(std::memory_order_relaxed);
    stats.misses = misses_.load(std::memory_order_relaxed);
    stats.evictions = evictions_.load(std::memory_order_relaxed);
    stats.invalidations = invalidated_.load(std::memory_order_relaxed);
    stats.stale_fills = stale_fills_.load(std::memory_order_relaxed);
    stats.budget_bytes = shard_budget_ * kShards;
    stats.enabled = enabled_.load(std::memory_order_relaxed);
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        stats.entries += shard.entries;
        stats.bytes += shard.bytes;
    }
    return stats;
}

void ItemCache::WriteMetrics(std::string& out) const {
    const auto stats = GetStats();
    metrics::Write(out, metrics::families::kItemCacheHitsTotal, static_cast<double>(stats.hits));
    metrics::Write(out, metrics::families::kItemCacheMissesTotal, static_cast<double>(stats.misses));
    metrics::Write(out, metrics::families::kItemCacheEvictionsTotal, static_cast<double>(stats.evictions));
    metrics::Write(out, metrics::families::kItemCacheInvalidationsTotal, static_cast<double>(stats.invalidations));
    metrics::Write(out, metrics::families::kItemCacheStaleFillsTotal, static_cast<double>(stats.stale_fills));
    metrics::Write(out, metrics::families::kItemCacheEntries, static_cast<double>(stats.entries));
    metrics::Write(out, metrics::families::kItemCacheBytes, static_cast<double>(stats.bytes));
    metrics::Write(out, metrics::families::kItemCacheBudgetBytes, static_cast<double>(stats.budget_bytes));
    metrics::Write(out, metrics::families::kItemCacheEnabled, stats.enabled ? 1 : 0);
}

}  // namespace auction::app
