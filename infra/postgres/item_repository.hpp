#pragma once

#include "infra/postgres/db_executor.hpp"
#include "infra/postgres/pipeline.hpp"
#include "pkg/executor/batching_pool.hpp"
#include "ports/repositories.hpp"

namespace auction::postgres {

/// Decodes one row selected with kItemColumns (shared with the worker's bid repository).
domain::Item ItemFromRow(const PgResult& rows, int row);
/// The column list ItemFromRow expects, for a table aliased `i`; a query may select more after them.
extern const char* const kItemColumns;
inline constexpr int kItemColumnCount = 17;

class PgItemRepository final : public ports::ItemRepository {
public:
    /// Writes run on `db` (the pool, off the I/O threads), creates grouped into shared commits; reads go through
    /// `reads`: pipelined, on the I/O threads.
    PgItemRepository(DbExecutor& db, PgPipeline& reads);

    boost::asio::awaitable<domain::Item> Create(domain::Item item, events::EventMeta meta) override;
    boost::asio::awaitable<std::optional<domain::Item>> Get(std::string id) override;
    boost::asio::awaitable<ports::ItemPage> List(ports::ItemQuery query) override;
    boost::asio::awaitable<std::optional<domain::Item>> Update(std::string id, ports::ItemDecision decide,
                                                               events::EventMeta meta) override;
    boost::asio::awaitable<bool> Delete(std::string id, std::function<void(const domain::Item&)> check,
                                        events::EventMeta meta) override;

    /// Group commits of Create so far: batches and the items they held.
    struct CreateStats {
        std::uint64_t batches = 0;
        std::uint64_t items = 0;
    };
    CreateStats GetCreateStats() const;

private:
    struct CreateRequest {
        domain::Item item;
        events::EventMeta meta;
    };
    using CreatePool = executor::BatchingPool<CreateRequest, domain::Item>;
    std::vector<CreatePool::Outcome> CreateBatch(std::vector<CreateRequest>& requests);

    DbExecutor& db_;
    PgPipeline& reads_;
    // Concurrent creates share a transaction (group commit): one WAL flush for all the items that arrived
    // while the previous commit ran. Two batches may be in flight at once.
    CreatePool creates_;
};

}  // namespace auction::postgres
