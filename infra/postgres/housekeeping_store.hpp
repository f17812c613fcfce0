#pragma once

#include "infra/postgres/pool.hpp"
#include "ports/housekeeping.hpp"

namespace auction::postgres {

/// ports::ObjectDeletionQueue on pending_object_deletions (migration 013).
class PgObjectDeletionQueue : public ports::ObjectDeletionQueue {
public:
    explicit PgObjectDeletionQueue(PgPool& pool) : pool_(pool) {}

    std::vector<std::string> Claim(int limit, std::chrono::milliseconds lease) override;
    void Done(const std::vector<std::string>& keys) override;
    void Retry(const std::string& key, std::chrono::milliseconds delay, const std::string& error) override;
    std::int64_t Pending() override;

private:
    PgPool& pool_;
};

/// ports::RetentionStore for processed_bid_events and bid_receipts (by their time columns).
class PgRetentionStore : public ports::RetentionStore {
public:
    explicit PgRetentionStore(PgPool& pool) : pool_(pool) {}

    std::int64_t PurgeBatch(const std::string& table, std::chrono::milliseconds retention, int limit) override;

private:
    PgPool& pool_;
};

}  // namespace auction::postgres
