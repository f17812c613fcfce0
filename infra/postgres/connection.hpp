#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "pkg/errors/errors.hpp"

namespace auction::postgres {

/// A failed libpq call. `sqlstate` is empty when the failure was the connection itself.
class PgError : public errors::DependencyFailure {
public:
    PgError(const std::string& message, std::string sqlstate, std::string constraint, bool connection_lost);

    /// The SQLSTATE as a neutral error kind (MapPgError).
    errors::Error Public() const override;
    const char* LogMessage() const noexcept override { return "database error"; }
    void AddLogFields(boost::json::object& fields) const override;
    bool Unreachable() const noexcept override { return connection_lost_; }

    const std::string& sqlstate() const noexcept { return sqlstate_; }
    const std::string& constraint() const noexcept { return constraint_; }
    bool connection_lost() const noexcept { return connection_lost_; }

private:
    std::string sqlstate_;
    std::string constraint_;
    bool connection_lost_;
};

/// The error of a failed result (or, with `result` null, of the connection): SQLSTATE, constraint name,
/// and whether the connection is gone. The one place libpq errors become PgError.
PgError ErrorFrom(const PGresult* result, PGconn* conn);

struct PgResultDeleter {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};
struct PgConnDeleter {
    void operator()(PGconn* c) const noexcept { PQfinish(c); }
};

/// A successful result in text format; accessors never throw on valid indexes.
class PgResult {
public:
    explicit PgResult(PGresult* r) : result_(r) {}

    int Rows() const noexcept { return PQntuples(result_.get()); }
    bool IsNull(int row, int col) const noexcept { return PQgetisnull(result_.get(), row, col) != 0; }
    std::string_view Get(int row, int col) const noexcept {
        return {PQgetvalue(result_.get(), row, col), static_cast<std::size_t>(PQgetlength(result_.get(), row, col))};
    }
    std::string String(int row, int col) const { return std::string(Get(row, col)); }
    std::optional<std::string> OptString(int row, int col) const {
        return IsNull(row, col) ? std::nullopt : std::optional<std::string>(String(row, col));
    }
    std::int64_t Int64(int row, int col) const;
    bool Bool(int row, int col) const noexcept { return Get(row, col) == "t"; }
    /// Number of rows an INSERT/UPDATE/DELETE touched.
    std::int64_t Affected() const;

private:
    std::unique_ptr<PGresult, PgResultDeleter> result_;
};

/// Query parameters, sent as text; nullopt is SQL NULL.
using Params = std::vector<std::optional<std::string>>;

/// `$n`, the placeholder of parameter n. Appended rather than `"$" + std::to_string(n)`: GCC 12 at -O3 (the
/// image's Release build) reports a bogus -Wrestrict on that operator+ (GCC bug 105651), an error with -Werror.
inline std::string Placeholder(std::size_t n) {
    std::string placeholder = "$";
    placeholder += std::to_string(n);
    return placeholder;
}

/// One libpq connection. Not thread-safe: a connection belongs to one thread at a time (via the pool).
/// Every PQ* result is checked here and nowhere else.
class PgConnection {
public:
    using Clock = std::chrono::steady_clock;

    /// Connects (blocking, bounded by connect_timeout in `conninfo`) and sets statement_timeout and UTC.
    static std::unique_ptr<PgConnection> Connect(const std::string& conninfo,
                                                 std::chrono::milliseconds statement_timeout);

    /// Simple-protocol query: may hold several statements, takes no parameters.
    PgResult Exec(const std::string& sql);
    /// Unnamed extended-protocol statement (planned per call).
    PgResult ExecParams(const std::string& sql, const Params& params);
    /// Named statement, prepared on this connection the first time it is used.
    PgResult ExecPrepared(const char* name, const char* sql, const Params& params);
    /// The same, sent with parameterless statements that must run first (a transaction's BEGIN) in one round
    /// trip: libpq's pipeline mode, one Sync after all of them. Returns the named statement's result; the first
    /// error of any throws, once every answer has been read (the connection stays usable).
    PgResult ExecPreparedAfter(const std::vector<const char*>& first, const char* name, const char* sql,
                               const Params& params);
    /// The same, with parameterless statements sent after it too (a transaction's COMMIT), all in one round
    /// trip. Once one command fails the server skips the rest up to the Sync, so a COMMIT after a failed
    /// statement never runs.
    PgResult ExecPreparedBetween(const std::vector<const char*>& first, const char* name, const char* sql,
                                 const Params& params, const std::vector<const char*>& then);

    bool Ok() const noexcept { return PQstatus(conn_.get()) == CONNECTION_OK; }
    /// For an idle pooled connection: false when the server has closed it meanwhile (e.g. a restart),
    /// found without a round trip (one poll of the socket).
    bool StillAlive() noexcept;
    PGconn* Raw() noexcept { return conn_.get(); }
    Clock::time_point created_at() const noexcept { return created_at_; }

private:
    explicit PgConnection(PGconn* conn) : conn_(conn), created_at_(Clock::now()) {}
    PgResult Check(PGresult* r);

    std::unique_ptr<PGconn, PgConnDeleter> conn_;
    std::unordered_set<std::string> prepared_;
    Clock::time_point created_at_;
};

/// BEGIN on construction; ROLLBACK on destruction unless Commit() ran.
class PgTransaction {
public:
    /// How the transaction commits. Either way Commit() returns once the transaction is durable: synchronously
    /// (COMMIT waits for the WAL flush), or asynchronously (COMMIT does not; a synchronous transaction that writes
    /// one WAL record and its commit record then waits for a flush that covers both, in the same round trip). The
    /// second form holds no lock through the fsync: see ApplyPlacedBids for why that matters.
    enum class Durability { kSynchronousCommit, kAsynchronousCommit };
    /// When BEGIN is sent: at once, or with the transaction's first statement (ExecPrepared below), which saves
    /// the round trip that waits for BEGIN's answer.
    enum class Begin { kNow, kWithFirstStatement };
    explicit PgTransaction(PgConnection& conn, Durability durability = Durability::kSynchronousCommit,
                           Begin begin = Begin::kNow);
    ~PgTransaction();
    PgTransaction(const PgTransaction&) = delete;
    PgTransaction& operator=(const PgTransaction&) = delete;

    /// A named statement in this transaction (with its BEGIN, if not sent yet).
    PgResult ExecPrepared(const char* name, const char* sql, const Params& params);
    void Commit();
    /// A named statement that is the transaction's last: sent with its BEGIN (if not sent yet) and the commit in
    /// one round trip. Returns once the transaction is durable, as Commit() does; if the statement fails,
    /// nothing of the transaction is committed and the error is thrown.
    PgResult ExecPreparedAndCommit(const char* name, const char* sql, const Params& params);

private:
    std::vector<const char*> BeginStatements() const;
    std::vector<const char*> CommitStatements() const;

    PgConnection& conn_;
    Durability durability_;
    bool begun_ = false;
    bool done_ = false;
};

/// Parses a PostgreSQL text array of simple elements (`{a,b}`) into strings.
std::vector<std::string> ParseTextArray(std::string_view text);
/// Formats strings as a PostgreSQL text array literal, quoting every element.
std::string FormatTextArray(const std::vector<std::string>& values);
/// Appends each column as one array parameter, for statements that take rows as `unnest($a::t[], $b::t[], ...)`.
void AppendArrayParams(Params& params, const std::vector<std::vector<std::string>>& columns);

}  // namespace auction::postgres
