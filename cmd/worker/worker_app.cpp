#include "cmd/worker/worker_app.hpp"

#include <thread>

#include "infra/postgres/connection_budget.hpp"
#include "infra/postgres/migrator.hpp"
#include "infra/postgres/outbox_store.hpp"
#include "pkg/logging/logger.hpp"
#include "pkg/metrics/metrics.hpp"

namespace auction::worker {

namespace {

rabbitmq::RelayOptions RelayOptionsFor(const config::WorkerConfig& c) {
    rabbitmq::RelayOptions o;
    o.rabbitmq_url = c.rabbitmq_url;
    o.app_id = c.service_name;
    o.outbox =
        postgres::OutboxSessions(c.postgres.ConnInfo(c.service_name + "-worker-" + c.worker_id + "-outbox-relay"));
    return o;
}

lifecycle::CloserOptions CloserOptionsFor(const config::WorkerConfig& c) {
    lifecycle::CloserOptions o;
    o.grace = c.close_grace;
    o.settle_timeout = c.settle_timeout;
    o.interval = c.close_interval;
    o.batch_size = c.close_batch_size;
    return o;
}

rabbitmq::ConsumerOptions ConsumerOptionsFor(const config::WorkerConfig& c) {
    rabbitmq::ConsumerOptions o;
    o.url = c.rabbitmq_url;
    o.connection_name = c.service_name + "-worker-" + c.worker_id;
    o.app_id = c.service_name;
    o.prefetch_count = c.prefetch_count;
    o.worker_pool_size = c.worker_pool_size;
    o.topology.queue_type = c.rabbitmq_queue_type;
    return o;
}

}  // namespace

void MigrateQueues(const config::WorkerConfig& config) {
    const auto options = ConsumerOptionsFor(config);
    for (const auto& q : rabbitmq::MigrateQueueType(config.rabbitmq_url, options.topology,
                                                    options.connection_name + "-migrate-queues")) {
        logging::Info(q.migrated ? "queue re-created with the new type" : "queue already has the wanted type",
                      {{"queue", q.queue},
                       {"queueType", config.rabbitmq_queue_type},
                       {"messagesMoved", q.moved},
                       {"messagesRecovered", q.recovered}});
    }
}

WorkerApp::WorkerApp(config::WorkerConfig config)
    : config_(std::move(config)),
      pool_(config_.postgres, config_.service_name + "-worker-" + config_.worker_id),
      bids_(pool_),
      handler_(bids_, config_),
      closing_store_(pool_),
      closer_(closing_store_, CloserOptionsFor(config_)),
      retention_store_(pool_),
      purger_(retention_store_,
              {{"processed_bid_events", config_.bid_dedupe_retention}, {"bid_receipts", config_.bid_dedupe_retention}},
              {.interval = config_.purge_interval}),
      relay_(RelayOptionsFor(config_)),
      queue_probe_(config_.rabbitmq_url, config_.service_name + "-worker-" + config_.worker_id + "-metrics",
                   {rabbitmq::Topology{}.queue, rabbitmq::Topology{}.dead_letter_queue}),
      postgres_ready_(pool_),
      outbox_metrics_(pool_),
      relay_metrics_(relay_),
      pool_metrics_(pool_),
      ops_([this] { return Readiness(); }, [this] { return MetricsText(); }) {
    ops_.Register(health_router_);
}

WorkerApp::~WorkerApp() {
    Stop();
}

void WorkerApp::Start(std::chrono::milliseconds dependency_wait) {
    const auto deadline = std::chrono::steady_clock::now() + dependency_wait;
    health_server_ = std::make_unique<app::HttpServer>(health_io_, health_router_, app::ServerOptions{});
    health_port_ = health_server_->Listen("0.0.0.0", static_cast<unsigned short>(config_.health_port));
    health_thread_ = std::thread([this] { health_io_.run(); });
    postgres::MigrateOnStart(config_.postgres.ConnInfo(config_.service_name + "-worker-migrate"), dependency_wait);
    // Before the pool and the relay open anything: the open connections counted are the other processes'.
    postgres::CheckConnectionBudget(config_.postgres.ConnInfo(config_.service_name + "-worker-budget"),
                                    {.pool = config_.postgres.max_open_conns, .other = 1});
    for (;;) {
        try {
            consumer_ = std::make_unique<rabbitmq::Consumer>(
                ConsumerOptionsFor(config_),
                [this](const std::vector<rabbitmq::Delivery>& batch, const std::atomic<bool>& stopping) {
                    return handler_.Handle(batch, stopping);
                });
            consumer_->Start();
            consuming_.store(true, std::memory_order_release);
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
    closer_.Start();
    purger_.Start();
    stats_logger_ = std::make_unique<postgres::PoolStatsLogger>(pool_, config_.postgres.stats_interval);
}

void WorkerApp::Stop() {
    if (stopped_) {
        return;
    }
    stopped_ = true;
    StopHealthServer();
    closer_.Stop();
    purger_.Stop();
    if (consumer_) {
        consumer_->Stop(config_.shutdown_timeout);
    }
    relay_.Stop();
    stats_logger_.reset();
}

void WorkerApp::StopHealthServer() {
    if (health_server_) {
        health_server_->Stop();
        health_server_->WaitDrained(std::chrono::seconds(2));
    }
    health_io_.stop();
    if (health_thread_.joinable()) {
        health_thread_.join();
    }
    ops_.Stop();
}

app::CheckResults WorkerApp::Readiness() {
    auto checks = postgres_ready_.Check();
    const bool connected = consuming_.load(std::memory_order_acquire) && consumer_->Stats().connected;
    checks.emplace_back("rabbitmq", connected ? "ok" : "fail");
    return checks;
}

std::string WorkerApp::MetricsText() {
    const bool consuming = consuming_.load(std::memory_order_acquire);
    const auto stats = consuming ? consumer_->Stats() : rabbitmq::ConsumerStats{};
    std::string out;
    metrics::Write(out, metrics::families::kWorkerMessagesConsumedTotal, static_cast<double>(stats.received));
    metrics::Write(out, metrics::families::kWorkerMessagesAckedTotal, static_cast<double>(stats.acked));
    metrics::Write(out, metrics::families::kWorkerMessagesDeadLetteredTotal, static_cast<double>(stats.dead_lettered));
    metrics::Write(out, metrics::families::kWorkerMessagesRequeuedTotal, static_cast<double>(stats.requeued));
    metrics::Write(out, metrics::families::kWorkerRetriesTotal, static_cast<double>(handler_.retries()));
    metrics::Write(out, metrics::families::kWorkerBatchesTotal, static_cast<double>(stats.batches));
    metrics::Write(out, metrics::families::kWorkerMessagesInFlight, stats.in_flight);
    metrics::Write(out, metrics::families::kWorkerConsumerConnected, stats.connected ? 1 : 0);
    const auto lifecycle = handler_.lifecycle_counts();
    metrics::WriteHeader(out, metrics::families::kWorkerBidsIgnoredTotal);
    metrics::WriteSample(out, metrics::families::kWorkerBidsIgnoredTotal, {{"reason", "before_start"}},
                         static_cast<double>(lifecycle.before_start));
    metrics::WriteSample(out, metrics::families::kWorkerBidsIgnoredTotal, {{"reason", "after_end"}},
                         static_cast<double>(lifecycle.after_end));
    metrics::WriteHeader(out, metrics::families::kWorkerLateBidsTotal);
    metrics::WriteSample(out, metrics::families::kWorkerLateBidsTotal, {{"kind", "reopened"}},
                         static_cast<double>(lifecycle.reopened));
    metrics::WriteSample(out, metrics::families::kWorkerLateBidsTotal, {{"kind", "sold_after_expiry"}},
                         static_cast<double>(lifecycle.sold_after_expiry));
    const auto closing = closer_.counts();
    metrics::WriteHeader(out, metrics::families::kWorkerAuctionsClosedTotal);
    metrics::WriteSample(out, metrics::families::kWorkerAuctionsClosedTotal, {{"outcome", "no_bids"}},
                         static_cast<double>(closing.expired_without_bids));
    metrics::WriteSample(out, metrics::families::kWorkerAuctionsClosedTotal, {{"outcome", "unsettled"}},
                         static_cast<double>(closing.expired_unsettled));
    metrics::Write(out, metrics::families::kWorkerCloseBatchesTotal, static_cast<double>(closing.batches));
    metrics::Write(out, metrics::families::kWorkerCloseFailuresTotal, static_cast<double>(closing.failures));
    metrics::WriteHeader(out, metrics::families::kWorkerPurgedRowsTotal);
    for (const auto& [table, rows] : purger_.purged()) {
        metrics::WriteSample(out, metrics::families::kWorkerPurgedRowsTotal, {{"table", table}},
                             static_cast<double>(rows));
    }
    logging::WriteMetrics(out);
    // A family's samples must follow its own TYPE line, before the next family starts.
    metrics::WriteHeader(out, metrics::families::kWorkerMessageProcessingSeconds);
    if (consuming) {
        consumer_->processing_latency().Write(out, metrics::families::kWorkerMessageProcessingSeconds, {});
    }
    metrics::WriteHeader(out, metrics::families::kWorkerBatchHandlerSeconds);
    if (consuming) {
        consumer_->handler_duration().Write(out, metrics::families::kWorkerBatchHandlerSeconds, {});
    }
    // Asked on the probe's own connection: the consume thread's connection is never touched here.
    metrics::WriteHeader(out, metrics::families::kWorkerQueueMessages);
    const auto depths = queue_probe_.Read();
    if (depths) {
        for (const auto& d : *depths) {
            metrics::WriteSample(out, metrics::families::kWorkerQueueMessages, {{"queue", d.queue}}, d.messages);
        }
    }
    metrics::WriteHeader(out, metrics::families::kWorkerQueueConsumers);
    if (depths) {
        for (const auto& d : *depths) {
            metrics::WriteSample(out, metrics::families::kWorkerQueueConsumers, {{"queue", d.queue}}, d.consumers);
        }
    }
    outbox_metrics_.WriteMetrics(out);
    relay_metrics_.WriteMetrics(out);
    pool_metrics_.WriteMetrics(out);
    health_router_.metrics().Write(out);
    return out;
}

rabbitmq::ConsumerStats WorkerApp::Stats() const {
    return consumer_ ? consumer_->Stats() : rabbitmq::ConsumerStats{};
}

}  // namespace auction::worker
