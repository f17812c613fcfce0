#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "domain/money.hpp"
#include "pkg/timeutil/rfc3339.hpp"

namespace auction::domain {

enum class BidEventType { kPlaced, kWon };

std::string_view ToString(BidEventType type) noexcept;  // "bid.placed" / "bid.won"

/// A bid event from the bid service: `bid.placed.v1` or `bid.won.v1`.
struct BidEvent {
    BidEventType type = BidEventType::kPlaced;
    std::string bid_id;
    std::string item_id;  // lower-case UUID
    std::string user_id;
    Money amount;
    std::string currency_code;
    std::string trace_id;        // from the envelope, when present
    std::string correlation_id;  // from the envelope, when present
    /// When the bid was placed: the envelope's `timestamp`, else the AMQP `timestamp` property (BidTime), else
    /// unknown here (the store then uses the bid's first receipt, which it records).
    std::optional<timeutil::Micros> placed_at;
};

/// Why a message can never be applied (it goes to the dead-letter queue with this reason).
struct PoisonReason {
    std::string reason;
};

/// Decodes `{"event","version","timestamp","payload":{bidId,itemId,userId,amount,currencyCode}}` for a routing key
/// `bid.placed.v1` / `bid.won.v1`; anything malformed is a PoisonReason naming what is wrong. The envelope's
/// `timestamp` is optional; when present it must be RFC 3339.
std::variant<BidEvent, PoisonReason> DecodeBidEvent(std::string_view routing_key, std::string_view body);

/// What applying one bid event did.
enum class BidResult {
    kApplied,           // committed (the price rose, or the item is now sold)
    kNoChange,          // valid but changes nothing: lower than the current price, or the item is not active
    kDuplicate,         // this bid event was applied before (redelivery or duplicate)
    kUnknownItem,       // poison: no such item
    kCurrencyMismatch,  // poison: the bid's currency is not the item's
    kAlreadySold,       // poison (bid.won): sold to another bid already
    kNotForSale,        // poison (bid.won): the item is cancelled
    kBeforeStart,       // valid but placed before the item's startDate: changes nothing (acknowledged, counted)
    kAfterEnd,          // valid but placed after the item's endDate: changes nothing (acknowledged, counted)
    kReopened,          // applied late (bid.placed): an in-window bid reopened an expired item
    kSoldAfterExpiry,   // applied late (bid.won): sold an item the closer had expired
};

bool IsPoison(BidResult result) noexcept;
const char* Describe(BidResult result) noexcept;

}  // namespace auction::domain
