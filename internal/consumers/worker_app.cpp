#include "internal/consumers/worker_app.hpp"

#include <thread>

#include "infra/postgres/migrator.hpp"
#include "pkg/logging/logger.hpp"

namespace auction::consumers {

namespace {

rabbitmq::RelayOptions RelayOptionsFor(const config::WorkerConfig& c) {
    rabbitmq::RelayOptions o;
    o.rabbitmq_url = c.rabbitmq_url;
    o.app_id = c.service_name;
    o.pg_conninfo = c.postgres.ConnInfo(c.service_name + "-worker-" + c.worker_id + "-outbox-relay");
    return o;
}

rabbitmq::ConsumerOptions ConsumerOptionsFor(const config::WorkerConfig& c) {
    rabbitmq::ConsumerOptions o;
    o.url = c.rabbitmq_url;
    o.connection_name = c.service_name + "-worker-" + c.worker_id;
    o.app_id = c.service_name;
    o.prefetch_count = c.prefetch_count;
    o.worker_pool_size = c.worker_pool_size;
    return o;
}

}  // namespace

WorkerApp::WorkerApp(config::WorkerConfig config)
    : config_(std::move(config)),
      pool_(config_.postgres, config_.service_name + "-worker-" + config_.worker_id),
      handler_(pool_, config_),
      relay_(RelayOptionsFor(config_)) {}

WorkerApp::~WorkerApp() {
    Stop();
}

void WorkerApp::Start(std::chrono::milliseconds dependency_wait) {
    const auto deadline = std::chrono::steady_clock::now() + dependency_wait;
    postgres::MigrateOnStart(config_.postgres.ConnInfo(config_.service_name + "-worker-migrate"), dependency_wait);
    for (;;) {
        try {
            consumer_ = std::make_unique<rabbitmq::Consumer>(
                ConsumerOptionsFor(config_),
                [this](const std::vector<rabbitmq::Delivery>& batch, const std::atomic<bool>& stopping) {
                    return handler_.Handle(batch, stopping);
                });
            consumer_->Start();
            break;
        } catch (const rabbitmq::AmqpError& e) {
            consumer_.reset();
            if (std::chrono::steady_clock::now() >= deadline) {
                throw;
            }
            logging::Warn("waiting for RabbitMQ", {{"error", e.what()}});
            std::this_thread::sleep_for(std::chrono::seconds(1));
        }
    }
    relay_.Start();
    stats_logger_ = std::make_unique<postgres::PoolStatsLogger>(pool_, config_.postgres.stats_interval);
}

void WorkerApp::Stop() {
    if (stopped_) {
        return;
    }
    stopped_ = true;
    if (consumer_) {
        consumer_->Stop(config_.shutdown_timeout);
    }
    relay_.Stop();
    stats_logger_.reset();
}

rabbitmq::ConsumerStats WorkerApp::Stats() const {
    return consumer_ ? consumer_->Stats() : rabbitmq::ConsumerStats{};
}

}  // namespace auction::consumers
