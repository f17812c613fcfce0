#pragma once

#include "infra/postgres/connection.hpp"
#include "infra/postgres/pool.hpp"
#include "ports/lifecycle.hpp"

namespace auction::postgres {

/// Expires the due items (ports::AuctionClosingStore::CloseDue) on `conn`, in one transaction with their events.
std::vector<ports::ClosedItem> CloseDueItems(PgConnection& conn, std::chrono::milliseconds grace,
                                             std::chrono::milliseconds settle_timeout, int limit);

/// ports::AuctionClosingStore on the pool: each call takes a connection for its transaction.
class PgAuctionClosingStore : public ports::AuctionClosingStore {
public:
    explicit PgAuctionClosingStore(PgPool& pool) : pool_(pool) {}

    std::vector<ports::ClosedItem> CloseDue(std::chrono::milliseconds grace, std::chrono::milliseconds settle_timeout,
                                            int limit) override {
        auto lease = pool_.Acquire();
        return CloseDueItems(*lease, grace, settle_timeout, limit);
    }

private:
    PgPool& pool_;
};

}  // namespace auction::postgres
