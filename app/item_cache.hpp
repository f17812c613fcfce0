#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
/// Bounded in bytes (least recently used answers go first), each answer in one allocation (EntryBytes), its JSON
/// compressed with LZ4 against a dictionary of what item answers share (their field names and common values, see
/// ItemJsonDictionary): about 2.3 times smaller, so the cache holds about twice the items in the same memory, and a
/// hit decompresses in a fraction of a microsecond. Sharded by id so that the I/O threads rarely meet on a lock;
/// every call is thread-safe.
class ItemCache {
public:
    /// `budget_bytes` 0 makes a cache that never stores anything. `dictionary` (up to 64 KiB; empty: none) is what
    /// LZ4 matches the answers against besides their own bytes.
    explicit ItemCache(std::size_t budget_bytes, std::string dictionary = {});
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
    /// Stores (a copy of) the answer read after `ticket` was taken, unless it may be stale.
    void Fill(const Ticket& ticket, std::string_view id, std::int64_t version, std::string_view json);
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

    /// Bytes an answer costs against the budget (and in `auction_item_cache_bytes`): its one allocation (the entry's
    /// header, the id and the compressed JSON), the allocator's header of that allocation and its bucket slot.
    static std::size_t EntryBytes(std::size_t id_size, std::size_t stored_size);
    /// The size `json` takes in the cache: LZ4's compressed size of it against the dictionary (0: not storable).
    std::size_t StoredSize(std::string_view json) const;

private:
    static constexpr std::size_t kShards = 32;

    // One allocation per cached answer: this header (48 bytes), then the id's bytes, then the compressed JSON's (no
    // std::string, no map or list node of its own). The shard's hash table chains entries through `next_in_bucket`
    // and its LRU list through `newer` / `older`; the id's hash is not kept (recomputed when the table grows).
    struct Entry {
        Entry* next_in_bucket;
        Entry* newer;  // towards the most recently used end
        Entry* older;
        std::int64_t version;
        std::uint32_t json_size;    // the answer's size
        std::uint32_t stored_size;  // its compressed size, what follows the id
        std::uint16_t id_size;

        char* bytes() noexcept { return reinterpret_cast<char*>(this + 1); }
        const char* bytes() const noexcept { return reinterpret_cast<const char*>(this + 1); }
        std::string_view id() const noexcept { return {bytes(), id_size}; }
        std::string_view stored() const noexcept { return {bytes() + id_size, stored_size}; }
    };
    struct Shard {
        mutable std::mutex mutex;
        std::vector<Entry*> buckets;  // a power of two in size once anything is stored
        std::size_t entries = 0;
        Entry* newest = nullptr;  // the LRU list: newest is the most recently used, oldest the next to go
        Entry* oldest = nullptr;
        std::size_t bytes = 0;
        std::atomic<std::uint64_t> invalidations{0};  // every Invalidate of a key of this shard

        Shard() = default;
        Shard(const Shard&) = delete;
        Shard& operator=(const Shard&) = delete;
        ~Shard();
        // The slot holding the entry of `id` (nullptr in it: none); the shard's lock held.
        Entry** Find(std::uint64_t hash, std::string_view id);
        void Insert(Entry* entry, std::uint64_t hash);
        void Erase(Entry** slot);  // unlinks the entry from the table and the LRU list and frees it
        void Touch(Entry* entry);  // makes it the most recently used
        void Clear();
    };

    static std::uint64_t HashOf(std::string_view id) noexcept;
    Shard& ShardOf(std::uint64_t hash) { return shards_[hash % kShards]; }
    const Shard& ShardOf(std::uint64_t hash) const { return shards_[hash % kShards]; }

    // Compresses `json` into the calling thread's scratch buffer; its size, or 0 when it cannot be stored.
    std::string_view Compress(std::string_view json) const;

    const std::size_t shard_budget_;
    const std::string dictionary_;
    std::array<Shard, kShards> shards_;
    std::atomic<bool> enabled_{false};
    std::atomic<std::uint64_t> generation_{0};  // bumped by Enable and Disable
    std::atomic<std::uint64_t> hits_{0};
    std::atomic<std::uint64_t> misses_{0};
    std::atomic<std::uint64_t> evictions_{0};
    std::atomic<std::uint64_t> invalidated_{0};
    std::atomic<std::uint64_t> stale_fills_{0};
};

/// The dictionary ItemCache compresses item answers against: the JSON of representative items, so that the field
/// names and the common values (status, currency, the shape of ids, prices and timestamps) cost an answer a few bytes
/// each.
std::string ItemJsonDictionary();

}  // namespace auction::app
