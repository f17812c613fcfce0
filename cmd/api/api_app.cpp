#include "cmd/api/api_app.hpp"

#include "infra/postgres/connection_budget.hpp"
#include "infra/postgres/migrator.hpp"
#include "infra/postgres/outbox_store.hpp"
#include "pkg/logging/logger.hpp"
#include "pkg/metrics/metrics.hpp"

namespace auction::api {

namespace {

constexpr std::size_t kDbQueueLimit = 8192;

app::ServerOptions ToServerOptions(const config::ApiConfig& c) {
    app::ServerOptions o;
    o.body_limit = c.body_limit_bytes;
    o.idle_timeout = c.idle_timeout;
    o.request_timeout = c.request_timeout;
    o.max_connections = c.max_connections;
    o.max_header_fields = c.max_header_fields;
    o.header_timeout = c.header_timeout;
    return o;
}

rabbitmq::RelayOptions ToRelayOptions(const config::ApiConfig& c) {
    rabbitmq::RelayOptions o;
    o.rabbitmq_url = c.rabbitmq_url;
    o.app_id = c.service_name;
    o.outbox = postgres::OutboxSessions(c.postgres.ConnInfo(c.service_name + "-outbox-relay"));
    return o;
}

}  // namespace

ApiApp::ApiApp(config::ApiConfig config)
    : config_(std::move(config)),
      pool_(config_.postgres, config_.service_name + "-api"),
      db_(pool_, config_.postgres.max_open_conns, kDbQueueLimit),
      items_(db_, reads_),
      categories_(reads_),
      comments_(db_),
      attributes_(db_),
      images_(db_),
      idempotency_(db_),
      storage_(config_.aws),
      object_deletions_(pool_),
      object_drainer_(object_deletions_, [this](const std::string& key) { storage_.DeleteObject(key); }, {}),
      retention_store_(pool_),
      purger_(retention_store_, {{"idempotency_keys", config_.idempotency_ttl}}, {}),
      item_cache_(config_.item_cache_bytes, app::ItemJsonDictionary()),
      item_listener_(
          config_.postgres.ConnInfo(config_.service_name + "-api-item-changes"),
          {.on_listening = [this] { item_cache_.Enable(); },
           .on_lost = [this] { item_cache_.Disable(); },
           .on_changed = [this](std::string_view id, std::int64_t version) { item_cache_.Invalidate(id, version); }}),
      services_{.items = items_,
                .categories = categories_,
                .comments = comments_,
                .attributes = attributes_,
                .images = images_,
                .storage = storage_,
                .item_cache = config_.item_cache_bytes > 0 ? &item_cache_ : nullptr,
                .idempotency = {.store = &idempotency_,
                                .ttl = config_.idempotency_ttl,
                                .lease = std::max(std::chrono::milliseconds(10'000), 2 * config_.request_timeout)}},
      reads_(io_, config_.postgres.ConnInfo(config_.service_name + "-api-reads"), config_.read_conns,
             config_.postgres.statement_timeout),
      server_(io_, router_, ToServerOptions(config_)),
      relay_(ToRelayOptions(config_)),
      postgres_ready_(pool_),
      amqp_probe_(config_.rabbitmq_url, config_.service_name + "-api-readiness"),
      outbox_metrics_(pool_),
      relay_metrics_(relay_),
      pool_metrics_(pool_),
      ops_([this] { return Readiness(); }, [this] { return MetricsText(); }) {
    router_.SetIdentityVerifier(middleware::IdentityVerifier(config_.auth));
    app::RegisterRoutes(router_, services_);
    ops_.Register(router_);
}

app::CheckResults ApiApp::Readiness() {
    auto checks = postgres_ready_.Check();
    for (auto& check : amqp_probe_.Check()) {
        checks.push_back(std::move(check));
    }
    return checks;
}

std::string ApiApp::MetricsText() {
    std::string out;
    router_.metrics().Write(out);
    outbox_metrics_.WriteMetrics(out);
    relay_metrics_.WriteMetrics(out);
    pool_metrics_.WriteMetrics(out);
    item_cache_.WriteMetrics(out);
    const auto drained = object_drainer_.counts();
    metrics::Write(out, metrics::families::kImageObjectsDeletedTotal, static_cast<double>(drained.deleted));
    metrics::Write(out, metrics::families::kImageObjectDeleteFailuresTotal, static_cast<double>(drained.failures));
    try {
        metrics::Write(out, metrics::families::kImageObjectsPendingDeletion,
                       static_cast<double>(object_deletions_.Pending()));
    } catch (const std::exception&) {
        // The database is down: the gauge is left out of this scrape.
    }
    metrics::WriteHeader(out, metrics::families::kPurgedRowsTotal);
    for (const auto& [table, rows] : purger_.purged()) {
        metrics::WriteSample(out, metrics::families::kPurgedRowsTotal, {{"table", table}}, static_cast<double>(rows));
    }
    const auto creates = items_.GetCreateStats();
    metrics::Write(out, metrics::families::kItemCreateBatchesTotal, static_cast<double>(creates.batches));
    metrics::Write(out, metrics::families::kItemCreateBatchItemsTotal, static_cast<double>(creates.items));
    logging::WriteMetrics(out);
    return out;
}

ApiApp::~ApiApp() {
    Stop();
}

unsigned short ApiApp::Start(std::chrono::milliseconds db_wait) {
    postgres::MigrateOnStart(config_.postgres.ConnInfo(config_.service_name + "-migrate"), db_wait);
    // Before the reads, the relay and the listener connect: the open connections counted are the other processes'.
    // Beside its pool the API holds its pipelined read connections, the relay's session and the cache's LISTEN.
    postgres::CheckConnectionBudget(config_.postgres.ConnInfo(config_.service_name + "-budget"),
                                    {.pool = config_.postgres.max_open_conns,
                                     .other = config_.read_conns + 1 + (config_.item_cache_bytes > 0 ? 1 : 0)});
    reads_.Start();
    relay_.Start();
    if (config_.item_cache_bytes > 0) {
        item_listener_.Start();
    }
    stats_logger_ = std::make_unique<postgres::PoolStatsLogger>(pool_, config_.postgres.stats_interval);
    object_drainer_.Start();
    purger_.Start();
    const auto port = server_.Listen("0.0.0.0", static_cast<unsigned short>(config_.port));
    threads_.reserve(static_cast<std::size_t>(config_.http_threads));
    for (int i = 0; i < config_.http_threads; ++i) {
        threads_.emplace_back([this] {
            const logging::ThreadBuffer log_buffer;  // every request logs a line from these threads
            io_.run();
        });
    }
    return port;
}

void ApiApp::BeginDrain() {
    ops_.BeginDrain();
    server_.BeginDrain();
}

void ApiApp::Stop() {
    if (stopped_) {
        return;
    }
    stopped_ = true;
    server_.Stop();
    if (!server_.WaitDrained(config_.shutdown_timeout)) {
        logging::Warn("shutdown timeout: closing connections still open", {{"open", server_.OpenConnections()}});
    }
    reads_.Stop();
    io_.stop();
    for (auto& t : threads_) {
        t.join();
    }
    threads_.clear();
    ops_.Stop();
    object_drainer_.Stop();
    purger_.Stop();
    db_.Stop();
    storage_.Stop();
    relay_.Stop();
    item_listener_.Stop();
    stats_logger_.reset();
}

}  // namespace auction::api
