#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace auction::config {

/// Thrown when a setting is missing or malformed; the message names the variable.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Whether a duration setting may be 0 (a wait that can be turned off, such as SHUTDOWN_DRAIN).
enum class ZeroDuration { kRejected, kAllowed };

/// One variable a loader asked for: a row of the configuration table (`auction-api --config-table`).
struct Variable {
    std::string name;
    bool required = false;
    std::optional<std::string> fallback;  // the default as text (as the setting is written), when there is one
};

/// Reads settings from the process environment, falling back to a `.env` file (environment wins, as
/// with godotenv in the Go original). Every getter validates and names the variable on failure, and records
/// what it was asked (Asked), so that running a loader also lists the variables it reads.
class Environment {
public:
    /// Loads `.env` from `env_file` if it exists (a missing file is not an error).
    static Environment Load(const std::string& env_file = ".env");
    /// Builds from explicit values only (tests).
    static Environment FromMap(std::map<std::string, std::string> values);
    /// Describes a loader instead of configuring a program: nothing is set, so every setting takes its default,
    /// and Required answers its `example`, so that the loader's parsing succeeds (ConfigTable).
    static Environment Describing();

    std::optional<std::string> Find(const std::string& name) const;
    /// `example`: a valid value, answered only by a Describing environment.
    std::string Required(const std::string& name, const std::string& example = "example") const;
    std::string String(const std::string& name, const std::string& fallback) const;
    int Int(const std::string& name, int fallback, int min, int max) const;
    /// Go-style durations: "300ms", "30s", "5m", "1h", or a combination like "1m30s"; positive unless `zero` is
    /// ZeroDuration::kAllowed ("0" or "0s": the feature is off).
    std::chrono::milliseconds Duration(const std::string& name, std::chrono::milliseconds fallback,
                                       ZeroDuration zero = ZeroDuration::kRejected) const;

    /// Every variable asked for so far, in the order of the first ask, each once (required if any ask required it).
    const std::vector<Variable>& Asked() const { return asked_; }

private:
    std::optional<std::string> Lookup(const std::string& name) const;
    void Record(const std::string& name, bool required, std::optional<std::string> fallback) const;

    std::map<std::string, std::string> file_values_;
    bool use_process_env_ = true;
    bool describing_ = false;
    // Asking is reading: the getters stay const, and the loaders take `const Environment&`.
    mutable std::vector<Variable> asked_;
};

/// Parses a .env file body: KEY=VALUE lines, `#` comments, optional `export `, optional quotes.
std::map<std::string, std::string> ParseDotEnv(const std::string& text);
/// Parses a Go-style duration ("0" alone needs no unit, as in Go); nullopt when malformed.
std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text);
/// The duration in the largest unit that writes it whole ("7d", "5m", "100ms"; "0" for none): ParseDuration's form.
std::string FormatDuration(std::chrono::milliseconds duration);

/// Parses RABBITMQ_URL: one node URL, or several separated by commas, one per node of a cluster. Each entry
/// is a full `amqp://` / `amqps://` URL (`amqp://user:pass@host:5672/vhost`), or, after the first, a bare
/// `host[:port]` that takes the first URL's scheme, credentials and vhost. Returns one full URL per node, in
/// the given order; throws ConfigError naming `variable` and the entry when one is malformed. Commas and other
/// reserved characters in credentials or a vhost are percent-encoded (`%2C`), as in any URL.
std::vector<std::string> ParseAmqpUrls(const std::string& value, const std::string& variable = "RABBITMQ_URL");

struct PostgresConfig {
    /// POSTGRES_HOST: one host, or several (a primary and its standbys) tried in order for a server that takes
    /// writes (libpq's multi-host connection, target_session_attrs=read-write; docs/DEPLOYMENT.md, failover).
    std::vector<std::string> hosts;
    /// POSTGRES_PORT: one port for every host, or one per host, in the hosts' order.
    std::vector<int> ports{5432};
    std::string database;
    std::string username;
    std::string password;
    int max_open_conns = 15;
    int max_idle_conns = 8;
    std::chrono::milliseconds conn_max_lifetime{std::chrono::minutes(5)};
    std::chrono::milliseconds conn_max_idle_time{std::chrono::minutes(2)};
    std::chrono::milliseconds statement_timeout{std::chrono::seconds(5)};
    std::chrono::milliseconds acquire_timeout{std::chrono::seconds(5)};
    std::chrono::milliseconds stats_interval{std::chrono::seconds(30)};

    /// libpq keyword/value connection string with every value quoted: every host of the list, only a read-write
    /// session accepted (after a failover, a new connection finds the promoted standby), TCP keepalives on.
    std::string ConnInfo(const std::string& application_name) const;
};

struct AwsConfig {
    std::string endpoint;
    std::string access_key;
    std::string secret_key;
    std::string region = "eu-central-1";
    std::string bucket;
};

/// Who may assert the caller's identity (docs/SECURITY.md, API2). `header` trusts X-User-ID as the gateway
/// sets it; `hmac` and `jwt` make the gateway (or client) prove it with AUTH_SECRET.
enum class AuthMode { kHeader, kHmac, kJwt };

struct AuthConfig {
    AuthMode mode = AuthMode::kHeader;  // AUTH_MODE: header | hmac | jwt
    std::string secret;                 // AUTH_SECRET: required (>= 32 bytes) for hmac and jwt
    std::chrono::milliseconds max_skew{std::chrono::minutes(5)};  // AUTH_MAX_SKEW: timestamp window, JWT leeway
};

