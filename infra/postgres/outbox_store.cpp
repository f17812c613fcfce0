#include "infra/postgres/outbox_store.hpp"

#include <poll.h>

#include "pkg/timeutil/rfc3339.hpp"

namespace auction::postgres::outbox {

std::string InsertCte(int first) {
    auto p = [first](int i) { return Placeholder(static_cast<std::size_t>(first + i)); };
    return "ev AS (INSERT INTO outbox_events (event_id, exchange, routing_key, aggregate_id, correlation_id, body, "
           "created_at) VALUES (" +
           p(0) + "::uuid, " + p(1) + ", " + p(2) + ", " + p(3) + ", " + p(4) + ", " + p(5) + ", " + p(6) +
           "::timestamptz) RETURNING id)";
}

void AppendParams(Params& params, const events::OutboxMessage& m) {
    params.emplace_back(m.event_id);
    params.emplace_back(m.exchange);
    params.emplace_back(m.routing_key);
    params.emplace_back(m.aggregate_id);
    params.emplace_back(m.correlation_id);
    params.emplace_back(m.body);
    params.emplace_back(timeutil::FormatRfc3339(m.occurred_at));
}

std::string InsertBatchCte(int first) {
    auto p = [first](int i) { return Placeholder(static_cast<std::size_t>(first + i)); };
    // WITH ORDINALITY + ORDER BY: ids (the relay's publishing order) follow the vector's order.
    return "ev AS (INSERT INTO outbox_events (event_id, exchange, routing_key, aggregate_id, correlation_id, body, "
           "created_at) SELECT e.event_id, e.exchange, e.routing_key, e.aggregate_id, e.correlation_id, e.body, "
           "e.created_at FROM unnest(" +
           p(0) + "::uuid[], " + p(1) + "::text[], " + p(2) + "::text[], " + p(3) + "::text[], " + p(4) + "::text[], " +
           p(5) + "::text[], " + p(6) +
           "::timestamptz[]) WITH ORDINALITY AS e(event_id, exchange, routing_key, aggregate_id, correlation_id, "
           "body, created_at, n) ORDER BY e.n RETURNING id)";
}

void AppendBatchParams(Params& params, const std::vector<events::OutboxMessage>& messages) {
    std::vector<std::vector<std::string>> columns(7);
    for (auto& column : columns) {
        column.reserve(messages.size());
    }
    for (const auto& m : messages) {
        columns[0].push_back(m.event_id);
        columns[1].push_back(m.exchange);
        columns[2].push_back(m.routing_key);
        columns[3].push_back(m.aggregate_id);
        columns[4].push_back(m.correlation_id);
        columns[5].push_back(m.body);
        columns[6].push_back(timeutil::FormatRfc3339(m.occurred_at));
    }
    AppendArrayParams(params, columns);
}

void Insert(PgConnection& conn, const events::OutboxMessage& message) {
    static const std::string kSql =
        "WITH " + InsertCte(1) + " SELECT pg_notify('" + std::string(kOutboxChannel) + "', '') FROM ev";
    Params params;
    AppendParams(params, message);
    conn.ExecPrepared("outbox_insert", kSql.c_str(), params);
}

std::vector<PendingEvent> FetchBatch(PgConnection& conn, int limit) {
    auto rows =
        conn.ExecPrepared("outbox_fetch",
                          "SELECT id, event_id::text, exchange, routing_key, aggregate_id, correlation_id, body, "
                          "(extract(epoch FROM created_at) * 1000000)::bigint FROM outbox_events ORDER BY id LIMIT $1",
                          {std::to_string(limit)});
    std::vector<PendingEvent> out;
    out.reserve(static_cast<std::size_t>(rows.Rows()));
    for (int i = 0; i < rows.Rows(); ++i) {
        PendingEvent e;
        e.id = rows.Int64(i, 0);
        e.message.event_id = rows.String(i, 1);
        e.message.exchange = rows.String(i, 2);
        e.message.routing_key = rows.String(i, 3);
        e.message.aggregate_id = rows.String(i, 4);
        e.message.correlation_id = rows.String(i, 5);
        e.message.body = rows.String(i, 6);
        e.message.occurred_at = rows.Int64(i, 7);
        out.push_back(std::move(e));
    }
    return out;
}

void DeleteBatch(PgConnection& conn, const std::vector<std::int64_t>& ids) {
    std::string array = "{";
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (i > 0) {
            array += ',';
        }
        array += std::to_string(ids[i]);
    }
    array += '}';
    conn.ExecPrepared("outbox_delete", "DELETE FROM outbox_events WHERE id = ANY($1::bigint[])", {array});
}

std::int64_t Backlog(PgConnection& conn) {
    return conn.ExecPrepared("outbox_backlog", "SELECT count(*) FROM outbox_events", {}).Int64(0, 0);
}

}  // namespace auction::postgres::outbox

namespace auction::postgres {

namespace {

constexpr const char* kRelayLockKey = "7243100002";

}  // namespace

PgOutboxSession::PgOutboxSession(const std::string& conninfo)
    : conn_(PgConnection::Connect(conninfo, std::chrono::seconds(30))) {
    conn_->Exec(std::string("LISTEN ") + kOutboxChannel);
}

bool PgOutboxSession::TryLead() {
    return conn_->ExecParams("SELECT pg_try_advisory_lock($1::bigint)", {kRelayLockKey}).Bool(0, 0);
}

// Waits for a NOTIFY on the session's connection, or the timeout; drains pending notifications.
void PgOutboxSession::WaitForEvents(std::chrono::milliseconds timeout) {
    PGconn* raw = conn_->Raw();
    pollfd fd{PQsocket(raw), POLLIN, 0};
    if (poll(&fd, 1, static_cast<int>(timeout.count())) < 0) {
        return;
    }
    if (PQconsumeInput(raw) == 0) {
        throw PgError("lost the relay's database connection", "", "", true);
    }
    while (PGnotify* n = PQnotifies(raw)) {
        PQfreemem(n);
    }
}

ports::OutboxSessionFactory OutboxSessions(std::string conninfo) {
    return [conninfo = std::move(conninfo)]() -> std::unique_ptr<ports::OutboxSession> {
        return std::make_unique<PgOutboxSession>(conninfo);
    };
}

}  // namespace auction::postgres
