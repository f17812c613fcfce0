#include "internal/lifecycle/auction_closer.hpp"

#include "pkg/logging/logger.hpp"

namespace auction::lifecycle {

AuctionCloser::AuctionCloser(ports::AuctionClosingStore& store, CloserOptions options)
    : store_(store), options_(options), loop_("closing auctions", [this] {
          try {
              RunOnce();
          } catch (...) {
              failures_.fetch_add(1, std::memory_order_relaxed);
              throw;
          }
          return options_.interval;
      }) {}

AuctionCloser::~AuctionCloser() {
    Stop();
}

void AuctionCloser::Start() {
    loop_.Start();
}

void AuctionCloser::Stop() {
    loop_.Stop();
}

AuctionCloser::Counts AuctionCloser::counts() const noexcept {
    return {expired_without_bids_.load(std::memory_order_relaxed), expired_unsettled_.load(std::memory_order_relaxed),
            batches_.load(std::memory_order_relaxed), failures_.load(std::memory_order_relaxed)};
}

std::size_t AuctionCloser::RunOnce() {
    std::size_t total = 0;
    for (;;) {
        const auto closed = store_.CloseDue(options_.grace, options_.settle_timeout, options_.batch_size);
        if (closed.empty()) {
            return total;
        }
        batches_.fetch_add(1, std::memory_order_relaxed);
        std::uint64_t unsettled = 0;
        for (const auto& item : closed) {
            if (item.unsettled) {
                ++unsettled;
                logging::Warn("auction expired without bid.won: the bid service never settled it",
                              {{"itemId", item.item_id},
                               {"settleTimeoutMs", static_cast<std::int64_t>(options_.settle_timeout.count())}});
            }
        }
        expired_unsettled_.fetch_add(unsettled, std::memory_order_relaxed);
        expired_without_bids_.fetch_add(closed.size() - unsettled, std::memory_order_relaxed);
        logging::Info("auctions closed", {{"expired", static_cast<std::int64_t>(closed.size())},
                                          {"unsettled", static_cast<std::int64_t>(unsettled)}});
        total += closed.size();
        if (closed.size() < static_cast<std::size_t>(options_.batch_size) || loop_.stopping()) {
            return total;
        }
    }
}

}  // namespace auction::lifecycle
