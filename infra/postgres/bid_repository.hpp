#pragma once

#include <string>
#include <vector>

#include "domain/bid.hpp"
#include "infra/postgres/connection.hpp"
#include "infra/postgres/pool.hpp"
#include "ports/bids.hpp"

namespace auction::postgres {

using domain::BidResult;

/// Applies bid.placed events in one transaction (one commit for the whole batch): each raises its item's
/// current price when the item is active, the currency matches and the amount is higher. Items are
/// locked in id order (no deadlocks between replicas); each event is recorded in processed_bid_events in
/// the same transaction, so a redelivered event is a kDuplicate. Returns one result per event.
std::vector<BidResult> ApplyPlacedBids(PgConnection& conn, const std::vector<domain::BidEvent>& bids);

/// Applies one bid.won: marks the item sold to the bidder at the amount and writes item.updated.v1 to the
/// outbox, in one transaction.
BidResult ApplyWonBid(PgConnection& conn, const domain::BidEvent& bid, const std::string& service_trace_id);

/// ports::BidStore on the pool: each call takes a connection for its transaction.
class PgBidStore : public ports::BidStore {
public:
    explicit PgBidStore(PgPool& pool) : pool_(pool) {}

    std::vector<BidResult> ApplyPlaced(const std::vector<domain::BidEvent>& bids) override {
        auto lease = pool_.Acquire();
        return ApplyPlacedBids(*lease, bids);
    }
    BidResult ApplyWon(const domain::BidEvent& bid, const std::string& service_trace_id) override {
        auto lease = pool_.Acquire();
        return ApplyWonBid(*lease, bid, service_trace_id);
    }

private:
    PgPool& pool_;
};

}  // namespace auction::postgres
