#pragma once

// The chaos test's checker (scripts/chaos.sh), in the style of Jepsen's queue checker: it compares what the
// clients were told (the history) with what the system shows at the end (the events on the wire and the
// final database state) and classifies every operation. Pure: no I/O, so a self-check can feed it a
// history with known faults (chaos_load selfcheck).

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace auction::chaos {

/// What the client was told. kOk: committed (2xx, broker confirm). kFail: not committed (4xx).
/// kUnknown: indeterminate (5xx, timeout, connection error, no confirm): it may or may not have happened.
enum class Outcome { kOk, kFail, kUnknown };

const char* ToString(Outcome o) noexcept;
std::optional<Outcome> OutcomeFromString(const std::string& s);

/// One API write. `key` identifies the change it makes: create -> the unique item name it sent,
/// update -> the unique description marker it sent, delete -> the item id.
struct ApiOp {
    std::string kind;     // create | update | delete
    std::string item_id;  // empty for a create that got no answer
    std::string key;
    Outcome outcome = Outcome::kUnknown;
    int status = 0;                   // HTTP status, 0 = no answer
    std::int64_t answered_at_us = 0;  // when the answer (or the failure) came, system clock (0: not recorded)
};

/// One bid event published to auction.bid (retried with the same message id and body until confirmed).
struct BidOp {
    std::string bid_id;
    std::string type;  // bid.placed | bid.won
    std::string item_id;
    std::string user_id;
    std::int64_t amount_cents = 0;
    bool poison = false;  // invalid by design (unknown item): must be dead-lettered, never applied
    Outcome outcome = Outcome::kUnknown;
    std::int64_t placed_at_us = 0;  // the envelope's timestamp (0: unknown, taken as inside the window)
};

/// One message read from the observer queue bound to auction.item with `item.#`.
struct WireEvent {
    std::string message_id;
    std::string routing_key;
    std::string body;
};

/// One message read from the bid dead-letter queue.
struct DeadLetter {
    std::string bid_id;
    std::string routing_key;
    std::string reason;
};

struct ItemRow {
    std::string name;
    std::string description;
    std::string status;
    std::int64_t start_cents = 0;
    std::int64_t current_cents = 0;
    std::optional<std::string> buyer_id;
    std::int64_t start_us = 0;                                       // startDate
    std::int64_t end_us = std::numeric_limits<std::int64_t>::max();  // endDate
};

/// The final state after quiescence.
struct FinalState {
    std::map<std::string, ItemRow> items;                     // by id
    std::set<std::pair<std::string, std::string>> processed;  // (bid_id, event_type) of processed_bid_events
    std::int64_t outbox_rows = 0;
    std::vector<DeadLetter> dead_letters;
    std::int64_t read_at_us = 0;  // the database's clock when the state was read
    /// An item whose end is this much older than read_at_us must have been closed (grace, poll, a margin).
    std::int64_t close_due_us = 15'000'000;
};

struct Counts {
    std::int64_t attempted = 0;
    std::int64_t ok = 0;
    std::int64_t lost = 0;
    std::int64_t duplicated = 0;
    std::int64_t unexpected = 0;
    std::int64_t recovered = 0;      // indeterminate, found committed
    std::int64_t indeterminate = 0;  // indeterminate, no trace of it: fine either way
    std::int64_t not_committed = 0;  // told "no" (4xx) and indeed absent
    std::int64_t redelivered = 0;    // extra copies with the same message id (at-least-once, fine)
    std::int64_t by_design = 0;      // rejected by the rules on purpose (poison bids in the DLQ, ...)

    bool Clean() const noexcept { return lost == 0 && duplicated == 0 && unexpected == 0; }
};

struct Report {
    Counts api;      // API -> events on auction.item
    Counts bids;     // bid events -> items
    Counts closing;  // ended items -> closed exactly once, with one event per closing (README "Auction lifecycle")
    std::int64_t events_seen = 0;
    std::int64_t dead_letters = 0;
    std::int64_t dead_letters_valid = 0;  // dead-lettered although valid: counted lost unless applied
    std::int64_t outbox_rows = 0;
    std::int64_t items_checked = 0;
    std::vector<std::string> anomalies;  // the first ones, with details

    bool Clean() const noexcept { return api.Clean() && bids.Clean() && closing.Clean() && outbox_rows == 0; }
};

std::optional<std::int64_t> ParseCents(const std::string& text);
std::string FormatCents(std::int64_t cents);

Report Check(const std::vector<ApiOp>& api_ops, const std::vector<BidOp>& bid_ops, const std::vector<WireEvent>& events,
             const FinalState& state);

/// Human table and one-line JSON summary.
std::string FormatTable(const Report& r);
std::string FormatJson(const Report& r);

}  // namespace auction::chaos