struct ApiConfig {
    int port = 8080;
    std::string service_name = "auction";
    std::string log_level = "info";  // LOG_LEVEL: debug | info | warn | error (logging::Init)
    std::string rabbitmq_url;        // RABBITMQ_URL: the nodes' full URLs, comma-separated (ParseAmqpUrls)
    PostgresConfig postgres;
    AwsConfig aws;
    int http_threads = 2;
    int read_conns = 2;  // DB_READ_CONNS: pipelined read connections (default: one per I/O thread)
    std::size_t body_limit_bytes = 1024 * 1024;
    std::size_t item_cache_bytes = 8 * 1024 * 1024;  // ITEM_CACHE_BYTES: the item cache's budget; 0 = no cache
    std::chrono::milliseconds idempotency_ttl{std::chrono::hours(24)};  // IDEMPOTENCY_TTL: how long an answer is kept
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
    std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};
    std::chrono::milliseconds shutdown_timeout{std::chrono::seconds(15)};
    // SHUTDOWN_DRAIN: after SIGTERM, how long /readyz answers 503 while requests are still served, so that a load
    // balancer moves away before the listener closes (docs/DEPLOYMENT.md "Rolling restarts"); 0 = no drain.
    std::chrono::milliseconds shutdown_drain{std::chrono::seconds(5)};
    // Resource limits against slow or greedy clients (docs/SECURITY.md, API4).
    std::size_t max_connections = 10000;                                 // HTTP_MAX_CONNECTIONS
    std::size_t max_header_fields = 100;                                 // HTTP_MAX_HEADERS
    std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};  // HTTP_HEADER_TIMEOUT
    AuthConfig auth;
};

struct WorkerConfig {
    std::string service_name = "auction";
    std::string log_level = "info";  // LOG_LEVEL: debug | info | warn | error (logging::Init)
    std::string worker_id;           // WORKER_ID, names the replica in logs and connection names
    std::string rabbitmq_url;        // RABBITMQ_URL: the nodes' full URLs, comma-separated (ParseAmqpUrls)
    // RABBITMQ_QUEUE_TYPE: the kind of auction.bid.all.v1 and its DLQ when the worker declares them afresh.
    std::string rabbitmq_queue_type = "quorum";
    PostgresConfig postgres;
    int prefetch_count = 10;     // the design's PrefetchCount
    int worker_pool_size = 20;   // the design's WorkerPoolSize
    int retry_max_attempts = 8;  // transient failures before a message is dead-lettered
    std::chrono::milliseconds retry_backoff_initial{std::chrono::milliseconds(100)};
    std::chrono::milliseconds retry_backoff_max{std::chrono::seconds(5)};
    std::chrono::milliseconds shutdown_timeout{std::chrono::seconds(30)};
    int health_port = 8090;  // HEALTH_PORT: /healthz, /readyz, /metrics (0 = ephemeral)
    // The auction closer (README "Auction lifecycle"): an active item is closed once its end passed by the grace
    // (in-flight bids land first); one with bids awaits bid.won for the settle timeout before it expires.
    std::chrono::milliseconds close_grace{std::chrono::seconds(5)};     // AUCTION_CLOSE_GRACE
    std::chrono::milliseconds settle_timeout{std::chrono::hours(1)};    // AUCTION_SETTLE_TIMEOUT
    std::chrono::milliseconds close_interval{std::chrono::seconds(1)};  // AUCTION_CLOSE_INTERVAL: idle poll
    int close_batch_size = 500;                                         // AUCTION_CLOSE_BATCH: items per commit
    // Retention (README "Retention"): processed_bid_events and bid_receipts rows older than this are purged, in
    // small batches every purge interval. A bid redelivered after that is no longer recognised as a duplicate.
    std::chrono::milliseconds bid_dedupe_retention{std::chrono::hours(24 * 7)};  // BID_DEDUPE_RETENTION
    std::chrono::milliseconds purge_interval{std::chrono::minutes(1)};           // RETENTION_PURGE_INTERVAL
};

/// Reads the worker's settings: the design's variables plus PREFETCH_COUNT, WORKER_POOL_SIZE, the
/// pool knobs (DB_MAX_OPEN_CONNS 15, DB_MAX_IDLE_CONNS 8, ...) and the retry knobs.
WorkerConfig LoadWorkerConfig(const Environment& env);

/// Reads the API's settings: the design's variables plus the tuning knobs documented in the README.
ApiConfig LoadApiConfig(const Environment& env);
PostgresConfig LoadPostgresConfig(const Environment& env, int default_max_open, int default_max_idle);

/// The configuration table of a program: every variable its loader reads, in the order it reads them, found by
/// running that loader over Environment::Describing(), so that it cannot drift from the loader. Defaults are the
/// loader's on this machine (HTTP_THREADS and the pool sizes follow the cores, WORKER_ID is the pid).
std::vector<Variable> ApiConfigTable();
std::vector<Variable> WorkerConfigTable();
/// The table as a JSON array, one object per line: {"name":"PORT","required":false,"default":"8080"}, with
/// "default" null when there is none.
std::string ConfigTableJson(const std::vector<Variable>& table);

}  // namespace auction::config
