#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "infra/postgres/connection.hpp"
#include "pkg/config/config.hpp"

namespace auction::postgres {

/// Thrown when no connection frees up within the acquire timeout.
class PoolTimeout : public errors::DependencyFailure {
public:
    using errors::DependencyFailure::DependencyFailure;

    errors::Error Public() const override {
        return errors::Error(errors::Kind::kUnavailable, "the service is overloaded, retry later");
    }
    const char* LogMessage() const noexcept override { return "database pool exhausted"; }
    bool Unreachable() const noexcept override { return true; }
};

/// The design's pool stats, named as Go's sql.DBStats reports them.
struct PoolStats {
    int max_open = 0;
    int open = 0;
    int in_use = 0;
    int idle = 0;
    std::int64_t wait_count = 0;
    std::int64_t wait_duration_ms = 0;
};

/// A bounded PostgreSQL connection pool with Go's tuning knobs: MaxOpenConns, MaxIdleConns,
/// ConnMaxLifetime and ConnMaxIdleTime. Acquire blocks (bounded) when every connection is in use;
/// callers are threads, never I/O threads (see DbExecutor).
class PgPool {
public:
    class Lease {
    public:
        Lease(PgPool* pool, std::unique_ptr<PgConnection> conn) : pool_(pool), conn_(std::move(conn)) {}
        Lease(Lease&& other) noexcept = default;
        Lease& operator=(Lease&&) = delete;
        ~Lease();

        PgConnection& operator*() const noexcept { return *conn_; }
        PgConnection* operator->() const noexcept { return conn_.get(); }

    private:
        PgPool* pool_;
        std::unique_ptr<PgConnection> conn_;
    };

    PgPool(const config::PostgresConfig& config, std::string application_name);
    ~PgPool();
    PgPool(const PgPool&) = delete;
    PgPool& operator=(const PgPool&) = delete;

    Lease Acquire();
    PoolStats Stats() const;
    /// Closes idle connections past their idle time or lifetime; also runs on a background thread.
    void Reap();
    const config::PostgresConfig& config() const noexcept { return config_; }

private:
    struct IdleConn {
        std::unique_ptr<PgConnection> conn;
        PgConnection::Clock::time_point idle_since;
    };

    void Release(std::unique_ptr<PgConnection> conn);
    bool Expired(const PgConnection& conn, PgConnection::Clock::time_point now) const;

    config::PostgresConfig config_;
    std::string conninfo_;
    mutable std::mutex mutex_;
    std::condition_variable available_;
    std::condition_variable stop_cv_;
    std::deque<IdleConn> idle_;  // back = most recently used
    int open_ = 0;               // idle + in use + being opened
    int in_use_ = 0;
    std::int64_t wait_count_ = 0;
    std::chrono::nanoseconds wait_duration_{0};
    bool stopping_ = false;
    std::thread reaper_;
};

/// Logs "Connection pool stats" with the design's fields every interval, and a warning when
/// wait_count grew or in_use/max_open > 0.8.
class PoolStatsLogger {
public:
    PoolStatsLogger(PgPool& pool, std::chrono::milliseconds interval);
    ~PoolStatsLogger();
    PoolStatsLogger(const PoolStatsLogger&) = delete;
    PoolStatsLogger& operator=(const PoolStatsLogger&) = delete;

    /// Logs once now; returns whether the warning line was written.
    bool LogOnce();

private:
    PgPool& pool_;
    std::chrono::milliseconds interval_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool stopping_ = false;
    std::int64_t last_wait_count_ = 0;
    std::thread thread_;
};

}  // namespace auction::postgres
