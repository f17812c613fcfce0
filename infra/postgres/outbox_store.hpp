#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "infra/postgres/connection.hpp"
#include "pkg/events/events.hpp"
#include "ports/outbox.hpp"

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

using ports::PendingEvent;

/// Oldest unpublished events first (id order keeps per-item order: writers lock the item first).
std::vector<PendingEvent> FetchBatch(PgConnection& conn, int limit);
/// Removes events the broker confirmed.
void DeleteBatch(PgConnection& conn, const std::vector<std::int64_t>& ids);
std::int64_t Backlog(PgConnection& conn);

}  // namespace outbox

/// The relay's session (ports::OutboxSession) on a connection of its own: LISTENs on kOutboxChannel and
/// elects the active relay with a session-level advisory lock, released when the connection closes.
class PgOutboxSession : public ports::OutboxSession {
public:
    /// Connects (waiting up to 30 s) and starts listening.
    explicit PgOutboxSession(const std::string& conninfo);

    bool Ok() const override { return conn_->Ok(); }
    bool TryLead() override;
    std::vector<ports::PendingEvent> FetchBatch(int limit) override { return outbox::FetchBatch(*conn_, limit); }
    void WaitForEvents(std::chrono::milliseconds timeout) override;
    void DeleteBatch(const std::vector<std::int64_t>& ids) override { outbox::DeleteBatch(*conn_, ids); }

private:
    std::unique_ptr<PgConnection> conn_;
};

/// Sessions of PgOutboxSession on `conninfo`, for the relay's options.
ports::OutboxSessionFactory OutboxSessions(std::string conninfo);
}  // namespace auction::postgres
