#include "infra/postgres/connection.hpp"

#include <poll.h>

#include <charconv>

#include "infra/postgres/error_mapping.hpp"
#include "pkg/logging/logger.hpp"

namespace auction::postgres {

PgError::PgError(const std::string& message, std::string sqlstate, std::string constraint, bool connection_lost)
    : errors::DependencyFailure(message),
      sqlstate_(std::move(sqlstate)),
      constraint_(std::move(constraint)),
      connection_lost_(connection_lost) {}

errors::Error PgError::Public() const {
    return MapPgError(*this);
}

void PgError::AddLogFields(boost::json::object& fields) const {
    fields["sqlstate"] = sqlstate_;
}

std::int64_t PgResult::Int64(int row, int col) const {
    const auto v = Get(row, col);
    std::int64_t out = 0;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || ptr != v.data() + v.size()) {
        throw PgError("column is not an integer", "", "", false);
    }
    return out;
}

std::int64_t PgResult::Affected() const {
    const char* n = PQcmdTuples(result_.get());
    if (n == nullptr || *n == '\0') {
        return 0;
    }
    return std::stoll(n);
}

std::unique_ptr<PgConnection> PgConnection::Connect(const std::string& conninfo,
                                                    std::chrono::milliseconds statement_timeout) {
    PGconn* raw = PQconnectdb(conninfo.c_str());
    if (raw == nullptr) {
        throw PgError("out of memory allocating a PostgreSQL connection", "", "", true);
    }
    std::unique_ptr<PgConnection> conn(new PgConnection(raw));
    // Server NOTICEs (e.g. "already exists, skipping" from idempotent migrations) go to the debug log,
    // not to stderr.
    PQsetNoticeProcessor(
        raw,
        [](void*, const char* message) {
            logging::Debug("postgres notice", {{"message", message}});
        },
        nullptr);
    if (PQstatus(raw) != CONNECTION_OK) {
        throw PgError(std::string("cannot connect to PostgreSQL: ") + PQerrorMessage(raw), "", "", true);
    }
    conn->Exec("SET statement_timeout = " + std::to_string(statement_timeout.count()) +
               "; SET TIME ZONE 'UTC'; SET idle_in_transaction_session_timeout = 60000");
    return conn;
}

PgError ErrorFrom(const PGresult* r, PGconn* conn) {
    std::string sqlstate;
    std::string constraint;
    std::string message = "query failed: ";
    if (r != nullptr) {
        if (const char* s = PQresultErrorField(r, PG_DIAG_SQLSTATE)) {
            sqlstate = s;
        }
        if (const char* c = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME)) {
            constraint = c;
        }
        message += PQresultErrorMessage(r);
    } else {
        message += PQerrorMessage(conn);
    }
    const bool lost = PQstatus(conn) != CONNECTION_OK || sqlstate.rfind("08", 0) == 0 || sqlstate == "57P01" ||
                      sqlstate == "57P02" || sqlstate == "57P03";
    return {message, std::move(sqlstate), std::move(constraint), lost};
}

PgResult PgConnection::Check(PGresult* r) {
    const auto status = r == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(r);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
        return PgResult(r);
    }
    auto error = ErrorFrom(r, conn_.get());
    if (r != nullptr) {
        PQclear(r);
    }
    throw error;
}

bool PgConnection::StillAlive() noexcept {
    if (!Ok()) {
        return false;
    }
    pollfd fd{PQsocket(conn_.get()), POLLIN, 0};
    // Pooled connections do not LISTEN, so an idle one only receives something when the server ends it
    // (a restart sends "terminating connection" and closes): readable means dead.
    return poll(&fd, 1, 0) == 0;
}

PgResult PgConnection::Exec(const std::string& sql) {
    return Check(PQexec(conn_.get(), sql.c_str()));
}

namespace {

std::vector<const char*> Values(const Params& params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) {
        values.push_back(p ? p->c_str() : nullptr);
    }
    return values;
}

}  // namespace

PgResult PgConnection::ExecParams(const std::string& sql, const Params& params) {
    const auto values = Values(params);
    return Check(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                              nullptr, nullptr, 0));
}

PgResult PgConnection::ExecPrepared(const char* name, const char* sql, const Params& params) {
    if (prepared_.find(name) == prepared_.end()) {
        Check(PQprepare(conn_.get(), name, sql, static_cast<int>(params.size()), nullptr));
        prepared_.insert(name);
    }
    const auto values = Values(params);
    return Check(
        PQexecPrepared(conn_.get(), name, static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0));
}

PgResult PgConnection::ExecPreparedAfter(const std::vector<const char*>& first, const char* name, const char* sql,
                                         const Params& params) {
    return ExecPreparedBetween(first, name, sql, params, {});
}

