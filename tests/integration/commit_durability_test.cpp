// PgTransaction's promise, on the real PostgreSQL: Commit() returns once the transaction is durable, also for the
// asynchronous form the worker's bid batches use. The worker acknowledges bids on that promise, so a commit still in
// the server's WAL buffers when it acknowledged was a lost bid after a kill -9 of the server (docs/CHAOS.md).
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "infra/postgres/connection.hpp"
#include "pkg/ids/uuid.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

using namespace std::chrono_literals;

TEST(CommitDurability, AnAsynchronousCommitIsFlushedWhenCommitReturns) {
    ApiServer::Shared();  // migrations applied
    auto db = postgres::PgConnection::Connect(TestApiConfig().postgres.ConnInfo("durability-test"), 5s);
    const std::string probe = "durability-probe-" + ids::NewUuidV4();
    // Several rounds: without a flush in Commit(), the WAL writer (every wal_writer_delay, 200 ms by default, or at
    // once when it was idle) may still flush a commit before the next statement by chance; not 20 times in a row.
    for (int round = 0; round < 20; ++round) {
        std::string written;
        {
            postgres::PgTransaction tx(*db, postgres::PgTransaction::Durability::kAsynchronousCommit);
            db->ExecParams(
                "INSERT INTO processed_bid_events (bid_id, event_type, item_id) VALUES ($1, 'bid.placed', $2::uuid)",
                {probe + "-" + std::to_string(round), ids::NewUuidV4()});
            // The insert's WAL ends at or before this point, and the commit record comes after it.
            written = db->Exec("SELECT pg_current_wal_insert_lsn()::text").String(0, 0);
            tx.Commit();
        }
        const auto flushed = db->ExecParams("SELECT pg_current_wal_flush_lsn() >= $1::pg_lsn", {written});
        EXPECT_EQ(flushed.String(0, 0), "t")
            << "round " << round << ": the WAL up to " << written << " was not flushed when Commit() returned";
    }
    db->ExecParams("DELETE FROM processed_bid_events WHERE bid_id LIKE $1", {probe + "-%"});
}

}  // namespace
}  // namespace auction::testing
