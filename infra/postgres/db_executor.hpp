#pragma once

#include <utility>

#include "infra/postgres/pool.hpp"
#include "pkg/executor/blocking_pool.hpp"

namespace auction::postgres {

/// Runs blocking libpq work off the I/O threads: each job leases a connection from the pool and runs on
/// one of `threads` dedicated threads of a BlockingPool (sized to MaxOpenConns, so a thread never waits
/// for a connection), then resumes the awaiting coroutine on its own executor. The queue is bounded:
/// past `queue_limit` waiting jobs the call fails fast with executor::PoolOverloaded (a 503).
///
/// Writes and transactions go this way; single-statement reads take the pipelined path (pipeline.hpp),
/// which bench/items_bench.sh showed to avoid this path's two thread hand-offs per query.
class DbExecutor {
public:
    DbExecutor(PgPool& pool, int threads, std::size_t queue_limit)
        : pool_(pool), threads_("database", threads, queue_limit) {}

    /// co_await Run([](PgConnection& c) { ...; return value; }): the result (or exception) of `fn`.
    /// `fn` must return a default-constructible, movable, non-void value.
    template <typename F>
    auto Run(F fn) {
        return threads_.Run([this, fn = std::move(fn)]() mutable {
            auto lease = pool_.Acquire();
            return fn(*lease);
        });
    }

    /// Finishes queued jobs, then joins the threads.
    void Stop() { threads_.Stop(); }
    /// The pool its jobs lease from (for work that runs on threads of its own, like group commits).
    PgPool& pool() noexcept { return pool_; }

private:
    PgPool& pool_;
    executor::BlockingPool threads_;
};

}  // namespace auction::postgres
