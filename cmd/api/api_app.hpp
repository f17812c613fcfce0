#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <thread>
#include <vector>

#include "app/handlers.hpp"
#include "app/http_server.hpp"
#include "app/ops_endpoints.hpp"
#include "app/router.hpp"
#include "infra/postgres/attribute_repository.hpp"
#include "infra/postgres/category_repository.hpp"
#include "infra/postgres/comment_repository.hpp"
#include "infra/postgres/db_executor.hpp"
#include "infra/postgres/health.hpp"
#include "infra/postgres/housekeeping_store.hpp"
#include "infra/postgres/idempotency_store.hpp"
#include "infra/postgres/image_repository.hpp"
#include "infra/postgres/item_change_listener.hpp"
#include "infra/postgres/item_repository.hpp"
#include "infra/postgres/pipeline.hpp"
#include "infra/postgres/pool.hpp"
#include "infra/rabbitmq/health.hpp"
#include "infra/rabbitmq/outbox_relay.hpp"
#include "internal/lifecycle/object_deletion_drainer.hpp"
#include "internal/lifecycle/retention_purger.hpp"
#include "pkg/aws/s3_client.hpp"
#include "pkg/config/config.hpp"

/// The wiring of auction-api: the one place (with cmd/worker) that sees every layer.
namespace auction::api {

/// The whole auction-api, wired: pool, executor, repositories, routes, HTTP server, outbox relay.
/// cmd/api/main.cpp runs one; integration tests run one in-process on port 0.
class ApiApp {
public:
    explicit ApiApp(config::ApiConfig config);
    ~ApiApp();
    ApiApp(const ApiApp&) = delete;
    ApiApp& operator=(const ApiApp&) = delete;

    /// Applies migrations (waiting up to `db_wait` for PostgreSQL), starts the relay, binds and serves.
    /// Returns the bound port.
    unsigned short Start(std::chrono::milliseconds db_wait = std::chrono::seconds(30));
    /// The drain that precedes a stop on SIGTERM (SHUTDOWN_DRAIN): /readyz answers 503 "draining" so that a load
    /// balancer moves away, while every request is still served, its answer with `Connection: close`.
    void BeginDrain();
    /// Graceful stop: no new connections, idle ones closed, in-flight requests finish (bounded by
    /// shutdown_timeout), then the relay publishes what it holds and stops.
    void Stop();

    postgres::PgPool& pool() { return pool_; }
    rabbitmq::OutboxRelay& relay() { return relay_; }
    app::ItemCache& item_cache() { return item_cache_; }
    postgres::PgItemRepository& items() { return items_; }
    postgres::ItemChangeListener& item_listener() { return item_listener_; }
    const config::ApiConfig& config() const { return config_; }
    /// Connections the HTTP server holds open (tests of the drain and the stop).
    std::size_t OpenConnections() const { return server_.OpenConnections(); }

private:
    /// /readyz: PostgreSQL, migrations, RabbitMQ (blocking; runs on the ops pool).
    app::CheckResults Readiness();
    /// /metrics: requests by route, the outbox and the pool (blocking; runs on the ops pool).
    std::string MetricsText();

    config::ApiConfig config_;
    postgres::PgPool pool_;
    postgres::DbExecutor db_;
    postgres::PgItemRepository items_;
    postgres::PgCategoryRepository categories_;
    postgres::PgCommentRepository comments_;
    postgres::PgAttributeRepository attributes_;
    postgres::PgImageRepository images_;
    postgres::PgIdempotencyStore idempotency_;
    aws::S3Client storage_;  // item images; its own small thread pool for the blocking curl calls
    postgres::PgObjectDeletionQueue object_deletions_;
    lifecycle::ObjectDeletionDrainer object_drainer_;  // deletes the objects of deleted image rows from S3
    postgres::PgRetentionStore retention_store_;
    lifecycle::RetentionPurger purger_;  // idempotency keys past IDEMPOTENCY_TTL
    app::ItemCache item_cache_;
    postgres::ItemChangeListener item_listener_;  // keeps item_cache_ coherent
    app::Services services_;
    app::Router router_;
    boost::asio::io_context io_;
    postgres::PgPipeline reads_;  // single-statement reads, pipelined on the I/O threads
    app::HttpServer server_;
    rabbitmq::OutboxRelay relay_;
    // What /readyz and /metrics report, through the ports the infrastructure implements.
    postgres::PostgresReadiness postgres_ready_;
    rabbitmq::CachedAmqpProbe amqp_probe_;
    postgres::OutboxBacklogMetrics outbox_metrics_;
    rabbitmq::RelayMetrics relay_metrics_;
    postgres::PoolMetrics pool_metrics_;
    app::OpsEndpoints ops_;  // /healthz, /readyz, /metrics
    std::unique_ptr<postgres::PoolStatsLogger> stats_logger_;
    std::vector<std::thread> threads_;
    bool stopped_ = false;
};

}  // namespace auction::api
