#pragma once

#include <chrono>
#include <string>
#include <vector>

/// The auction closer's store (README "Auction lifecycle"): infra/postgres implements it, internal/lifecycle drives
/// it. The database's clock decides what is due, so replicas whose clocks differ agree.
namespace auction::ports {

/// One item the closer expired.
struct ClosedItem {
    std::string item_id;
    /// It had bids and no bid.won came within the settle timeout (the bid service never settled it).
    bool unsettled = false;
};

class AuctionClosingStore {
public:
    virtual ~AuctionClosingStore() = default;
    /// Expires up to `limit` due items in one transaction, each with its item.updated.v1 in the outbox. Due: active,
    /// ended at least `grace` ago, and either without bids or without bid.won for `settle_timeout` after the later
    /// of its end and its last bid. Items another closer holds are skipped, never waited for. Blocking; a store
    /// failure throws an errors::DependencyFailure.
    virtual std::vector<ClosedItem> CloseDue(std::chrono::milliseconds grace, std::chrono::milliseconds settle_timeout,
                                             int limit) = 0;
};

}  // namespace auction::ports
