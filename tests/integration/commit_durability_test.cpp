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

// The worker's batches send BEGIN with their first statement (one round trip): it is one transaction, with the
// durability's settings, that rolls back unless committed.
TEST(CommitDurability, ABeginSentWithTheFirstStatementOpensTheTransaction) {
    ApiServer::Shared();
    auto db = postgres::PgConnection::Connect(TestApiConfig().postgres.ConnInfo("durability-test"), 5s);
    const std::string probe = "begin-probe-" + ids::NewUuidV4();
    constexpr const char* kInsert =
        "INSERT INTO processed_bid_events (bid_id, event_type, item_id) VALUES ($1, 'bid.placed', $2::uuid) "
        "RETURNING txid_current()::text, current_setting('synchronous_commit')";
    constexpr const char* kCount = "SELECT count(*) FROM processed_bid_events WHERE bid_id LIKE $1";
    {
        postgres::PgTransaction tx(*db, postgres::PgTransaction::Durability::kAsynchronousCommit,
                                   postgres::PgTransaction::Begin::kWithFirstStatement);
        auto first = tx.ExecPrepared("test_begin_insert", kInsert, {probe + "-rolled-back", ids::NewUuidV4()});
        EXPECT_EQ(first.String(0, 1), "off");
        EXPECT_EQ(db->Exec("SELECT txid_current()::text").String(0, 0), first.String(0, 0)) << "one transaction";
    }
    EXPECT_EQ(db->ExecParams(kCount, {probe + "-%"}).Int64(0, 0), 0) << "not committed: rolled back";
    {
        postgres::PgTransaction tx(*db, postgres::PgTransaction::Durability::kSynchronousCommit,
                                   postgres::PgTransaction::Begin::kWithFirstStatement);
        auto first = tx.ExecPrepared("test_begin_insert", kInsert, {probe + "-committed", ids::NewUuidV4()});
        EXPECT_EQ(first.String(0, 1), "on");
        tx.Commit();
    }
    EXPECT_EQ(db->ExecParams(kCount, {probe + "-%"}).Int64(0, 0), 1);
    db->ExecParams("DELETE FROM processed_bid_events WHERE bid_id LIKE $1", {probe + "-%"});
}

// A first statement that fails, at prepare or at execution, throws its own error once every answer of the round trip
// is read: the connection goes on serving, and a statement whose prepare failed is prepared again next time.
TEST(CommitDurability, AFailingFirstStatementThrowsItsErrorAndLeavesTheConnectionUsable) {
    ApiServer::Shared();
    auto db = postgres::PgConnection::Connect(TestApiConfig().postgres.ConnInfo("durability-test"), 5s);
    try {
        postgres::PgTransaction tx(*db, postgres::PgTransaction::Durability::kAsynchronousCommit,
                                   postgres::PgTransaction::Begin::kWithFirstStatement);
        tx.ExecPrepared("test_begin_divide", "SELECT 1 / $1::integer", {"0"});
        ADD_FAILURE() << "division by zero did not throw";
    } catch (const postgres::PgError& e) {
        EXPECT_EQ(e.sqlstate(), "22012") << e.what();
        EXPECT_FALSE(e.Unreachable());
    }
    EXPECT_EQ(db->Exec("SELECT 41 + 1").String(0, 0), "42");
    EXPECT_THROW(
        {
            postgres::PgTransaction tx(*db, postgres::PgTransaction::Durability::kAsynchronousCommit,
                                       postgres::PgTransaction::Begin::kWithFirstStatement);
            tx.ExecPrepared("test_begin_typo", "SELEC 1", {});
        },
        postgres::PgError);
    postgres::PgTransaction tx(*db, postgres::PgTransaction::Durability::kAsynchronousCommit,
                               postgres::PgTransaction::Begin::kWithFirstStatement);
    EXPECT_EQ(tx.ExecPrepared("test_begin_divide", "SELECT 1 / $1::integer", {"1"}).String(0, 0), "1");
    EXPECT_THROW(tx.ExecPrepared("test_begin_typo", "SELEC 1", {}), postgres::PgError) << "prepared again, fails again";
}

