#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <thread>

#include "app/http_server.hpp"
#include "app/ops_endpoints.hpp"
#include "app/router.hpp"
#include "infra/postgres/auction_closer.hpp"
#include "infra/postgres/bid_repository.hpp"
#include "infra/postgres/health.hpp"
#include "infra/postgres/housekeeping_store.hpp"
#include "infra/postgres/pool.hpp"
#include "infra/rabbitmq/consumer.hpp"
#include "infra/rabbitmq/health.hpp"
#include "infra/rabbitmq/outbox_relay.hpp"
#include "infra/rabbitmq/queue_probe.hpp"
#include "internal/consumers/bid_consumer.hpp"
#include "internal/lifecycle/auction_closer.hpp"
#include "internal/lifecycle/retention_purger.hpp"
#include "pkg/config/config.hpp"

/// The wiring of auction-worker: the one place (with cmd/api) that sees every layer.
namespace auction::worker {

/// The whole auction-worker, wired: migrations, the tuned pool and its stats log, the bid consumer, the auction
/// closer, and an outbox relay (so item.updated.v1 from bid.won and closings goes out even when no API runs).
/// `auction-worker --migrate-queues`: re-creates the bid queue and its DLQ with RABBITMQ_QUEUE_TYPE, keeping
/// every message (rabbitmq::MigrateQueueType; docs/DEPLOYMENT.md). Logs what it did; throws on failure.
void MigrateQueues(const config::WorkerConfig& config);

class WorkerApp {
public:
    explicit WorkerApp(config::WorkerConfig config);
    ~WorkerApp();
    WorkerApp(const WorkerApp&) = delete;
    WorkerApp& operator=(const WorkerApp&) = delete;

    /// Serves the health port at once (so /healthz answers while dependencies are awaited), migrates
    /// (waiting up to `dependency_wait` for PostgreSQL and RabbitMQ), then consumes.
    void Start(std::chrono::milliseconds dependency_wait = std::chrono::seconds(60));
    /// Stops consuming, finishes and acks in-flight messages, stops the relay.
    void Stop();

    rabbitmq::ConsumerStats Stats() const;
    postgres::PgPool& pool() { return pool_; }
    /// The bound health port (useful with HEALTH_PORT=0); 0 before Start.
    unsigned short health_port() const noexcept { return health_port_; }

private:
    /// /readyz: PostgreSQL, migrations, and the consumer's broker connection.
    app::CheckResults Readiness();
    /// /metrics: the consumer's counters and latencies, the consumed queues' depths, the outbox, the
    /// pool and the health port's own requests.
    std::string MetricsText();
    void StopHealthServer();

    config::WorkerConfig config_;
    postgres::PgPool pool_;
    postgres::PgBidStore bids_;
    consumers::BidConsumer handler_;
    postgres::PgAuctionClosingStore closing_store_;
    lifecycle::AuctionCloser closer_;
    postgres::PgRetentionStore retention_store_;
    lifecycle::RetentionPurger purger_;  // processed_bid_events and bid_receipts past BID_DEDUPE_RETENTION
    std::unique_ptr<rabbitmq::Consumer> consumer_;
    std::atomic<bool> consuming_{false};  // consumer_ is set and started: readable from other threads
    rabbitmq::OutboxRelay relay_;
    rabbitmq::QueueDepthProbe queue_probe_;  // its own broker connection, used by scrapes only
    std::unique_ptr<postgres::PoolStatsLogger> stats_logger_;
    // What /readyz and /metrics report, through the ports the infrastructure implements.
    postgres::PostgresReadiness postgres_ready_;
    postgres::OutboxBacklogMetrics outbox_metrics_;
    rabbitmq::RelayMetrics relay_metrics_;
    postgres::PoolMetrics pool_metrics_;
    // The health port: the API's server and router on an io_context and thread of their own.
    app::OpsEndpoints ops_;
    app::Router health_router_;
    boost::asio::io_context health_io_;
    std::unique_ptr<app::HttpServer> health_server_;
    std::thread health_thread_;
    unsigned short health_port_ = 0;
    bool stopped_ = false;
};

}  // namespace auction::worker
