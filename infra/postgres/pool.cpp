#include "infra/postgres/pool.hpp"

#include <algorithm>

#include "pkg/logging/logger.hpp"

namespace auction::postgres {

PgPool::Lease::~Lease() {
    if (conn_ && pool_ != nullptr) {
        pool_->Release(std::move(conn_));
    }
}

PgPool::PgPool(const config::PostgresConfig& config, std::string application_name)
    : config_(config), conninfo_(config.ConnInfo(application_name)) {
    reaper_ = std::thread([this] {
        std::unique_lock lock(mutex_);
        while (!stopping_) {
            stop_cv_.wait_for(lock, std::chrono::seconds(1));
            lock.unlock();
            Reap();
            lock.lock();
        }
    });
}

PgPool::~PgPool() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    stop_cv_.notify_all();
    available_.notify_all();
    reaper_.join();
}

bool PgPool::Expired(const PgConnection& conn, PgConnection::Clock::time_point now) const {
    return !conn.Ok() || now - conn.created_at() >= config_.conn_max_lifetime;
}

PgPool::Lease PgPool::Acquire() {
    const auto start = PgConnection::Clock::now();
    const auto deadline = start + config_.acquire_timeout;
    bool waited = false;
    std::unique_lock lock(mutex_);
    for (;;) {
        while (!idle_.empty()) {
            auto conn = std::move(idle_.back().conn);
            idle_.pop_back();
            if (Expired(*conn, PgConnection::Clock::now()) || !conn->StillAlive()) {
                --open_;
                lock.unlock();
                conn.reset();  // PQfinish outside the lock
                lock.lock();
                continue;
            }
            ++in_use_;
            if (waited) {
                wait_duration_ += PgConnection::Clock::now() - start;
            }
            return Lease(this, std::move(conn));
        }
        if (open_ < config_.max_open_conns) {
            ++open_;
            ++in_use_;
            if (waited) {
                wait_duration_ += PgConnection::Clock::now() - start;
            }
            lock.unlock();
            try {
                return Lease(this, PgConnection::Connect(conninfo_, config_.statement_timeout));
            } catch (...) {
                lock.lock();
                --open_;
                --in_use_;
                available_.notify_one();
                throw;
            }
        }
        if (!waited) {
            waited = true;
            ++wait_count_;
        }
        if (stopping_ || available_.wait_until(lock, deadline) == std::cv_status::timeout) {
            wait_duration_ += PgConnection::Clock::now() - start;
            throw PoolTimeout("no database connection became free in time");
        }
    }
}

void PgPool::Release(std::unique_ptr<PgConnection> conn) {
    const auto now = PgConnection::Clock::now();
    std::unique_lock lock(mutex_);
    --in_use_;
    if (Expired(*conn, now) || static_cast<int>(idle_.size()) >= config_.max_idle_conns || stopping_) {
        --open_;
        lock.unlock();
        available_.notify_one();
        conn.reset();
        return;
    }
    idle_.push_back({std::move(conn), now});
    lock.unlock();
    available_.notify_one();
}

void PgPool::Reap() {
    std::deque<IdleConn> closing;
    {
        std::lock_guard lock(mutex_);
        const auto now = PgConnection::Clock::now();
        for (auto it = idle_.begin(); it != idle_.end();) {
            if (Expired(*it->conn, now) || now - it->idle_since >= config_.conn_max_idle_time) {
                closing.push_back(std::move(*it));
                it = idle_.erase(it);
                --open_;
            } else {
                ++it;
            }
        }
    }
    if (!closing.empty()) {
        available_.notify_all();
    }
}

PoolStats PgPool::Stats() const {
    std::lock_guard lock(mutex_);
    PoolStats s;
    s.max_open = config_.max_open_conns;
    s.open = open_;
    s.in_use = in_use_;
    s.idle = static_cast<int>(idle_.size());
    s.wait_count = wait_count_;
    s.wait_duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(wait_duration_).count();
    return s;
}

PoolStatsLogger::PoolStatsLogger(PgPool& pool, std::chrono::milliseconds interval) : pool_(pool), interval_(interval) {
    thread_ = std::thread([this] {
        std::unique_lock lock(mutex_);
        while (!cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
            lock.unlock();
            LogOnce();
            lock.lock();
        }
    });
}

PoolStatsLogger::~PoolStatsLogger() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

bool PoolStatsLogger::LogOnce() {
    const auto s = pool_.Stats();
    boost::json::object fields{{"max_open", s.max_open},     {"open", s.open},
                               {"in_use", s.in_use},         {"idle", s.idle},
                               {"wait_count", s.wait_count}, {"wait_duration_ms", s.wait_duration_ms}};
    logging::Info("Connection pool stats", fields);
    const bool waited = s.wait_count > last_wait_count_;
    last_wait_count_ = s.wait_count;
    const bool busy = s.max_open > 0 && static_cast<double>(s.in_use) / s.max_open > 0.8;
    if (waited || busy) {
        fields["reason"] = waited ? "wait_count > 0: workers are waiting for DB connections, increase MaxOpenConns"
                                  : "in_use / max_open > 0.8: pool is over 80% full";
        logging::Warn("Connection pool stats above threshold", std::move(fields));
        return true;
    }
    return false;
}

}  // namespace auction::postgres
