// libFuzzer target for the worker's message decoding: DecodeBidEvent (domain/bid.cpp) is everything
// BidConsumer::Handle does to a delivery before the database (decode, or dead-letter with the reason).
// Input layout: the first line is the routing key, the rest is the message body. Built and run by
// scripts/fuzz.sh; seeds in tests/fuzz/corpus/bid_event/, dictionary bid_event.dict.
//
// Checked beyond memory safety: a decoded event matches its routing key and holds valid fields (bidId
// 1..128 bytes, lower-case UUID itemId, valid userId, positive amount, ISO currency, trace ids of at most
// 128 bytes, and no control characters such as NUL, which would cut libpq's parameters short); written
// back as an envelope it decodes to the same event; a poison reason is non-empty and short (it travels in
// a dead-letter header and a log line).
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "domain/bid.hpp"
#include "domain/validation.hpp"
#include "pkg/ids/uuid.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using auction::fuzz::Check;

// Text bound for PostgreSQL parameters: libpq passes them as C strings (a NUL ends them early) and text
// columns cannot hold NUL; other control characters have no business in ids either.
bool NoControl(std::string_view text) {
    for (unsigned char c : text) {
        if (c < 0x20 || c == 0x7F) {
            return false;
        }
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace domain = auction::domain;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto eol = input.find('\n');
    const auto routing_key = input.substr(0, eol);
    const auto body = eol == std::string_view::npos ? std::string_view() : input.substr(eol + 1);

    const auto result = domain::DecodeBidEvent(routing_key, body);
    if (const auto* poison = std::get_if<domain::PoisonReason>(&result)) {
        Check(!poison->reason.empty() && poison->reason.size() <= 200);
        return 0;
    }
    const auto& e = std::get<domain::BidEvent>(result);
    Check(routing_key == std::string(domain::ToString(e.type)) + ".v1");
    Check(!e.bid_id.empty() && e.bid_id.size() <= 128);
    Check(auction::ids::IsUuid(e.item_id));
    for (char c : e.item_id) {
        Check(!(c >= 'A' && c <= 'Z'));
    }
    Check(domain::IsValidUserId(e.user_id));
    Check(e.amount.cents > 0 && domain::IsCurrencyCode(e.currency_code));
    Check(e.trace_id.size() <= 128 && e.correlation_id.size() <= 128);
    Check(NoControl(e.bid_id) && NoControl(e.trace_id) && NoControl(e.correlation_id));

    // The bid service's envelope, rebuilt from the event, decodes to the same event.
    boost::json::object payload{{"bidId", e.bid_id},
                                {"itemId", e.item_id},
                                {"userId", e.user_id},
                                {"amount", domain::FormatMoney(e.amount)},
                                {"currencyCode", e.currency_code}};
    boost::json::object envelope{{"event", domain::ToString(e.type)}, {"version", "v1"}, {"payload", payload}};
    if (!e.trace_id.empty()) {
        envelope["traceId"] = e.trace_id;
    }
    if (!e.correlation_id.empty()) {
        envelope["correlationId"] = e.correlation_id;
    }
    const auto again = domain::DecodeBidEvent(routing_key, boost::json::serialize(envelope));
    const auto* round = std::get_if<domain::BidEvent>(&again);
    Check(round != nullptr);
    Check(round->type == e.type && round->bid_id == e.bid_id && round->item_id == e.item_id &&
          round->user_id == e.user_id && round->amount == e.amount && round->currency_code == e.currency_code &&
          round->trace_id == e.trace_id && round->correlation_id == e.correlation_id);
    return 0;
}
