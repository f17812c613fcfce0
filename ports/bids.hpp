#pragma once

#include <string>
#include <vector>

#include "domain/bid.hpp"

namespace auction::ports {

/// Where the bid consumer applies bid events (infra/postgres implements it on the pool). Blocking. A failure of
/// the store itself throws an errors::DependencyFailure (Unreachable() when the database cannot be reached).
class BidStore {
public:
    virtual ~BidStore() = default;

    /// Applies bid.placed events in one transaction; one result per event, in order.
    virtual std::vector<domain::BidResult> ApplyPlaced(const std::vector<domain::BidEvent>& bids) = 0;
    /// Applies one bid.won, with item.updated.v1 through the outbox in the same transaction.
    virtual domain::BidResult ApplyWon(const domain::BidEvent& bid, const std::string& service_trace_id) = 0;
};

}  // namespace auction::ports
