#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace auction::app {

/// The API replica's cache of `GET /api/v1/items/:id` answers: the item's JSON by item id, with its version.
///
/// Kept coherent by the database's change notifications (every statement that changes items, the worker's
/// included, notifies `auction_item_changed` with the items' new versions; see migration 010):
/// - Invalidate(id, version) drops a cached answer older than `version` (a notification, or this replica's own
///   committed write, so that it answers its own write's result right after it);
/// - a miss takes a Ticket before it reads the database and Fill() stores what it read only if nothing
///   about that key may have changed meanwhile (no invalidation in its shard, no Disable), so a slow read never
///   puts back an answer that a notification already retired;
/// - while the listening connection is down the cache is Disable()d: emptied, every Get misses and Fill stores
///   nothing, until Enable() once it listens again.
/// Bounded in bytes (least recently used answers go first). Sharded by id so that the I/O threads rarely meet
/// on a lock; every call is thread-safe.
class ItemCache {
public:
    /// `budget_bytes` 0 makes a cache that never stores anything.
    explicit ItemCache(std::size_t budget_bytes);
    ItemCache(const ItemCache&) = delete;
    ItemCache& operator=(const ItemCache&) = delete;

    struct Ticket {
        std::uint64_t generation = 0;
        std::uint64_t shard_invalidations = 0;
    };

    /// A cached answer: the item's JSON and the version it shows (its ETag).
    struct Hit {
        std::int64_t version = 0;
        std::string json;
    };
    /// The cached answer for the item; nullopt on a miss (and always while disabled).
    std::optional<Hit> Get(std::string_view id);
    /// Taken before reading the item from the database, for Fill.
    Ticket BeginFill(std::string_view id) const;
    /// Stores the answer read after `ticket` was taken, unless it may be stale.
    void Fill(const Ticket& ticket, std::string_view id, std::int64_t version, std::string json);
    /// Drops the cached answer of `id` when it is older than `version`.
    void Invalidate(std::string_view id, std::int64_t version);
    /// Empties the cache and bypasses it until Enable (the notifications may have been missed).
    void Disable();
    /// Starts caching (again): called once the change notifications are listened to.
    void Enable();

    struct Stats {
        std::uint64_t hits = 0;
        std::uint64_t misses = 0;
        std::uint64_t evictions = 0;      // dropped for room
        std::uint64_t invalidations = 0;  // dropped because the item changed
        std::uint64_t stale_fills = 0;    // reads not stored because the item may have changed meanwhile
        std::size_t entries = 0;
        std::size_t bytes = 0;
        std::size_t budget_bytes = 0;
        bool enabled = false;
    };
    Stats GetStats() const;
    /// The cache's metric families (`auction_item_cache_*`) in Prometheus text format.
    void WriteMetrics(std::string& out) const;

private:
    static constexpr std::size_t kShards = 32;
    // Bytes an entry costs beyond its JSON and key: the map node, the LRU node, bookkeeping.
    static constexpr std::size_t kEntryOverhead = 96;

    struct Entry {
        std::int64_t version = 0;
        std::string json;
        std::list<std::string>::iterator lru;  // position in Shard::lru (front = most recently used)
    };
    // Lookups by string_view without building a std::string (C++20 heterogeneous lookup).
    struct KeyHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view key) const noexcept { return std::hash<std::string_view>{}(key); }
    };
    using Map = std::unordered_map<std::string, Entry, KeyHash, std::equal_to<>>;
    struct Shard {
        mutable std::mutex mutex;
        Map entries;  // key: the item id
        std::list<std::string> lru;
        std::size_t bytes = 0;
        std::atomic<std::uint64_t> invalidations{0};  // every Invalidate of a key of this shard
    };

    Shard& ShardOf(std::string_view id);
    const Shard& ShardOf(std::string_view id) const;
    void EraseLocked(Shard& shard, Map::iterator it);

    const std::size_t shard_budget_;
    std::array<Shard, kShards> shards_;
    std::atomic<bool> enabled_{false};
    std::atomic<std::uint64_t> generation_{0};  // bumped by Enable and Disable
    std::atomic<std::uint64_t> hits_{0};
    std::atomic<std::uint64_t> misses_{0};
    std::atomic<std::uint64_t> evictions_{0};
    std::atomic<std::uint64_t> invalidated_{0};
    std::atomic<std::uint64_t> stale_fills_{0};
};

}  // namespace auction::app
