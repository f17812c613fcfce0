#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "pkg/config/config.hpp"
#include "ports/bids.hpp"
#include "ports/messaging.hpp"

namespace auction::consumers {

/// Handles bid.placed.v1 / bid.won.v1 batches: decodes, applies in PostgreSQL, classifies the outcome.
/// Poison messages (bad JSON, unknown item, wrong currency, ...) are dead-lettered with the reason;
/// transient failures (database unreachable, deadlock, timeout) are retried with exponential backoff
/// and dead-lettered after `retry_max_attempts`.
class BidConsumer {
public:
    BidConsumer(ports::BidStore& store, const config::WorkerConfig& config);

    std::vector<ports::Outcome> Handle(const std::vector<ports::Delivery>& batch, const std::atomic<bool>& stopping);
    /// Database attempts that failed transiently and were retried in-process (a batch of placed bids
    /// retried once counts one).
    std::uint64_t retries() const noexcept { return retries_.load(std::memory_order_relaxed); }

    /// Bids the auction's window left out, and late bids applied after their item expired (README "Auction
    /// lifecycle").
    struct LifecycleCounts {
        std::uint64_t before_start = 0;
        std::uint64_t after_end = 0;
        std::uint64_t reopened = 0;
        std::uint64_t sold_after_expiry = 0;
    };
    LifecycleCounts lifecycle_counts() const noexcept;

private:
    /// Runs `work` on the store, retrying transient failures. Returns false (with `error`)
    /// when the attempts ran out or a stop was requested (`gave_up_for_stop`).
    void Count(const domain::BidEvent& bid, domain::BidResult result);

    template <typename F>
    bool WithRetry(F&& work, const std::atomic<bool>& stopping, std::string& error, bool& gave_up_for_stop);

    ports::BidStore& store_;
    const config::WorkerConfig& config_;
    std::atomic<std::uint64_t> retries_{0};
    std::atomic<std::uint64_t> before_start_{0};
    std::atomic<std::uint64_t> after_end_{0};
    std::atomic<std::uint64_t> reopened_{0};
    std::atomic<std::uint64_t> sold_after_expiry_{0};
};

}  // namespace auction::consumers
