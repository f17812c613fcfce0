#pragma once

#include <memory>

#include "infra/postgres/pool.hpp"
#include "infra/rabbitmq/consumer.hpp"
#include "infra/rabbitmq/outbox_relay.hpp"
#include "internal/consumers/bid_consumer.hpp"
#include "pkg/config/config.hpp"

namespace auction::consumers {

/// The whole auction-worker, wired: migrations, the tuned pool and its stats log, the bid consumer, and
/// an outbox relay (so item.updated.v1 from bid.won goes out even when no API runs).
class WorkerApp {
public:
    explicit WorkerApp(config::WorkerConfig config);
    ~WorkerApp();
    WorkerApp(const WorkerApp&) = delete;
    WorkerApp& operator=(const WorkerApp&) = delete;

    /// Migrates (waiting up to `dependency_wait` for PostgreSQL and RabbitMQ), then consumes.
    void Start(std::chrono::milliseconds dependency_wait = std::chrono::seconds(60));
    /// Stops consuming, finishes and acks in-flight messages, stops the relay.
    void Stop();

    rabbitmq::ConsumerStats Stats() const;
    postgres::PgPool& pool() { return pool_; }

private:
    config::WorkerConfig config_;
    postgres::PgPool pool_;
    BidConsumer handler_;
    std::unique_ptr<rabbitmq::Consumer> consumer_;
    rabbitmq::OutboxRelay relay_;
    std::unique_ptr<postgres::PoolStatsLogger> stats_logger_;
    bool stopped_ = false;
};

}  // namespace auction::consumers