// The worker's bid batch sends BEGIN, its statement, the COMMIT and the flushing transaction in one round trip: when
// that returns the statement's answer, the transaction is committed and its WAL flushed.
TEST(CommitDurability, AStatementSentWithItsCommitIsCommittedAndFlushedWhenItReturns) {
    ApiServer::Shared();
    auto db = postgres::PgConnection::Connect(TestApiConfig().postgres.ConnInfo("durability-test"), 5s);
    const std::string probe = "one-trip-probe-" + ids::NewUuidV4();
    constexpr const char* kInsert =
        "INSERT INTO processed_bid_events (bid_id, event_type, item_id) VALUES ($1, 'bid.placed', $2::uuid) "
        "RETURNING txid_current()::text, current_setting('synchronous_commit'), pg_current_wal_insert_lsn()::text";
    for (int round = 0; round < 20; ++round) {
        std::string written;
        std::string txid;
        {
            postgres::PgTransaction tx(*db, postgres::PgTransaction::Durability::kAsynchronousCommit,
                                       postgres::PgTransaction::Begin::kWithFirstStatement);
            auto rows = tx.ExecPreparedAndCommit("test_one_trip_insert", kInsert,
                                                 {probe + "-" + std::to_string(round), ids::NewUuidV4()});
            ASSERT_EQ(rows.Rows(), 1);
            EXPECT_EQ(rows.String(0, 1), "off") << "the statement ran inside the asynchronous transaction";
            txid = rows.String(0, 0);
            written = rows.String(0, 2);
        }  // nothing to roll back: the destructor must not undo it
        EXPECT_EQ(db->ExecParams("SELECT txid_status($1::bigint)", {txid}).String(0, 0), "committed");
        const auto flushed = db->ExecParams("SELECT pg_current_wal_flush_lsn() >= $1::pg_lsn", {written});
        EXPECT_EQ(flushed.String(0, 0), "t")
            << "round " << round << ": the WAL up to " << written << " was not flushed when the statement returned";
    }
    constexpr const char* kCount = "SELECT count(*) FROM processed_bid_events WHERE bid_id LIKE $1";
    EXPECT_EQ(db->ExecParams(kCount, {probe + "-%"}).Int64(0, 0), 20);
    db->ExecParams("DELETE FROM processed_bid_events WHERE bid_id LIKE $1", {probe + "-%"});
}

// A statement that fails in that round trip commits nothing of its transaction, earlier statements included (the
// pipelined COMMIT is skipped), throws its own error, and leaves the connection usable.
TEST(CommitDurability, AFailingStatementSentWithItsCommitCommitsNothing) {
    ApiServer::Shared();
    auto db = postgres::PgConnection::Connect(TestApiConfig().postgres.ConnInfo("durability-test"), 5s);
    const std::string probe = "one-trip-failure-" + ids::NewUuidV4();
    constexpr const char* kCount = "SELECT count(*) FROM processed_bid_events WHERE bid_id LIKE $1";
    for (const auto durability : {postgres::PgTransaction::Durability::kAsynchronousCommit,
                                  postgres::PgTransaction::Durability::kSynchronousCommit}) {
        try {
            postgres::PgTransaction tx(*db, durability, postgres::PgTransaction::Begin::kWithFirstStatement);
            tx.ExecPrepared("test_one_trip_first",
                            "INSERT INTO processed_bid_events (bid_id, event_type, item_id) "
                            "VALUES ($1, 'bid.placed', $2::uuid)",
                            {probe + "-first", ids::NewUuidV4()});
            // Fails after its own insert ran: the same shape as the bid batch's marker.
            tx.ExecPreparedAndCommit("test_one_trip_failing",
                                     "WITH ins AS (INSERT INTO processed_bid_events (bid_id, event_type, item_id) "
                                     "VALUES ($1, 'bid.placed', $2::uuid) RETURNING bid_id) "
                                     "SELECT ('not a number: ' || bid_id)::integer FROM ins",
                                     {probe + "-second", ids::NewUuidV4()});
            ADD_FAILURE() << "the cast did not fail";
        } catch (const postgres::PgError& e) {
            EXPECT_EQ(e.sqlstate(), "22P02") << e.what();
            EXPECT_NE(std::string(e.what()).find("not a number: " + probe), std::string::npos) << e.what();
        }
        EXPECT_EQ(db->Exec("SELECT 41 + 1").String(0, 0), "42");
        EXPECT_EQ(db->Exec("SELECT txid_current_if_assigned() IS NULL").String(0, 0), "t") << "no transaction left";
        EXPECT_EQ(db->ExecParams(kCount, {probe + "-%"}).Int64(0, 0), 0);
    }
}

}  // namespace
}  // namespace auction::testing
