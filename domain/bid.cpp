#include "domain/bid.hpp"

#include <boost/json.hpp>

#include "domain/validation.hpp"
#include "pkg/ids/uuid.hpp"

namespace auction::domain {

std::string_view ToString(BidEventType type) noexcept {
    return type == BidEventType::kWon ? "bid.won" : "bid.placed";
}

namespace {

std::variant<std::string, PoisonReason> Field(const boost::json::object& payload, std::string_view name) {
    const auto* v = payload.if_contains(name);
    if (v == nullptr || !v->is_string() || v->get_string().empty()) {
        return PoisonReason{"payload." + std::string(name) + " must be a non-empty string"};
    }
    return std::string(v->get_string());
}

// Ids go to PostgreSQL as libpq text parameters, which end at the first NUL (and text cannot hold one):
// a control character would cut an id short, or fail the whole batch's statement again and again.
bool HasControl(std::string_view text) noexcept {
    for (unsigned char c : text) {
        if (c < 0x20 || c == 0x7F) {
            return true;
        }
    }
    return false;
}

// An envelope's optional trace id: kept when it is short plain text, ignored otherwise.
std::string OptionalId(const boost::json::object& obj, std::string_view name) {
    const auto* v = obj.if_contains(name);
    if (v == nullptr || !v->is_string() || v->get_string().size() > 128 || HasControl(v->get_string())) {
        return {};
    }
    return std::string(v->get_string());
}

}  // namespace

std::variant<BidEvent, PoisonReason> DecodeBidEvent(std::string_view routing_key, std::string_view body) {
    BidEvent e;
    if (routing_key == "bid.placed.v1") {
        e.type = BidEventType::kPlaced;
    } else if (routing_key == "bid.won.v1") {
        e.type = BidEventType::kWon;
    } else {
        return PoisonReason{"unsupported routing key " + std::string(routing_key.substr(0, 64))};
    }
    boost::system::error_code ec;
    boost::json::parse_options options;
    options.max_depth = 16;
    auto doc = boost::json::parse(body, ec, {}, options);
    if (ec || !doc.is_object()) {
        return PoisonReason{"body is not a JSON object"};
    }
    const auto& obj = doc.get_object();
    if (const auto* ev = obj.if_contains("event");
        ev == nullptr || !ev->is_string() || ev->get_string() != ToString(e.type)) {
        return PoisonReason{"envelope.event must be \"" + std::string(ToString(e.type)) + "\""};
    }
    if (const auto* ver = obj.if_contains("version");
        ver != nullptr && (!ver->is_string() || ver->get_string() != "v1")) {
        return PoisonReason{"envelope.version must be \"v1\""};
    }
    const auto* payload_value = obj.if_contains("payload");
    if (payload_value == nullptr || !payload_value->is_object()) {
        return PoisonReason{"envelope.payload must be an object"};
    }
    const auto& payload = payload_value->get_object();
    std::string fields[5];
    const char* names[5] = {"bidId", "itemId", "userId", "amount", "currencyCode"};
    for (int i = 0; i < 5; ++i) {
        auto f = Field(payload, names[i]);
        if (auto* p = std::get_if<PoisonReason>(&f)) {
            return *p;
        }
        fields[i] = std::get<std::string>(std::move(f));
    }
    e.bid_id = std::move(fields[0]);
    if (e.bid_id.size() > 128) {
        return PoisonReason{"payload.bidId is longer than 128 characters"};
    }
    if (HasControl(e.bid_id)) {
        return PoisonReason{"payload.bidId must not contain control characters"};
    }
    if (!ids::IsUuid(fields[1])) {
        return PoisonReason{"payload.itemId must be a UUID"};
    }
    e.item_id = std::move(fields[1]);
    for (auto& c : e.item_id) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (!IsValidUserId(fields[2])) {
        return PoisonReason{"payload.userId must be 1 to 128 printable characters"};
    }
    e.user_id = std::move(fields[2]);
    auto amount = ParseMoney(fields[3]);
    if (!amount || amount->cents <= 0) {
        return PoisonReason{"payload.amount must be a positive decimal string such as \"150.00\""};
    }
    e.amount = *amount;
    if (!IsCurrencyCode(fields[4])) {
        return PoisonReason{"payload.currencyCode must be an ISO 4217 code"};
    }
    e.currency_code = std::move(fields[4]);
    if (const auto* ts = obj.if_contains("timestamp"); ts != nullptr && !ts->is_null()) {
        const auto placed_at = ts->is_string() ? timeutil::ParseRfc3339(ts->get_string()) : std::nullopt;
        if (!placed_at) {
            return PoisonReason{"envelope.timestamp must be an RFC 3339 time such as \"2024-01-16T10:00:00Z\""};
        }
        e.placed_at = *placed_at;
    }
    e.trace_id = OptionalId(obj, "traceId");
    e.correlation_id = OptionalId(obj, "correlationId");
    return e;
}

bool IsPoison(BidResult r) noexcept {
    return r == BidResult::kUnknownItem || r == BidResult::kCurrencyMismatch || r == BidResult::kAlreadySold ||
           r == BidResult::kNotForSale;
}

const char* Describe(BidResult r) noexcept {
    switch (r) {
        case BidResult::kApplied:
            return "applied";
        case BidResult::kNoChange:
            return "no change";
        case BidResult::kDuplicate:
            return "duplicate";
        case BidResult::kUnknownItem:
            return "unknown item";
        case BidResult::kCurrencyMismatch:
            return "currency does not match the item's";
        case BidResult::kAlreadySold:
            return "item already sold to another bid";
        case BidResult::kNotForSale:
            return "item is not for sale (cancelled)";
        case BidResult::kBeforeStart:
            return "placed before the auction started";
        case BidResult::kAfterEnd:
            return "placed after the auction ended";
        case BidResult::kReopened:
            return "applied late: reopened the expired item";
        case BidResult::kSoldAfterExpiry:
            return "applied late: sold the expired item";
    }
    return "unknown";
}

}  // namespace auction::domain
