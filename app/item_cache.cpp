#include "app/item_cache.hpp"

#include <functional>

#include "pkg/metrics/metrics.hpp"

namespace auction::app {

ItemCache::ItemCache(std::size_t budget_bytes) : shard_budget_(budget_bytes / kShards) {}

ItemCache::Shard& ItemCache::ShardOf(std::string_view id) {
    return shards_[std::hash<std::string_view>{}(id) % kShards];
}

const ItemCache::Shard& ItemCache::ShardOf(std::string_view id) const {
    return shards_[std::hash<std::string_view>{}(id) % kShards];
}

void ItemCache::EraseLocked(Shard& shard, Map::iterator it) {
    shard.bytes -= it->first.size() + it->second.json.size() + kEntryOverhead;
    shard.lru.erase(it->second.lru);
    shard.entries.erase(it);
}

std::optional<ItemCache::Hit> ItemCache::Get(std::string_view id) {
    if (enabled_.load(std::memory_order_acquire)) {
        auto& shard = ShardOf(id);
        std::lock_guard lock(shard.mutex);
        if (auto it = shard.entries.find(id); it != shard.entries.end()) {
            shard.lru.splice(shard.lru.begin(), shard.lru, it->second.lru);
            hits_.fetch_add(1, std::memory_order_relaxed);
            return Hit{it->second.version, it->second.json};
        }
    }
    misses_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
}

ItemCache::Ticket ItemCache::BeginFill(std::string_view id) const {
    // The generation first: a Disable between the two loads then fails the generation check.
    Ticket ticket;
    ticket.generation = generation_.load(std::memory_order_acquire);
    ticket.shard_invalidations = ShardOf(id).invalidations.load(std::memory_order_acquire);
    return ticket;
}

void ItemCache::Fill(const Ticket& ticket, std::string_view id, std::int64_t version, std::string json) {
    const std::size_t cost = id.size() + json.size() + kEntryOverhead;
    if (cost > shard_budget_) {
        return;
    }
    auto& shard = ShardOf(id);
    std::lock_guard lock(shard.mutex);
    // Checked under the shard's lock: Disable empties each shard under it after bumping the generation, and
    // Invalidate counts under it, so a fill either lands before them (and is dropped by them) or sees them.
    if (!enabled_.load(std::memory_order_acquire) || generation_.load(std::memory_order_acquire) != ticket.generation ||
        shard.invalidations.load(std::memory_order_relaxed) != ticket.shard_invalidations) {
        stale_fills_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    std::string key(id);
    if (auto it = shard.entries.find(key); it != shard.entries.end()) {
        if (it->second.version >= version) {
            return;
        }
        EraseLocked(shard, it);
    }
    while (shard.bytes + cost > shard_budget_ && !shard.lru.empty()) {
        EraseLocked(shard, shard.entries.find(shard.lru.back()));
        evictions_.fetch_add(1, std::memory_order_relaxed);
    }
    shard.lru.push_front(key);
    shard.entries.emplace(std::move(key), Entry{version, std::move(json), shard.lru.begin()});
    shard.bytes += cost;
}

void ItemCache::Invalidate(std::string_view id, std::int64_t version) {
    auto& shard = ShardOf(id);
    std::lock_guard lock(shard.mutex);
    shard.invalidations.fetch_add(1, std::memory_order_release);
    if (auto it = shard.entries.find(id); it != shard.entries.end() && it->second.version < version) {
        EraseLocked(shard, it);
        invalidated_.fetch_add(1, std::memory_order_relaxed);
    }
}

void ItemCache::Disable() {
    enabled_.store(false, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    for (auto& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        shard.entries.clear();
        shard.lru.clear();
        shard.bytes = 0;
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
        stats.entries += shard.entries.size();
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
