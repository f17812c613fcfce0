#include <gtest/gtest.h>

#include <thread>

#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "pkg/config/config.hpp"

namespace auction::config {
namespace {

using std::chrono::milliseconds;
using namespace std::chrono_literals;

// A valid API environment with only the design's required variables.
std::map<std::string, std::string> ValidApiEnv() {
    return {
        {"POSTGRES_HOST", "auction-postgres"}, {"POSTGRES_PORT", "5432"},
        {"POSTGRES_DATABASE", "auction"},      {"POSTGRES_USERNAME", "postgres"},
        {"POSTGRES_PASSWORD", "postgres"},     {"RABBITMQ_URL", "amqp://guest:guest@rabbitmq:5672/"},
        {"AWS_BUCKET", "auction-images"},
    };
}

// Runs `load`, expecting a ConfigError whose message names `variable`.
template <typename F>
void ExpectConfigErrorNaming(F&& load, const std::string& variable) {
    try {
        load();
        ADD_FAILURE() << "expected a ConfigError naming " << variable;
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find(variable), std::string::npos) << e.what();
    }
}

void ExpectApiConfigErrorNaming(std::map<std::string, std::string> values, const std::string& variable) {
    const auto env = Environment::FromMap(std::move(values));
    ExpectConfigErrorNaming([&] { (void)LoadApiConfig(env); }, variable);
}

TEST(ParseDotEnv, ReadsTheDesignsEnvFile) {
    const auto values = ParseDotEnv(
        "# Server\n"
        "PORT=8080\n"
        "\n"
        "   # indented comment\n"
        "export SERVICE_NAME=auction\n"
        "POSTGRES_PASSWORD=\"pa ss # not a comment\"\n"
        "AWS_SECRET_KEY='single quoted'\n"
        "AWS_ENDPOINT=http://localhost:9000 # MinIO endpoint (leave empty for AWS S3)\n"
        "AWS_BUCKET=auction-images # Bucket name\n"
        "  SPACED  =  value  \n"
        "URL_WITH_HASH=http://host/#fragment\n"
        "not a setting\n"
        "EMPTY=\n");
    EXPECT_EQ(values.at("PORT"), "8080");
    EXPECT_EQ(values.at("SERVICE_NAME"), "auction");
    EXPECT_EQ(values.at("POSTGRES_PASSWORD"), "pa ss # not a comment");
    EXPECT_EQ(values.at("AWS_SECRET_KEY"), "single quoted");
    EXPECT_EQ(values.at("AWS_ENDPOINT"), "http://localhost:9000");
    EXPECT_EQ(values.at("AWS_BUCKET"), "auction-images");
    EXPECT_EQ(values.at("SPACED"), "value");
    EXPECT_EQ(values.at("URL_WITH_HASH"), "http://host/#fragment");
    EXPECT_EQ(values.at("EMPTY"), "");
    EXPECT_EQ(values.count("not a setting"), 0U);
    EXPECT_EQ(values.size(), 9U);
}

TEST(ParseDotEnv, HandlesCrlfLineEndings) {
    const auto values = ParseDotEnv("PORT=8080\r\nSERVICE_NAME=auction\r\n");
    EXPECT_EQ(values.at("PORT"), "8080");
    EXPECT_EQ(values.at("SERVICE_NAME"), "auction");
}

// The design's production .env example: `AWS_ENDPOINT= # Leave empty for AWS S3` means empty.
TEST(ParseDotEnv, EmptyValueFollowedByInlineCommentIsEmpty) {
    const auto values = ParseDotEnv("AWS_ENDPOINT= # Leave empty for AWS S3\n");
    EXPECT_EQ(values.at("AWS_ENDPOINT"), "");
}

// A quoted value ends at its closing quote, even with a comment after it.
TEST(ParseDotEnv, QuotedValueFollowedByInlineComment) {
    const auto values = ParseDotEnv("POSTGRES_PASSWORD=\"secret\" # db password\n");
    EXPECT_EQ(values.at("POSTGRES_PASSWORD"), "secret");
}

TEST(ParseDuration, AcceptsGoStyleDurations) {
    EXPECT_EQ(ParseDuration("300ms"), milliseconds(300));
    EXPECT_EQ(ParseDuration("30s"), milliseconds(30'000));
    EXPECT_EQ(ParseDuration("5m"), milliseconds(300'000));
    EXPECT_EQ(ParseDuration("1h"), milliseconds(3'600'000));
    EXPECT_EQ(ParseDuration("1m30s"), milliseconds(90'000));
    EXPECT_EQ(ParseDuration("1h2m3s4ms"), milliseconds(3'723'004));
    EXPECT_EQ(ParseDuration("1.5s"), milliseconds(1'500));
    EXPECT_EQ(ParseDuration(" 2s "), milliseconds(2'000));
    EXPECT_EQ(ParseDuration("7d"), milliseconds(7LL * 86'400'000));  // retention knobs (BID_DEDUPE_RETENTION)
    EXPECT_EQ(ParseDuration("1d12h"), milliseconds(36LL * 3'600'000));
    EXPECT_EQ(ParseDuration("0"), milliseconds(0));  // as in Go; other bare numbers need a unit
    EXPECT_EQ(ParseDuration("0s"), milliseconds(0));
}

TEST(ParseDuration, RejectsMalformedDurations) {
    for (const char* bad : {"", " ", "30", "s", "5 m", "-5s", "5w", "5sec", "1m30", "ms", "abc", ".s", "5S"}) {
        EXPECT_FALSE(ParseDuration(bad).has_value()) << bad;
    }
}

// A number with two decimal points is malformed, not silently truncated.
TEST(ParseDuration, RejectsNumbersWithTwoDecimalPoints) {
    EXPECT_FALSE(ParseDuration("1.5.5s").has_value());
}

TEST(Environment, ReadsValuesAndFallbacks) {
    const auto env = Environment::FromMap({{"A", "x"}, {"N", " 42 "}, {"D", "1m30s"}, {"E", ""}});
    EXPECT_EQ(env.Find("A"), "x");
    EXPECT_FALSE(env.Find("MISSING").has_value());
    EXPECT_EQ(env.Required("A"), "x");
    EXPECT_EQ(env.String("A", "f"), "x");
    EXPECT_EQ(env.String("E", "f"), "f");
    EXPECT_EQ(env.String("MISSING", "f"), "f");
    EXPECT_EQ(env.Int("N", 1, 0, 100), 42);
    EXPECT_EQ(env.Int("MISSING", 7, 0, 100), 7);
    EXPECT_EQ(env.Int("E", 7, 0, 100), 7);
    EXPECT_EQ(env.Duration("D", 1s), 90s);
    EXPECT_EQ(env.Duration("MISSING", 5s), 5s);
}

TEST(Environment, FromMapIgnoresTheProcessEnvironment) {
    // PATH is set in any process that runs the tests; FromMap must not see it.
    ASSERT_NE(std::getenv("PATH"), nullptr);
    EXPECT_FALSE(Environment::FromMap({}).Find("PATH").has_value());
}

TEST(Environment, ErrorsNameTheVariable) {
    const auto env = Environment::FromMap({{"EMPTY_ONE", ""},
                                           {"NOT_INT", "12x"},
                                           {"TOO_BIG", "101"},
                                           {"HUGE", "99999999999"},
                                           {"BAD_DUR", "5 min"},
                                           {"ZERO_DUR", "0s"}});
    ExpectConfigErrorNaming([&] { (void)env.Required("ABSENT_ONE"); }, "ABSENT_ONE");
    ExpectConfigErrorNaming([&] { (void)env.Required("EMPTY_ONE"); }, "EMPTY_ONE");
    ExpectConfigErrorNaming([&] { (void)env.Int("NOT_INT", 0, 0, 100); }, "NOT_INT");
    ExpectConfigErrorNaming([&] { (void)env.Int("TOO_BIG", 0, 0, 100); }, "TOO_BIG");
    ExpectConfigErrorNaming([&] { (void)env.Int("HUGE", 0, 0, 100); }, "HUGE");
    ExpectConfigErrorNaming([&] { (void)env.Duration("BAD_DUR", 1s); }, "BAD_DUR");
    ExpectConfigErrorNaming([&] { (void)env.Duration("ZERO_DUR", 1s); }, "ZERO_DUR");
    ExpectConfigErrorNaming([&] { (void)env.Duration("BAD_DUR", 1s, ZeroDuration::kAllowed); }, "BAD_DUR");
}

// A wait that can be turned off (SHUTDOWN_DRAIN) takes 0, and only then.
TEST(Environment, ZeroDurationOnlyWhereAllowed) {
    const auto env = Environment::FromMap({{"Z", "0"}, {"ZS", "0s"}, {"D", "250ms"}});
    EXPECT_EQ(env.Duration("Z", 5s, ZeroDuration::kAllowed), 0ms);
    EXPECT_EQ(env.Duration("ZS", 5s, ZeroDuration::kAllowed), 0ms);
    EXPECT_EQ(env.Duration("D", 5s, ZeroDuration::kAllowed), 250ms);
    EXPECT_EQ(env.Duration("MISSING", 5s, ZeroDuration::kAllowed), 5s);
    ExpectConfigErrorNaming([&] { (void)env.Duration("Z", 5s); }, "Z");
}

TEST(LoadApiConfig, ReadsAFullValidEnvironmentWithDefaults) {
    auto values = ValidApiEnv();
    values["AWS_ENDPOINT"] = "http://localhost:9000";
    values["AWS_BUCKET"] = "auction-images";
    const auto cfg = LoadApiConfig(Environment::FromMap(values));
    EXPECT_EQ(cfg.port, 8080);
    EXPECT_EQ(cfg.service_name, "auction");
    EXPECT_EQ(cfg.rabbitmq_url, "amqp://guest:guest@rabbitmq:5672/");
    EXPECT_EQ(cfg.postgres.hosts, std::vector<std::string>{"auction-postgres"});
    EXPECT_EQ(cfg.postgres.ports, std::vector<int>{5432});
    EXPECT_EQ(cfg.postgres.database, "auction");
    EXPECT_EQ(cfg.postgres.username, "postgres");
    EXPECT_EQ(cfg.postgres.password, "postgres");
    const int cores = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
    EXPECT_EQ(cfg.postgres.max_open_conns, std::max(4, 2 * cores));  // sized to the machine
    EXPECT_EQ(cfg.postgres.max_idle_conns, cfg.postgres.max_open_conns);
    EXPECT_EQ(cfg.postgres.conn_max_lifetime, 5min);
    EXPECT_EQ(cfg.postgres.conn_max_idle_time, 2min);
    EXPECT_EQ(cfg.postgres.statement_timeout, 5s);
    EXPECT_EQ(cfg.aws.endpoint, "http://localhost:9000");
    EXPECT_EQ(cfg.aws.region, "eu-central-1");
    EXPECT_EQ(cfg.aws.bucket, "auction-images");
    EXPECT_GE(cfg.http_threads, 1);
    EXPECT_EQ(cfg.body_limit_bytes, 1024U * 1024U);
    EXPECT_EQ(cfg.shutdown_drain, 5s);
}

TEST(LoadApiConfig, HonoursExplicitTuning) {
    auto values = ValidApiEnv();
    values["PORT"] = "9090";
    values["SERVICE_NAME"] = "auction-api";
    values["RABBITMQ_URL"] = "amqps://u:p@broker:5671/vhost";
    values["DB_MAX_OPEN_CONNS"] = "20";
    values["DB_MAX_IDLE_CONNS"] = "4";
    values["DB_CONN_MAX_LIFETIME"] = "10m";
    values["HTTP_REQUEST_TIMEOUT"] = "2500ms";
    values["SHUTDOWN_DRAIN"] = "0";
    const auto cfg = LoadApiConfig(Environment::FromMap(values));
    EXPECT_EQ(cfg.port, 9090);
    EXPECT_EQ(cfg.service_name, "auction-api");
    EXPECT_EQ(cfg.postgres.max_open_conns, 20);
    EXPECT_EQ(cfg.postgres.max_idle_conns, 4);
    EXPECT_EQ(cfg.postgres.conn_max_lifetime, 10min);
    EXPECT_EQ(cfg.request_timeout, 2500ms);
    EXPECT_EQ(cfg.shutdown_drain, 0ms);
}

TEST(LoadApiConfig, MissingOrMalformedSettingsNameTheVariable) {
    for (const char* required :
         {"POSTGRES_HOST", "POSTGRES_DATABASE", "POSTGRES_USERNAME", "RABBITMQ_URL", "AWS_BUCKET"}) {
        auto values = ValidApiEnv();
        values.erase(required);
        ExpectApiConfigErrorNaming(values, required);
    }
    const std::map<std::string, std::pair<std::string, std::string>> malformed = {
        {"PORT=abc", {"PORT", "abc"}},
        {"PORT=70000", {"PORT", "70000"}},
        {"PORT=-1", {"PORT", "-1"}},
        {"POSTGRES_PORT=0", {"POSTGRES_PORT", "0"}},
        {"RABBITMQ_URL=http", {"RABBITMQ_URL", "http://x"}},
        {"DB_STATEMENT_TIMEOUT", {"DB_STATEMENT_TIMEOUT", "soon"}},
        {"DB_MAX_OPEN_CONNS=0", {"DB_MAX_OPEN_CONNS", "0"}},
        {"SHUTDOWN_DRAIN=5", {"SHUTDOWN_DRAIN", "5"}},
    };
    for (const auto& [label, kv] : malformed) {
        SCOPED_TRACE(label);
        auto values = ValidApiEnv();
        values[kv.first] = kv.second;
        ExpectApiConfigErrorNaming(values, kv.first);
    }
}

TEST(LoadApiConfig, IdlePoolLargerThanOpenPoolIsRejected) {
    auto values = ValidApiEnv();
    values["DB_MAX_OPEN_CONNS"] = "10";
    values["DB_MAX_IDLE_CONNS"] = "11";
    ExpectApiConfigErrorNaming(values, "DB_MAX_IDLE_CONNS");
}

// Lowering only DB_MAX_OPEN_CONNS lowers the default idle count with it, as Go's database/sql does.
TEST(LoadApiConfig, LoweringOnlyMaxOpenConnsStillLoads) {
    auto values = ValidApiEnv();
    values["DB_MAX_OPEN_CONNS"] = "4";
    try {
        const auto cfg = LoadApiConfig(Environment::FromMap(values));
        EXPECT_EQ(cfg.postgres.max_open_conns, 4);
        EXPECT_LE(cfg.postgres.max_idle_conns, 4);
    } catch (const ConfigError& e) {
        ADD_FAILURE() << "unset DB_MAX_IDLE_CONNS should follow DB_MAX_OPEN_CONNS: " << e.what();
    }
}

TEST(PostgresConfig, ConnInfoQuotesEveryValue) {
    PostgresConfig pg;
    pg.hosts = {"db"};
    pg.ports = {5433};
    pg.database = "auction";
    pg.username = "post gres";
    pg.password = R"(it's a\secret)";
    EXPECT_EQ(pg.ConnInfo("auction-api"),
              R"(host='db' port='5433' dbname='auction' user='post gres' password='it\'s a\\secret' )"
              R"(application_name='auction-api' connect_timeout=5 target_session_attrs=read-write keepalives=1 )"
              R"(keepalives_idle=10 keepalives_interval=5 keepalives_count=3 tcp_user_timeout=30000 )"
              R"(gssencmode=disable)");
}

// No Kerberos probe before every connection (README, "Process defaults"), unless libpq's own PGGSSENCMODE asks for
// GSSAPI encryption: then the connection string leaves gssencmode to it.
TEST(PostgresConfig, GssEncryptionIsOffUnlessPgGssEncModeIsSet) {
    PostgresConfig pg;
    pg.hosts = {"db"};
    pg.ports = {5432};
    const char* before = std::getenv("PGGSSENCMODE");
    const std::optional<std::string> saved = before != nullptr ? std::optional<std::string>(before) : std::nullopt;
    unsetenv("PGGSSENCMODE");
    EXPECT_TRUE(pg.ConnInfo("x").ends_with(" gssencmode=disable")) << pg.ConnInfo("x");
    setenv("PGGSSENCMODE", "prefer", 1);
    EXPECT_EQ(pg.ConnInfo("x").find("gssencmode"), std::string::npos) << pg.ConnInfo("x");
    if (saved) {
        setenv("PGGSSENCMODE", saved->c_str(), 1);
    } else {
        unsetenv("PGGSSENCMODE");
    }
}

// A primary and its standbys: libpq tries them in order and keeps the one that takes writes.
TEST(PostgresConfig, HostAndPortListsReachTheConnectionString) {
    auto values = ValidApiEnv();
    values["POSTGRES_HOST"] = "pg-a, pg-b ,pg-c";
    values["POSTGRES_PORT"] = "5432,5433, 5434";
    auto cfg = LoadApiConfig(Environment::FromMap(values)).postgres;
    EXPECT_EQ(cfg.hosts, (std::vector<std::string>{"pg-a", "pg-b", "pg-c"}));
    EXPECT_EQ(cfg.ports, (std::vector<int>{5432, 5433, 5434}));
    const auto conninfo = cfg.ConnInfo("x");
    EXPECT_NE(conninfo.find("host='pg-a,pg-b,pg-c' port='5432,5433,5434' "), std::string::npos) << conninfo;
    EXPECT_NE(conninfo.find(" target_session_attrs=read-write"), std::string::npos) << conninfo;

    // One port serves every host; no port means 5432 for all.
    values["POSTGRES_PORT"] = "6432";
    cfg = LoadApiConfig(Environment::FromMap(values)).postgres;
    EXPECT_EQ(cfg.ports, std::vector<int>{6432});
    EXPECT_NE(cfg.ConnInfo("x").find("port='6432' "), std::string::npos);
    values.erase("POSTGRES_PORT");
    EXPECT_EQ(LoadApiConfig(Environment::FromMap(values)).postgres.ports, std::vector<int>{5432});
}

TEST(PostgresConfig, MalformedHostOrPortListsNameTheVariable) {
    for (const auto& [hosts, ports, variable] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {"pg-a,,pg-b", "5432", "POSTGRES_HOST"},
             {"pg-a,", "5432", "POSTGRES_HOST"},
             {" , ", "5432", "POSTGRES_HOST"},
             {"pg-a,pg-b,pg-c", "5432,5433", "POSTGRES_PORT"},  // neither one port nor one per host
             {"pg-a", "5432,5433", "POSTGRES_PORT"},
             {"pg-a,pg-b", "5432,", "POSTGRES_PORT"},
             {"pg-a,pg-b", "5432,x", "POSTGRES_PORT"},
             {"pg-a,pg-b", "5432,70000", "POSTGRES_PORT"},
             {"pg-a", "0", "POSTGRES_PORT"}}) {
        SCOPED_TRACE(::testing::Message() << hosts << " / " << ports);
        auto values = ValidApiEnv();
        values["POSTGRES_HOST"] = hosts;
        values["POSTGRES_PORT"] = ports;
        ExpectApiConfigErrorNaming(values, variable);
    }
    // The count mismatch says what is allowed.
    auto values = ValidApiEnv();
    values["POSTGRES_HOST"] = "pg-a,pg-b,pg-c";
    values["POSTGRES_PORT"] = "5432,5433";
    try {
        LoadApiConfig(Environment::FromMap(values));
        ADD_FAILURE() << "2 ports for 3 hosts were accepted";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("2 ports for 3 hosts"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace auction::config

namespace auction::config {
namespace {

TEST(LoadWorkerConfig, DefaultsAreTheDesignsTuning) {
    const auto cfg = LoadWorkerConfig(Environment::FromMap({{"POSTGRES_HOST", "db"},
                                                            {"POSTGRES_DATABASE", "auction"},
                                                            {"POSTGRES_USERNAME", "postgres"},
                                                            {"RABBITMQ_URL", "amqp://guest:guest@mq:5672/"}}));
    EXPECT_EQ(cfg.prefetch_count, 10);
    EXPECT_EQ(cfg.worker_pool_size, 20);
    EXPECT_EQ(cfg.postgres.max_open_conns, 15);
    EXPECT_EQ(cfg.postgres.max_idle_conns, 8);
    EXPECT_EQ(cfg.postgres.conn_max_lifetime, std::chrono::minutes(5));
    EXPECT_EQ(cfg.postgres.conn_max_idle_time, std::chrono::minutes(2));
    EXPECT_EQ(cfg.postgres.stats_interval, std::chrono::seconds(30));
}

TEST(LoadWorkerConfig, KnobsComeFromTheEnvironmentAndAreChecked) {
    std::map<std::string, std::string> values{
        {"POSTGRES_HOST", "db"},        {"POSTGRES_DATABASE", "auction"}, {"POSTGRES_USERNAME", "pg"},
        {"RABBITMQ_URL", "amqp://mq/"}, {"PREFETCH_COUNT", "50"},         {"WORKER_POOL_SIZE", "64"},
        {"DB_MAX_OPEN_CONNS", "64"},    {"POOL_STATS_INTERVAL", "5s"},    {"RETRY_MAX_ATTEMPTS", "3"}};
    const auto cfg = LoadWorkerConfig(Environment::FromMap(values));
    EXPECT_EQ(cfg.prefetch_count, 50);
    EXPECT_EQ(cfg.worker_pool_size, 64);
    EXPECT_EQ(cfg.postgres.max_open_conns, 64);
    EXPECT_EQ(cfg.postgres.max_idle_conns, 8);
    EXPECT_EQ(cfg.postgres.stats_interval, std::chrono::seconds(5));
    EXPECT_EQ(cfg.retry_max_attempts, 3);
    for (const auto& [name, bad] : std::vector<std::pair<std::string, std::string>>{
             {"PREFETCH_COUNT", "0"}, {"WORKER_POOL_SIZE", "many"}, {"RETRY_BACKOFF_MAX", "soon"}}) {
        auto broken = values;
        broken[name] = bad;
        try {
            LoadWorkerConfig(Environment::FromMap(broken));
            ADD_FAILURE() << name << "=" << bad << " was accepted";
        } catch (const ConfigError& e) {
            EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
        }
    }
}

}  // namespace
}  // namespace auction::config
