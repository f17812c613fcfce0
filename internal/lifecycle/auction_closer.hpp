#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "internal/lifecycle/background_loop.hpp"
#include "ports/lifecycle.hpp"

namespace auction::lifecycle {

struct CloserOptions {
    std::chrono::milliseconds grace{std::chrono::seconds(5)};
    std::chrono::milliseconds settle_timeout{std::chrono::hours(1)};
    std::chrono::milliseconds interval{std::chrono::seconds(1)};  // the poll when nothing was due
    int batch_size = 500;
};

/// Closes auctions on time (README "Auction lifecycle"): a thread that asks the store for due items, batch after
/// batch while full batches come back, then polls every `interval`. Every worker replica runs one; the store's
/// SKIP LOCKED shares the work, so a replica killed mid-batch only rolls its batch back for another to take.
/// A store failure is logged and retried with backoff (BackgroundLoop), never fatal.
class AuctionCloser {
public:
    AuctionCloser(ports::AuctionClosingStore& store, CloserOptions options);
    ~AuctionCloser();
    AuctionCloser(const AuctionCloser&) = delete;
    AuctionCloser& operator=(const AuctionCloser&) = delete;

    void Start();
    /// Returns once the thread has stopped (a batch in flight finishes first).
    void Stop();

    /// One round: closes batches until one comes back short. Returns the items closed. (The thread's loop; public
    /// so tests can drive a closer without its thread.)
    std::size_t RunOnce();

    struct Counts {
        std::uint64_t expired_without_bids = 0;
        std::uint64_t expired_unsettled = 0;  // had bids, no bid.won within the settle timeout
        std::uint64_t batches = 0;            // committed batches that closed at least one item
        std::uint64_t failures = 0;           // rounds that failed (the store threw)
    };
    Counts counts() const noexcept;

private:
    ports::AuctionClosingStore& store_;
    CloserOptions options_;
    BackgroundLoop loop_;
    std::atomic<std::uint64_t> expired_without_bids_{0};
    std::atomic<std::uint64_t> expired_unsettled_{0};
    std::atomic<std::uint64_t> batches_{0};
    std::atomic<std::uint64_t> failures_{0};
};

}  // namespace auction::lifecycle