PgResult PgConnection::ExecPreparedBetween(const std::vector<const char*>& first, const char* name, const char* sql,
                                           const Params& params, const std::vector<const char*>& then) {
    PGconn* raw = conn_.get();
    const bool prepare = prepared_.find(name) == prepared_.end();
    const auto values = Values(params);
    if (PQenterPipelineMode(raw) != 1) {
        throw ErrorFrom(nullptr, raw);
    }
    int sent = 0;
    bool ok = true;
    const auto send_plain = [&](const std::vector<const char*>& statements) {
        for (const char* statement : statements) {
            ok = ok && PQsendQueryParams(raw, statement, 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
            sent += ok ? 1 : 0;
        }
    };
    send_plain(first);
    if (ok && prepare) {
        ok = PQsendPrepare(raw, name, sql, static_cast<int>(params.size()), nullptr) == 1;
        sent += ok ? 1 : 0;
    }
    ok = ok && PQsendQueryPrepared(raw, name, static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0) == 1;
    sent += ok ? 1 : 0;
    send_plain(then);
    ok = ok && PQpipelineSync(raw) == 1;
    // Every answer is read before anything is thrown, up to the Sync's; each command's result is followed by a
    // null. A lost connection ends the reading (PQgetResult then returns null for good). After an error the
    // server skips every later command up to the Sync (each answers PGRES_PIPELINE_ABORTED): a COMMIT sent after
    // a failed statement never runs.
    std::vector<std::unique_ptr<PGresult, PgResultDeleter>> results;
    while (ok) {
        PGresult* r = PQgetResult(raw);
        if (r == nullptr) {
            if (PQstatus(raw) != CONNECTION_OK) {
                break;
            }
            continue;
        }
        if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            break;
        }
        results.emplace_back(r);
    }
    const bool exited = PQexitPipelineMode(raw) == 1;
    // A statement prepared is prepared for the session, whatever failed after it (a rollback does not undo it).
    const std::size_t prepare_at = first.size();
    if (prepare && results.size() > prepare_at && PQresultStatus(results[prepare_at].get()) == PGRES_COMMAND_OK) {
        prepared_.insert(name);
    }
    if (!ok || !exited || static_cast<int>(results.size()) != sent) {
        throw ErrorFrom(nullptr, raw);
    }
    for (const auto& result : results) {
        const auto status = PQresultStatus(result.get());
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
            throw ErrorFrom(result.get(), raw);
        }
    }
    return PgResult(results[prepare_at + (prepare ? 1 : 0)].release());
}

namespace {

// Parameterless statements as one multi-statement simple query: one round trip, outside a pipeline.
std::string Joined(const std::vector<const char*>& statements) {
    std::string sql;
    for (const char* statement : statements) {
        sql += sql.empty() ? "" : "; ";
        sql += statement;
    }
    return sql;
}

}  // namespace

PgTransaction::PgTransaction(PgConnection& conn, Durability durability, Begin begin)
    : conn_(conn), durability_(durability) {
    if (begin == Begin::kNow) {
        conn_.Exec(Joined(BeginStatements()));
        begun_ = true;
    }
}

std::vector<const char*> PgTransaction::BeginStatements() const {
    if (durability_ == Durability::kAsynchronousCommit) {
        return {"BEGIN", "SET LOCAL synchronous_commit TO off"};
    }
    return {"BEGIN"};
}

PgResult PgTransaction::ExecPrepared(const char* name, const char* sql, const Params& params) {
    if (begun_) {
        return conn_.ExecPrepared(name, sql, params);
    }
    begun_ = true;  // even if it fails: the destructor's ROLLBACK ends whatever began
    return conn_.ExecPreparedAfter(BeginStatements(), name, sql, params);
}

PgTransaction::~PgTransaction() {
    if (!done_ && conn_.Ok()) {
        // A failed rollback leaves the connection unusable; the pool sees !Ok() and discards it.
        PGresult* r = PQexec(conn_.Raw(), "ROLLBACK");
        if (r != nullptr) {
            PQclear(r);
        }
    }
}

// After an asynchronous COMMIT, a second, synchronous transaction in the same round trip waits for a WAL flush
// that covers the first one's commit record. PostgreSQL flushes at commit only for a transaction that has an id
// (txid_current()) *and* wrote WAL before its commit record (RecordTransactionCommit's wrote_xlog): an id alone
// commits asynchronously too, and then nothing waited for the flush (a kill -9 of the server up to
// wal_writer_delay after COMMIT lost acknowledged bids: docs/CHAOS.md). pg_logical_emit_message(false, ...)
// writes one small WAL record (a no-op outside logical decoding, allowed to every role), so the flush happens.
// In a pipeline the SELECT after COMMIT runs in an implicit transaction that commits (synchronously) at the Sync.
constexpr const char* kFlushStatement = "SELECT txid_current(), pg_logical_emit_message(false, 'auction', 'flush')";

std::vector<const char*> PgTransaction::CommitStatements() const {
    if (durability_ == Durability::kAsynchronousCommit) {
        return {"COMMIT", kFlushStatement};
    }
    return {"COMMIT"};
}

void PgTransaction::Commit() {
    conn_.Exec(Joined(CommitStatements()));
    done_ = true;
}

PgResult PgTransaction::ExecPreparedAndCommit(const char* name, const char* sql, const Params& params) {
    const auto first = begun_ ? std::vector<const char*>{} : BeginStatements();
    begun_ = true;  // even if it fails: the destructor's ROLLBACK ends whatever began
    auto result = conn_.ExecPreparedBetween(first, name, sql, params, CommitStatements());
    done_ = true;
    return result;
}

void AppendArrayParams(Params& params, const std::vector<std::vector<std::string>>& columns) {
    for (const auto& column : columns) {
        params.emplace_back(FormatTextArray(column));
    }
}

std::vector<std::string> ParseTextArray(std::string_view text) {
    std::vector<std::string> out;
    if (text.size() < 2 || text.front() != '{' || text.back() != '}') {
        return out;
    }
    text = text.substr(1, text.size() - 2);
    if (text.empty()) {
        return out;
    }
    // Elements are bare or double-quoted with backslash escapes (PostgreSQL's array output).
    std::string current;
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '\\' && i + 1 < text.size()) {
                current += text[++i];
            } else if (c == '"') {
                quoted = false;
            } else {
                current += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out.push_back(std::move(current));
            current.clear();
        } else {
            current += c;
        }
    }
    out.push_back(std::move(current));
    return out;
}

std::string FormatTextArray(const std::vector<std::string>& values) {
    std::string out = "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        out += '"';
        for (char c : values[i]) {
            if (c == '"' || c == '\\') {
                out += '\\';
            }
            out += c;
        }
        out += '"';
    }
    out += '}';
    return out;
}

}  // namespace auction::postgres
