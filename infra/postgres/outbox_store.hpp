#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "infra/postgres/connection.hpp"
#include "pkg/events/events.hpp"

namespace auction::postgres {

/// The notification channel that wakes the relay when an event commits.
inline constexpr const char* kOutboxChannel = "auction_outbox";

/// Outbox SQL, shared by the writers (inside their transactions) and the relay.
namespace outbox {

/// SQL fragment for a data-modifying CTE that inserts one event, taking parameters $first..$first+6
/// (event_id, exchange, routing_key, aggregate_id, correlation_id, body, occurred_at).
std::string InsertCte(int first_param);
/// Appends the seven parameters InsertCte expects.
void AppendParams(Params& params, const events::OutboxMessage& message);
/// Inserts an event and notifies the relay; call inside the transaction of the change.
void Insert(PgConnection& conn, const events::OutboxMessage& message);
/// Like InsertCte, for several events in one statement (e.g. one per created attribute), in vector order:
/// seven array parameters $first..$first+6, one element per event.
std::string InsertBatchCte(int first_param);
/// Appends the seven array parameters InsertBatchCte expects.
void AppendBatchParams(Params& params, const std::vector<events::OutboxMessage>& messages);

struct PendingEvent {
    std::int64_t id = 0;
    events::OutboxMessage message;
};

/// Oldest unpublished events first (id order keeps per-item order: writers lock the item first).
std::vector<PendingEvent> FetchBatch(PgConnection& conn, int limit);
/// Removes events the broker confirmed.
void DeleteBatch(PgConnection& conn, const std::vector<std::int64_t>& ids);
std::int64_t Backlog(PgConnection& conn);

}  // namespace outbox
}  // namespace auction::postgres
