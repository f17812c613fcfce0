#include "infra/postgres/housekeeping_store.hpp"

#include <map>
#include <stdexcept>

namespace auction::postgres {

std::vector<std::string> PgObjectDeletionQueue::Claim(int limit, std::chrono::milliseconds lease) {
    // One statement, autocommitted: the lease (next_attempt_at moved ahead) is the claim, so no transaction stays
    // open while S3 is asked.
    static constexpr const char* kSql =
        "UPDATE pending_object_deletions SET attempts = attempts + 1, "
        "next_attempt_at = now() + $2::bigint * interval '1 millisecond' "
        "WHERE object_key IN (SELECT object_key FROM pending_object_deletions WHERE next_attempt_at <= now() "
        "  ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING object_key";
    auto lease_conn = pool_.Acquire();
    auto rows = lease_conn->ExecPrepared("objects_claim", kSql, {std::to_string(limit), std::to_string(lease.count())});
    std::vector<std::string> keys;
    keys.reserve(static_cast<std::size_t>(rows.Rows()));
    for (int r = 0; r < rows.Rows(); ++r) {
        keys.push_back(rows.String(r, 0));
    }
    return keys;
}

void PgObjectDeletionQueue::Done(const std::vector<std::string>& keys) {
    if (keys.empty()) {
        return;
    }
    auto conn = pool_.Acquire();
    conn->ExecPrepared("objects_done", "DELETE FROM pending_object_deletions WHERE object_key = ANY($1::text[])",
                       {FormatTextArray(keys)});
}

void PgObjectDeletionQueue::Retry(const std::string& key, std::chrono::milliseconds delay, const std::string& error) {
    auto conn = pool_.Acquire();
    conn->ExecPrepared("objects_retry",
                       "UPDATE pending_object_deletions SET next_attempt_at = now() + $2::bigint * interval "
                       "'1 millisecond', last_error = left($3, 500) WHERE object_key = $1",
                       {key, std::to_string(delay.count()), error});
}

std::int64_t PgObjectDeletionQueue::Pending() {
    auto conn = pool_.Acquire();
    return conn->ExecPrepared("objects_pending", "SELECT count(*) FROM pending_object_deletions", {}).Int64(0, 0);
}

std::int64_t PgRetentionStore::PurgeBatch(const std::string& table, std::chrono::milliseconds retention, int limit) {
    // The tables and their time columns; the statement text is fixed per table (never built from input).
    static const std::map<std::string, std::string> kSql = {
        {"processed_bid_events",
         "DELETE FROM processed_bid_events WHERE ctid = ANY(ARRAY(SELECT ctid FROM processed_bid_events "
         "WHERE processed_at < now() - $1::bigint * interval '1 millisecond' LIMIT $2 FOR UPDATE SKIP LOCKED))"},
        {"idempotency_keys",
         "DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY(SELECT ctid FROM idempotency_keys "
         "WHERE created_at < now() - $1::bigint * interval '1 millisecond' LIMIT $2 FOR UPDATE SKIP LOCKED))"},
        {"bid_receipts",
         "DELETE FROM bid_receipts WHERE ctid = ANY(ARRAY(SELECT ctid FROM bid_receipts "
         "WHERE received_at < now() - $1::bigint * interval '1 millisecond' LIMIT $2 FOR UPDATE SKIP LOCKED))"},
    };
    const auto it = kSql.find(table);
    if (it == kSql.end()) {
        throw std::invalid_argument("no retention rule for table " + table);
    }
    auto conn = pool_.Acquire();
    const std::string name = "purge_" + table;
    return conn
        ->ExecPrepared(name.c_str(), it->second.c_str(), {std::to_string(retention.count()), std::to_string(limit)})
        .Affected();
}

}  // namespace auction::postgres
