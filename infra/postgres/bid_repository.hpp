#pragma once

#include <string>
#include <vector>

#include "domain/bid.hpp"
#include "infra/postgres/connection.hpp"

namespace auction::postgres {

/// What applying one bid event did.
enum class BidResult {
    kApplied,           // committed (the price rose, or the item is now sold)
    kNoChange,          // valid but changes nothing: lower than the current price, or the item is not active
    kDuplicate,         // this bid event was applied before (redelivery or duplicate)
    kUnknownItem,       // poison: no such item
    kCurrencyMismatch,  // poison: the bid's currency is not the item's
    kAlreadySold,       // poison (bid.won): sold to another bid already
    kNotForSale,        // poison (bid.won): the item is cancelled or expired
};

bool IsPoison(BidResult result) noexcept;
const char* Describe(BidResult result) noexcept;

/// Applies bid.placed events in one transaction (one commit for the whole batch): each raises its item's
/// current price when the item is active, the currency matches and the amount is higher. Items are
/// locked in id order (no deadlocks between replicas); each event is recorded in processed_bid_events in
/// the same transaction, so a redelivered event is a kDuplicate. Returns one result per event.
std::vector<BidResult> ApplyPlacedBids(PgConnection& conn, const std::vector<domain::BidEvent>& bids);

/// Applies one bid.won: marks the item sold to the bidder at the amount and writes item.updated.v1 to the
/// outbox, in one transaction.
BidResult ApplyWonBid(PgConnection& conn, const domain::BidEvent& bid, const std::string& service_trace_id);

}  // namespace auction::postgres
