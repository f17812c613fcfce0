#pragma once

#include "infra/postgres/connection.hpp"
#include "infra/postgres/db_executor.hpp"
#include "ports/idempotency.hpp"

namespace auction::postgres {

/// ports::IdempotencyStore on idempotency_keys (migration 014).
class PgIdempotencyStore final : public ports::IdempotencyStore {
public:
    explicit PgIdempotencyStore(DbExecutor& db) : db_(db) {}

    boost::asio::awaitable<ports::IdempotencyBegin> Begin(std::string user, std::string key, std::string fingerprint,
                                                          std::chrono::milliseconds lease,
                                                          std::chrono::milliseconds ttl) override;
    boost::asio::awaitable<void> Release(ports::IdempotencyClaim claim) override;

private:
    DbExecutor& db_;
};

/// Inside a write's transaction, before its commit: stores the answer under the request's claim. Throws a 409
/// errors::Error when the claim is no longer this request's (its lease ran out and another request took the key),
/// which rolls the write back.
void CompleteIdempotent(PgConnection& conn, const ports::IdempotencyClaim& claim, const ports::StoredAnswer& answer);

/// CompleteIdempotent when `idempotency` holds a claim: renders the answer from `created` first.
template <typename T>
void CompleteIdempotent(PgConnection& conn, const ports::Idempotent<T>& idempotency, const T& created) {
    if (idempotency.claim) {
        CompleteIdempotent(conn, *idempotency.claim, idempotency.render(created));
    }
}

}  // namespace auction::postgres
