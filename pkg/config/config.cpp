#include "pkg/config/config.hpp"

#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace auction::config {

namespace {

std::string Trim(const std::string& s) {
    std::size_t b = 0;
    std::size_t e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b])) != 0) {
        ++b;
    }
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1])) != 0) {
        --e;
    }
    return s.substr(b, e - b);
}

// libpq keyword values are single-quoted with backslash escapes.
std::string QuoteConnValue(const std::string& v) {
    std::string out = "'";
    for (char c : v) {
        if (c == '\'' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    out += '\'';
    return out;
}

}  // namespace

std::map<std::string, std::string> ParseDotEnv(const std::string& text) {
    std::map<std::string, std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        line = Trim(line);
        if (line.empty() || line[0] == '#') {
            continue;
        }
        if (line.rfind("export ", 0) == 0) {
            line = Trim(line.substr(7));
        }
        auto eq = line.find('=');
        if (eq == std::string::npos) {
            continue;
        }
        std::string key = Trim(line.substr(0, eq));
        std::string value = Trim(line.substr(eq + 1));
        if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
            // A quoted value ends at its closing quote; anything after it (a comment) is dropped.
            const auto close = value.find(value.front(), 1);
            value = close == std::string::npos ? value.substr(1) : value.substr(1, close - 1);
        } else if (!value.empty() && value.front() == '#') {
            value.clear();  // "AWS_ENDPOINT= # Leave empty for AWS S3": only a comment
        } else {
            // An unquoted value ends at an inline comment, as in the design's .env example.
            auto hash = value.find(" #");
            if (hash != std::string::npos) {
                value = Trim(value.substr(0, hash));
            }
        }
        if (!key.empty()) {
            out[key] = value;
        }
    }
    return out;
}

std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text) {
    std::string s = Trim(text);
    if (s.empty()) {
        return std::nullopt;
    }
    if (s == "0") {
        return std::chrono::milliseconds(0);  // Go's time.ParseDuration takes a bare 0 too
    }
    double total_ms = 0;
    std::size_t i = 0;
    while (i < s.size()) {
        std::size_t start = i;
        int dots = 0;
        while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) != 0 || s[i] == '.')) {
            dots += s[i] == '.' ? 1 : 0;
            ++i;
        }
        if (start == i || dots > 1) {
            return std::nullopt;
        }
        double number = 0;
        try {
            number = std::stod(s.substr(start, i - start));
        } catch (const std::exception&) {
            return std::nullopt;
        }
        std::size_t unit_start = i;
        while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i])) != 0) {
            ++i;
        }
        std::string unit = s.substr(unit_start, i - unit_start);
        if (unit == "ms") {
            total_ms += number;
        } else if (unit == "s") {
            total_ms += number * 1000;
        } else if (unit == "m") {
            total_ms += number * 60'000;
        } else if (unit == "h") {
            total_ms += number * 3'600'000;
        } else if (unit == "d") {
            total_ms += number * 86'400'000;
        } else {
            return std::nullopt;
        }
    }
    return std::chrono::milliseconds(static_cast<long long>(total_ms));
}

std::string FormatDuration(std::chrono::milliseconds duration) {
    if (duration.count() == 0) {
        return "0";
    }
    constexpr std::pair<long long, const char*> kUnits[] = {
        {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1'000, "s"}, {1, "ms"}};
    const long long ms = duration.count();
    for (const auto& [size, unit] : kUnits) {
        if (ms % size == 0) {
            return std::to_string(ms / size) + unit;
        }
    }
    return std::to_string(ms) + "ms";  // not reached: every count is whole milliseconds
}

Environment Environment::Load(const std::string& env_file) {
    Environment env;
    std::ifstream in(env_file);
    if (in) {
        std::stringstream buffer;
        buffer << in.rdbuf();
        env.file_values_ = ParseDotEnv(buffer.str());
    }
    return env;
}

Environment Environment::FromMap(std::map<std::string, std::string> values) {
    Environment env;
    env.file_values_ = std::move(values);
    env.use_process_env_ = false;
    return env;
}

Environment Environment::Describing() {
    Environment env;
    env.use_process_env_ = false;
    env.describing_ = true;
    return env;
}

void Environment::Record(const std::string& name, bool required, std::optional<std::string> fallback) const {
    const auto known = std::find_if(asked_.begin(), asked_.end(), [&](const Variable& v) { return v.name == name; });
    if (known != asked_.end()) {
        known->required = known->required || required;
        return;
    }
    asked_.push_back(Variable{name, required, std::move(fallback)});
}

std::optional<std::string> Environment::Lookup(const std::string& name) const {
    if (use_process_env_) {
        if (const char* v = std::getenv(name.c_str()); v != nullptr) {
            return std::string(v);
        }
    }
    if (auto it = file_values_.find(name); it != file_values_.end()) {
        return it->second;
    }
    return std::nullopt;
}

std::optional<std::string> Environment::Find(const std::string& name) const {
    Record(name, false, std::nullopt);
    return Lookup(name);
}

std::string Environment::Required(const std::string& name, const std::string& example) const {
    Record(name, true, std::nullopt);
    if (describing_) {
        return example;
    }
    auto v = Lookup(name);
    if (!v || v->empty()) {
        throw ConfigError("missing required setting " + name);
    }
    return *v;
}

std::string Environment::String(const std::string& name, const std::string& fallback) const {
    Record(name, false, fallback);
    auto v = Lookup(name);
    return v && !v->empty() ? *v : fallback;
}

int Environment::Int(const std::string& name, int fallback, int min, int max) const {
    Record(name, false, std::to_string(fallback));
    auto v = Lookup(name);
    if (!v || v->empty()) {
        return fallback;
    }
    int parsed = 0;
    const std::string s = Trim(*v);
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), parsed);
    if (ec != std::errc() || ptr != s.data() + s.size() || parsed < min || parsed > max) {
        throw ConfigError("malformed setting " + name + "=\"" + *v + "\": expected an integer from " +
                          std::to_string(min) + " to " + std::to_string(max));
    }
    return parsed;
}

