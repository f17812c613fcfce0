#include "infra/postgres/idempotency_store.hpp"

#include "pkg/errors/errors.hpp"
#include "pkg/ids/uuid.hpp"

namespace auction::postgres {

boost::asio::awaitable<ports::IdempotencyBegin> PgIdempotencyStore::Begin(std::string user, std::string key,
                                                                          std::string fingerprint,
                                                                          std::chrono::milliseconds lease,
                                                                          std::chrono::milliseconds ttl) {
    auto work = [user = std::move(user), key = std::move(key), fingerprint = std::move(fingerprint), lease,
                 ttl](PgConnection& conn) {
        // One statement: claim the key when it is free (never used, a claim whose lease ran out, an answer older
        // than the TTL), and in any case read what was there before (the outer SELECT sees the statement's
        // snapshot, i.e. the row as it was before this INSERT).
        static constexpr const char* kSql =
            "WITH claim AS (INSERT INTO idempotency_keys (user_id, idem_key, fingerprint, token, lease_until) "
            "  VALUES ($1, $2, $3, $4::uuid, now() + $5::bigint * interval '1 millisecond') "
            "  ON CONFLICT (user_id, idem_key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, "
            "    token = EXCLUDED.token, lease_until = EXCLUDED.lease_until, created_at = now(), "
            "    completed_at = NULL, status = NULL, content_type = NULL, location = NULL, etag = NULL, body = NULL "
            "  WHERE (idempotency_keys.completed_at IS NULL AND idempotency_keys.lease_until < now()) "
            "     OR idempotency_keys.created_at < now() - $6::bigint * interval '1 millisecond' "
            "  RETURNING token::text) "
            "SELECT (SELECT token FROM claim), k.fingerprint, k.completed_at IS NOT NULL, k.status, k.content_type, "
            "  k.location, k.etag, k.body FROM (SELECT 1) AS one "
            "LEFT JOIN idempotency_keys k ON k.user_id = $1 AND k.idem_key = $2";
        const auto token = ids::NewUuidV4();
        auto rows = conn.ExecPrepared(
            "idempotency_begin", kSql,
            {user, key, fingerprint, token, std::to_string(lease.count()), std::to_string(ttl.count())});
        ports::IdempotencyBegin out;
        if (!rows.IsNull(0, 0) && rows.Get(0, 0) == token) {
            out.kind = ports::IdempotencyBegin::Kind::kClaimed;
            out.claim = {user, key, token};
            return out;
        }
        if (rows.IsNull(0, 1)) {
            // Claimed by a request that committed while this statement waited for its row: it is in flight.
            out.kind = ports::IdempotencyBegin::Kind::kInFlight;
            return out;
        }
        if (rows.Get(0, 1) != fingerprint) {
            out.kind = ports::IdempotencyBegin::Kind::kMismatch;
            return out;
        }
        if (!rows.Bool(0, 2)) {
            out.kind = ports::IdempotencyBegin::Kind::kInFlight;
            return out;
        }
        out.kind = ports::IdempotencyBegin::Kind::kReplay;
        out.answer = {static_cast<int>(rows.Int64(0, 3)), rows.String(0, 4), rows.String(0, 5), rows.String(0, 6),
                      rows.String(0, 7)};
        return out;
    };
    co_return co_await db_.Run(std::move(work));
}

boost::asio::awaitable<void> PgIdempotencyStore::Release(ports::IdempotencyClaim claim) {
    auto work = [claim = std::move(claim)](PgConnection& conn) {
        conn.ExecPrepared("idempotency_release",
                          "DELETE FROM idempotency_keys WHERE user_id = $1 AND idem_key = $2 AND token = $3::uuid "
                          "AND completed_at IS NULL",
                          {claim.user, claim.key, claim.token});
        return true;
    };
    co_await db_.Run(std::move(work));
}

void CompleteIdempotent(PgConnection& conn, const ports::IdempotencyClaim& claim, const ports::StoredAnswer& answer) {
    static constexpr const char* kSql =
        "UPDATE idempotency_keys SET completed_at = now(), lease_until = NULL, status = $4, content_type = $5, "
        "location = $6, etag = $7, body = $8 "
        "WHERE user_id = $1 AND idem_key = $2 AND token = $3::uuid AND completed_at IS NULL";
    auto result = conn.ExecPrepared("idempotency_complete", kSql,
                                    {claim.user, claim.key, claim.token, std::to_string(answer.status),
                                     answer.content_type, answer.location, answer.etag, answer.body});
    if (result.Affected() != 1) {
        throw errors::Error(errors::Kind::kConflict,
                            "the Idempotency-Key's claim expired and another request with it took over; nothing was "
                            "changed by this one");
    }
}

}  // namespace auction::postgres
