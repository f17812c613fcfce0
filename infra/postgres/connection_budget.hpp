#pragma once

#include <string>

#include "infra/postgres/connection.hpp"

namespace auction::postgres {

/// What a PostgreSQL server has room for, read when a process starts (docs/DEPLOYMENT.md, "Connection budget").
struct ConnectionBudget {
    int max_connections = 0;  // the server's max_connections
    int reserved = 0;         // superuser_reserved_connections: kept for administrators, not for the service
    int open = 0;             // client connections already open, other than the one that asked

    /// Connections a new process may still open: max_connections - reserved - open (at least 0).
    int Left() const noexcept;
};

/// The connections one process opens at most: its pool plus the ones it holds outside the pool.
struct ConnectionNeed {
    int pool = 0;   // DB_MAX_OPEN_CONNS
    int other = 0;  // the outbox relay's session; the API's read connections and its LISTEN connection

    int Total() const noexcept { return pool + other; }
};

/// Whether the process's connections would not fit into what the server has left.
bool ExceedsBudget(const ConnectionBudget& budget, const ConnectionNeed& need) noexcept;

/// Reads max_connections, superuser_reserved_connections and the open client connections (pg_stat_activity,
/// this one excluded).
ConnectionBudget ReadConnectionBudget(PgConnection& conn);

/// At start: reads the budget on a connection of its own and logs it, at info when the process fits and as one
/// warning line with the design's rule (replicas x DB_MAX_OPEN_CONNS < max_connections) when it does not. Never
/// throws: a budget that cannot be read is a warning too, and the start goes on. Returns whether it warned that
/// the budget is exceeded.
bool CheckConnectionBudget(const std::string& conninfo, const ConnectionNeed& need);

}  // namespace auction::postgres