std::chrono::milliseconds Environment::Duration(const std::string& name, std::chrono::milliseconds fallback,
                                                ZeroDuration zero) const {
    Record(name, false, FormatDuration(fallback));
    auto v = Lookup(name);
    if (!v || v->empty()) {
        return fallback;
    }
    auto parsed = ParseDuration(*v);
    const bool allowed = parsed && (parsed->count() > 0 || (parsed->count() == 0 && zero == ZeroDuration::kAllowed));
    if (!allowed) {
        throw ConfigError("malformed setting " + name + "=\"" + *v + "\": expected a " +
                          (zero == ZeroDuration::kAllowed ? "duration (0 for none)" : "positive duration") +
                          " such as 300ms, 30s, 5m, 1h or 7d");
    }
    return *parsed;
}

std::string PostgresConfig::ConnInfo(const std::string& application_name) const {
    std::string host_list;
    for (const auto& h : hosts) {
        if (!host_list.empty()) {
            host_list += ',';
        }
        host_list += h;
    }
    std::string port_list;
    for (const int p : ports) {
        if (!port_list.empty()) {
            port_list += ',';
        }
        port_list += std::to_string(p);
    }
    // target_session_attrs=read-write: libpq tries the hosts in order and keeps the first that accepts writes, so
    // a pool reconnecting after a failover lands on the promoted standby, never on a read-only one. connect_timeout
    // applies to each host. The keepalives notice within about 25 s an idle connection to a primary that vanished
    // without closing its sockets (power loss, partition), and tcp_user_timeout one that waits for an answer, so the
    // pools reconnect instead of waiting for the kernel's retransmission timeout (about 15 minutes).
    std::string conninfo = "host=" + QuoteConnValue(host_list) + " port=" + QuoteConnValue(port_list) +
                           " dbname=" + QuoteConnValue(database) + " user=" + QuoteConnValue(username) +
                           " password=" + QuoteConnValue(password) +
                           " application_name=" + QuoteConnValue(application_name) +
                           " connect_timeout=5 target_session_attrs=read-write keepalives=1 keepalives_idle=10"
                           " keepalives_interval=5 keepalives_count=3 tcp_user_timeout=30000";
    // No GSSAPI-encrypted connections unless asked for with libpq's own PGGSSENCMODE: libpq's default (prefer)
    // looks for a Kerberos credential cache before every connection, which initialises the Kerberos libraries
    // (about 0.7 MiB resident per process) for a service that logs in with a password (README, "Configuration").
    if (std::getenv("PGGSSENCMODE") == nullptr) {
        conninfo += " gssencmode=disable";
    }
    return conninfo;
}

