#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "pkg/events/events.hpp"

namespace auction::ports {

/// An outbox row not yet published.
struct PendingEvent {
    std::int64_t id = 0;
    events::OutboxMessage message;
};

/// The outbox relay's session with the outbox store (infra/postgres implements it; the relay in
/// infra/rabbitmq knows no SQL). Blocking calls; each throws when the store fails, after which the relay
/// drops the session and opens another.
class OutboxSession {
public:
    virtual ~OutboxSession() = default;

    /// False once the session's connection is known to be lost.
    virtual bool Ok() const = 0;
    /// Tries to become the one active publisher among all processes; held while this session lives.
    virtual bool TryLead() = 0;
    /// Oldest unpublished events first (id order keeps per-item order: writers lock the item first).
    virtual std::vector<PendingEvent> FetchBatch(int limit) = 0;
    /// Waits until an event may have committed, or `timeout`.
    virtual void WaitForEvents(std::chrono::milliseconds timeout) = 0;
    /// Removes events the broker confirmed.
    virtual void DeleteBatch(const std::vector<std::int64_t>& ids) = 0;
};

/// Opens a session; throws when the store is unreachable.
using OutboxSessionFactory = std::function<std::unique_ptr<OutboxSession>()>;

}  // namespace auction::ports
