#include "infra/postgres/connection_budget.hpp"

#include <algorithm>

#include "pkg/logging/logger.hpp"

namespace auction::postgres {

int ConnectionBudget::Left() const noexcept {
    return std::max(0, max_connections - reserved - open);
}

bool ExceedsBudget(const ConnectionBudget& budget, const ConnectionNeed& need) noexcept {
    return need.Total() > budget.Left();
}

ConnectionBudget ReadConnectionBudget(PgConnection& conn) {
    // Client backends only: autovacuum, the WAL writer and replication senders do not count against
    // max_connections. Any role may count the rows of pg_stat_activity (only their details are hidden).
    const auto row = conn.Exec(
        "SELECT current_setting('max_connections')::int, current_setting('superuser_reserved_connections')::int, "
        "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid())");
    ConnectionBudget budget;
    budget.max_connections = static_cast<int>(row.Int64(0, 0));
    budget.reserved = static_cast<int>(row.Int64(0, 1));
    budget.open = static_cast<int>(row.Int64(0, 2));
    return budget;
}

bool CheckConnectionBudget(const std::string& conninfo, const ConnectionNeed& need) {
    ConnectionBudget budget;
    try {
        auto conn = PgConnection::Connect(conninfo, std::chrono::seconds(5));
        budget = ReadConnectionBudget(*conn);
    } catch (const std::exception& e) {
        logging::Warn("cannot read PostgreSQL's connection budget", {{"error", e.what()}});
        return false;
    }
    const int usable = budget.max_connections - budget.reserved;
    boost::json::object fields{{"maxConnections", budget.max_connections},
                               {"reservedConnections", budget.reserved},
                               {"openConnections", budget.open},
                               {"leftConnections", budget.Left()},
                               {"maxOpenConns", need.pool},
                               {"otherConns", need.other},
                               {"neededConns", need.Total()},
                               // How many processes like this one the server takes in all, when nothing else is
                               // connected: the design's replicas, from replicas x DB_MAX_OPEN_CONNS < max_connections.
                               {"replicasThatFit", need.Total() > 0 ? std::max(0, usable) / need.Total() : 0},
                               {"rule", "replicas x DB_MAX_OPEN_CONNS < max_connections"}};
    if (!ExceedsBudget(budget, need)) {
        logging::Info("PostgreSQL connection budget", fields);
        return false;
    }
    logging::Warn(
        "PostgreSQL connection budget exceeded: this process may open more connections (DB_MAX_OPEN_CONNS plus "
        "its own) than the server has left; keep replicas x DB_MAX_OPEN_CONNS < max_connections",
        fields);
    return true;
}

}  // namespace auction::postgres