namespace {

// A comma-separated list, each entry trimmed; an empty entry (",," or a trailing comma) is kept as empty.
std::vector<std::string> SplitList(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        const auto comma = text.find(',', start);
        out.push_back(Trim(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
        if (comma == std::string::npos) {
            return out;
        }
        start = comma + 1;
    }
}

std::vector<std::string> LoadHosts(const Environment& env) {
    const auto value = env.Required("POSTGRES_HOST");
    auto hosts = SplitList(value);
    for (const auto& h : hosts) {
        if (h.empty()) {
            throw ConfigError("malformed setting POSTGRES_HOST=\"" + value +
                              "\": expected a host or a comma-separated list of hosts, without empty entries");
        }
    }
    return hosts;
}

std::vector<int> LoadPorts(const Environment& env, std::size_t host_count) {
    const auto value = env.String("POSTGRES_PORT", "5432");
    std::vector<int> ports;
    for (const auto& entry : SplitList(value)) {
        int port = 0;
        const auto [ptr, ec] = std::from_chars(entry.data(), entry.data() + entry.size(), port);
        if (entry.empty() || ec != std::errc() || ptr != entry.data() + entry.size() || port < 1 || port > 65535) {
            throw ConfigError("malformed setting POSTGRES_PORT=\"" + value +
                              "\": expected a port from 1 to 65535, or a comma-separated list of them");
        }
        ports.push_back(port);
    }
    if (ports.size() != 1 && ports.size() != host_count) {
        throw ConfigError("malformed setting POSTGRES_PORT=\"" + value + "\": " + std::to_string(ports.size()) +
                          " ports for " + std::to_string(host_count) +
                          " hosts in POSTGRES_HOST; give one port for every host, or one per host");
    }
    return ports;
}

}  // namespace

PostgresConfig LoadPostgresConfig(const Environment& env, int default_max_open, int default_max_idle) {
    PostgresConfig pg;
    pg.hosts = LoadHosts(env);
    pg.ports = LoadPorts(env, pg.hosts.size());
    pg.database = env.Required("POSTGRES_DATABASE");
    pg.username = env.Required("POSTGRES_USERNAME");
    pg.password = env.String("POSTGRES_PASSWORD", "");
    pg.max_open_conns = env.Int("DB_MAX_OPEN_CONNS", default_max_open, 1, 1000);
    // As Go's database/sql does, an unset idle limit follows a lowered open limit.
    pg.max_idle_conns = env.Int("DB_MAX_IDLE_CONNS", std::min(default_max_idle, pg.max_open_conns), 0, 1000);
    if (pg.max_idle_conns > pg.max_open_conns) {
        throw ConfigError("malformed setting DB_MAX_IDLE_CONNS: must not exceed DB_MAX_OPEN_CONNS (" +
                          std::to_string(pg.max_open_conns) + ")");
    }
    pg.conn_max_lifetime = env.Duration("DB_CONN_MAX_LIFETIME", std::chrono::minutes(5));
    pg.conn_max_idle_time = env.Duration("DB_CONN_MAX_IDLE_TIME", std::chrono::minutes(2));
    pg.statement_timeout = env.Duration("DB_STATEMENT_TIMEOUT", std::chrono::seconds(5));
    pg.acquire_timeout = env.Duration("DB_ACQUIRE_TIMEOUT", std::chrono::seconds(5));
    pg.stats_interval = env.Duration("POOL_STATS_INTERVAL", std::chrono::seconds(30));
    return pg;
}

namespace {

AuthConfig LoadAuthConfig(const Environment& env) {
    AuthConfig auth;
    const auto mode = env.String("AUTH_MODE", "header");
    if (mode == "header") {
        auth.mode = AuthMode::kHeader;
    } else if (mode == "hmac") {
        auth.mode = AuthMode::kHmac;
    } else if (mode == "jwt") {
        auth.mode = AuthMode::kJwt;
    } else {
        throw ConfigError("malformed setting AUTH_MODE=\"" + mode + "\": expected header, hmac or jwt");
    }
    auth.secret = env.String("AUTH_SECRET", "");
    // HMAC-SHA256 keys shorter than the hash add no strength and invite guessable secrets.
    if (auth.mode != AuthMode::kHeader && auth.secret.size() < 32) {
        throw ConfigError("malformed setting AUTH_SECRET: AUTH_MODE=" + mode + " needs a secret of at least 32 bytes");
    }
    auth.max_skew = env.Duration("AUTH_MAX_SKEW", std::chrono::minutes(5));
    return auth;
}

// RABBITMQ_URL normalised: every node's full URL, comma-separated (the form infra/rabbitmq takes).
std::string RequireAmqpUrl(const Environment& env) {
    std::string joined;
    for (const auto& url : ParseAmqpUrls(env.Required("RABBITMQ_URL", "amqp://localhost/"))) {
        joined += (joined.empty() ? "" : ",") + url;
    }
    return joined;
}

}  // namespace

WorkerConfig LoadWorkerConfig(const Environment& env) {
    WorkerConfig cfg;
    cfg.service_name = env.String("SERVICE_NAME", "auction");
    cfg.log_level = env.String("LOG_LEVEL", "info");
    cfg.worker_id = env.String("WORKER_ID", std::to_string(::getpid()));
    cfg.rabbitmq_url = RequireAmqpUrl(env);
    cfg.rabbitmq_queue_type = env.String("RABBITMQ_QUEUE_TYPE", "quorum");
    if (cfg.rabbitmq_queue_type != "quorum" && cfg.rabbitmq_queue_type != "classic") {
        throw ConfigError("malformed setting RABBITMQ_QUEUE_TYPE=\"" + cfg.rabbitmq_queue_type +
                          "\": expected quorum or classic");
    }
    cfg.postgres = LoadPostgresConfig(env, 15, 8);
    cfg.prefetch_count = env.Int("PREFETCH_COUNT", 10, 1, 65535);
    cfg.worker_pool_size = env.Int("WORKER_POOL_SIZE", 20, 1, 1000);
    cfg.retry_max_attempts = env.Int("RETRY_MAX_ATTEMPTS", 8, 1, 100);
    cfg.retry_backoff_initial = env.Duration("RETRY_BACKOFF_INITIAL", std::chrono::milliseconds(100));
    cfg.retry_backoff_max = env.Duration("RETRY_BACKOFF_MAX", std::chrono::seconds(5));
    cfg.shutdown_timeout = env.Duration("SHUTDOWN_TIMEOUT", std::chrono::seconds(30));
    cfg.health_port = env.Int("HEALTH_PORT", 8090, 0, 65535);
    cfg.close_grace = env.Duration("AUCTION_CLOSE_GRACE", std::chrono::seconds(5));
    cfg.settle_timeout = env.Duration("AUCTION_SETTLE_TIMEOUT", std::chrono::hours(1));
    cfg.close_interval = env.Duration("AUCTION_CLOSE_INTERVAL", std::chrono::seconds(1));
    cfg.close_batch_size = env.Int("AUCTION_CLOSE_BATCH", 500, 1, 10000);
    cfg.bid_dedupe_retention = env.Duration("BID_DEDUPE_RETENTION", std::chrono::hours(24 * 7));
    cfg.purge_interval = env.Duration("RETENTION_PURGE_INTERVAL", std::chrono::minutes(1));
    return cfg;
}

ApiConfig LoadApiConfig(const Environment& env) {
    ApiConfig cfg;
    cfg.port = env.Int("PORT", 8080, 0, 65535);
    cfg.service_name = env.String("SERVICE_NAME", "auction");
    cfg.log_level = env.String("LOG_LEVEL", "info");
    cfg.rabbitmq_url = RequireAmqpUrl(env);
    // The API hands queries to one thread per connection. On a small machine every extra thread costs
    // context switches: bench/items_bench.sh measured 4 connections 27% faster than 16 on 2 cores.
    const int cores = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
    const int default_conns = std::max(4, 2 * cores);
    cfg.postgres = LoadPostgresConfig(env, default_conns, default_conns);
    cfg.aws.endpoint = env.String("AWS_ENDPOINT", "");
    cfg.aws.access_key = env.String("AWS_ACCESS_KEY", "");
    cfg.aws.secret_key = env.String("AWS_SECRET_KEY", "");
    cfg.aws.region = env.String("AWS_DEFAULT_REGION", "eu-central-1");
    cfg.aws.bucket = env.Required("AWS_BUCKET");  // image uploads need it; no silent default bucket
    cfg.http_threads = env.Int("HTTP_THREADS", cores, 1, 256);
    cfg.read_conns = env.Int("DB_READ_CONNS", cfg.http_threads, 1, 256);
    cfg.body_limit_bytes = static_cast<std::size_t>(env.Int("HTTP_BODY_LIMIT", 1024 * 1024, 1024, 64 * 1024 * 1024));
    cfg.item_cache_bytes =
        static_cast<std::size_t>(env.Int("ITEM_CACHE_BYTES", 8 * 1024 * 1024, 0, 1024 * 1024 * 1024));
    cfg.idempotency_ttl = env.Duration("IDEMPOTENCY_TTL", std::chrono::hours(24));
    cfg.idle_timeout = env.Duration("HTTP_IDLE_TIMEOUT", std::chrono::seconds(60));
    cfg.request_timeout = env.Duration("HTTP_REQUEST_TIMEOUT", std::chrono::seconds(30));
    cfg.shutdown_timeout = env.Duration("SHUTDOWN_TIMEOUT", std::chrono::seconds(15));
    cfg.shutdown_drain = env.Duration("SHUTDOWN_DRAIN", std::chrono::seconds(5), ZeroDuration::kAllowed);
    cfg.max_connections = static_cast<std::size_t>(env.Int("HTTP_MAX_CONNECTIONS", 10000, 1, 1000000));
    cfg.max_header_fields = static_cast<std::size_t>(env.Int("HTTP_MAX_HEADERS", 100, 8, 10000));
    cfg.header_timeout = env.Duration("HTTP_HEADER_TIMEOUT", std::chrono::seconds(10));
    cfg.auth = LoadAuthConfig(env);
    return cfg;
}

}  // namespace auction::config
