#include "support/test_env.hpp"

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "pkg/ids/uuid.hpp"
#include "pkg/timeutil/rfc3339.hpp"

namespace auction::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

config::ApiConfig TestApiConfig() {
    auto env = config::Environment::Load("/nonexistent/.env");
    for (const char* name : {"POSTGRES_HOST", "POSTGRES_DATABASE", "RABBITMQ_URL"}) {
        if (!env.Find(name)) {
            throw std::runtime_error(std::string("integration tests need ") + name +
                                     ": run them through scripts/test.sh, which starts the real services");
        }
    }
    auto cfg = config::LoadApiConfig(env);
    cfg.port = 0;
    cfg.http_threads = 2;
    cfg.shutdown_timeout = std::chrono::seconds(5);
    return cfg;
}

namespace {

// The servers the tests keep in function-local statics. Their background threads (the outbox relay, the
// closer, the purgers) use function-local statics of their own, such as SQL strings, made on first use in
// those threads and so destroyed at exit before the server that runs them: a thread still polling then reads
// a destroyed string. Every live server is therefore stopped when the tests end, before static destruction.
std::mutex g_servers_mutex;
std::vector<ApiServer*>& LiveServers() {
    static auto* servers = new std::vector<ApiServer*>;  // never destroyed, like the logger's sink
    return *servers;
}

class StopServersAtTheEnd : public ::testing::Environment {
public:
    void TearDown() override {
        std::vector<ApiServer*> servers;
        {
            std::lock_guard lock(g_servers_mutex);
            servers = LiveServers();
        }
        for (auto* server : servers) {
            server->Stop();
        }
    }
};

[[maybe_unused]] const auto* const g_stop_servers = ::testing::AddGlobalTestEnvironment(new StopServersAtTheEnd);

}  // namespace

ApiServer& ApiServer::Shared() {
    static ApiServer server(TestApiConfig());
    return server;
}

ApiServer::ApiServer(config::ApiConfig config) : app_(std::make_unique<api::ApiApp>(std::move(config))) {
    port_ = app_->Start();
    std::lock_guard lock(g_servers_mutex);
    LiveServers().push_back(this);
}

ApiServer::~ApiServer() {
    Stop();
    std::lock_guard lock(g_servers_mutex);
    std::erase(LiveServers(), this);
}

void ApiServer::Stop() {
    app_->Stop();  // idempotent
}

boost::json::value HttpResult::Json() const {
    return boost::json::parse(body);
}

std::string HttpResult::Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
}

struct HttpClient::Impl {
    asio::io_context io;
    std::unique_ptr<beast::tcp_stream> stream;
    beast::flat_buffer buffer;
    unsigned short port;
    bool connected = false;

    void Connect() {
        if (connected) {
            return;
        }
        stream = std::make_unique<beast::tcp_stream>(io);
        stream->connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        connected = true;
    }
};

HttpClient::HttpClient(unsigned short port) : impl_(std::make_unique<Impl>()) {
    impl_->port = port;
}
HttpClient::~HttpClient() = default;

namespace {

/// With AUCTION_CONTRACT_DIR set (scripts/test.sh sets it), every HTTP exchange (with its response headers) and every
/// event the integration tests see is appended as one JSON line to http.jsonl / events.jsonl in that folder, and
/// tools/contract checks them against docs/openapi.json and docs/asyncapi.yaml: the specs cannot drift
/// from what the code really sends.
void RecordContractLine(const char* file, const boost::json::object& line) {
    static const char* dir = std::getenv("AUCTION_CONTRACT_DIR");
    if (dir == nullptr || *dir == '\0') {
        return;
    }
    static std::mutex mu;
    std::lock_guard lock(mu);
    std::ofstream out(std::string(dir) + "/" + file, std::ios::app);
    out << boost::json::serialize(line) << '\n';
}

void RecordHttp(const std::string& method, const std::string& target, const std::string& request_content_type,
                const HttpResult& res) {
    boost::json::object line;
    line["method"] = method;
    line["target"] = target;
    line["requestContentType"] = request_content_type;
    line["status"] = res.status;
    line["contentType"] = res.Header("content-type");
    boost::json::object headers;  // lower-case names, for the documented response headers (e.g. ETag)
    for (const auto& [name, value] : res.headers) {
        headers[name] = value;
    }
    line["headers"] = std::move(headers);
    line["body"] = res.body;
    RecordContractLine("http.jsonl", line);
}

}  // namespace

void RecordEvent(const rabbitmq::Delivery& d) {
    boost::json::object line;
    line["exchange"] = d.exchange;
    line["routingKey"] = d.routing_key;
    line["messageId"] = d.properties.message_id;
    line["contentType"] = d.properties.content_type;
    line["type"] = d.properties.type;
    line["appId"] = d.properties.app_id;
    line["correlationId"] = d.properties.correlation_id;
    line["deliveryMode"] = d.properties.persistent ? 2 : 1;
    if (d.properties.timestamp != 0) {
        line["timestamp"] = d.properties.timestamp;
    }
    if (!d.headers.empty()) {
        boost::json::object headers;
        for (const auto& [name, value] : d.headers) {
            headers[name] = value;
        }
        line["headers"] = std::move(headers);
    }
    line["body"] = d.body;
    RecordContractLine("events.jsonl", line);
}

HttpResult HttpClient::Request(const std::string& method, const std::string& target, const std::string& body,
                               std::map<std::string, std::string> headers) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        impl_->Connect();
        http::request<http::string_body> req{http::string_to_verb(method), target, 11};
        req.set(http::field::host, "127.0.0.1");
        for (const auto& [k, v] : headers) {
            req.set(k, v);
        }
        req.body() = body;
        if (!body.empty() || method == "POST" || method == "PUT") {
            req.prepare_payload();
        }
        impl_->stream->expires_after(std::chrono::seconds(30));
        beast::error_code ec;
        http::write(*impl_->stream, req, ec);
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        // Even when the server stopped reading our body (e.g. 413), its answer may be waiting.
        const bool write_failed = static_cast<bool>(ec);
        http::read(*impl_->stream, impl_->buffer, parser, ec);
        if (write_failed && !ec) {
            impl_->connected = false;
            impl_->buffer.clear();
        }
        if (ec) {
            // The server closed a kept-alive connection: reconnect once.
            impl_->connected = false;
            impl_->buffer.clear();
            if (attempt == 0) {
                continue;
            }
            throw std::runtime_error("HTTP request failed: " + ec.message());
        }
        auto res = parser.release();
        HttpResult out;
        out.status = res.result_int();
        for (const auto& f : res) {
            std::string name(f.name_string());
            for (auto& c : name) {
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            }
            out.headers[name] = std::string(f.value());
        }
        out.body = res.body();
        if (!res.keep_alive()) {
            impl_->connected = false;
            impl_->buffer.clear();
        }
        std::string request_content_type;
        for (const auto& [k, v] : headers) {
            if (boost::beast::iequals(k, "content-type")) {
                request_content_type = v;
            }
        }
        RecordHttp(method, target, request_content_type, out);
        return out;
    }
    throw std::runtime_error("unreachable");
}

HttpResult HttpClient::Get(const std::string& target, std::map<std::string, std::string> headers) {
    return Request("GET", target, "", std::move(headers));
}

HttpResult HttpClient::PostJson(const std::string& target, const boost::json::value& body, const std::string& user,
                                std::map<std::string, std::string> headers) {
    headers["Content-Type"] = "application/json";
    if (!user.empty()) {
        headers["X-User-ID"] = user;
    }
    return Request("POST", target, boost::json::serialize(body), std::move(headers));
}

HttpResult HttpClient::PutJson(const std::string& target, const boost::json::value& body, const std::string& user,
                               std::map<std::string, std::string> headers) {
    headers["Content-Type"] = "application/json";
    if (!user.empty()) {
        headers["X-User-ID"] = user;
    }
    return Request("PUT", target, boost::json::serialize(body), std::move(headers));
}

HttpResult HttpClient::Delete(const std::string& target, const std::string& user,
                              std::map<std::string, std::string> headers) {
    if (!user.empty()) {
        headers["X-User-ID"] = user;
    }
    return Request("DELETE", target, "", std::move(headers));
}

EventTap::EventTap(const std::string& exchange, const std::string& binding_key, std::string durable_queue)
    : queue_(std::move(durable_queue)), durable_(!queue_.empty()) {
    conn_ = std::make_unique<rabbitmq::AmqpConnection>(TestApiConfig().rabbitmq_url, "integration-test-tap");
    conn_->DeclareExchange(exchange, "topic", true);
    queue_ = conn_->DeclareQueue(queue_, durable_, !durable_, !durable_);
    conn_->BindQueue(queue_, exchange, binding_key);
    conn_->Consume(queue_);
}

EventTap::~EventTap() {
    if (!durable_) {
        return;
    }
    try {
        conn_ = std::make_unique<rabbitmq::AmqpConnection>(TestApiConfig().rabbitmq_url, "integration-test-cleanup");
        conn_->DeleteQueue(queue_);
    } catch (const std::exception&) {
        // The broker may be down after a failed test; the queue then stays until the next reset.
    }
}

void EventTap::Reconnect() {
    conn_ = std::make_unique<rabbitmq::AmqpConnection>(TestApiConfig().rabbitmq_url, "integration-test-tap");
    conn_->Consume(queue_);
}

std::optional<rabbitmq::Delivery> EventTap::Next(const std::function<bool(const rabbitmq::Delivery&)>& pred,
                                                 std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        auto d = conn_->NextDelivery(std::max(left, std::chrono::milliseconds(1)));
        if (!d) {
            continue;
        }
        conn_->Ack(d->delivery_tag);
        RecordEvent(*d);
        if (pred(*d)) {
            return d;
        }
    }
    return std::nullopt;
}

std::vector<rabbitmq::Delivery> EventTap::Collect(const std::function<bool(const rabbitmq::Delivery&)>& pred,
                                                  std::chrono::milliseconds window, std::size_t enough) {
    std::vector<rabbitmq::Delivery> out;
    auto deadline = std::chrono::steady_clock::now() + window;
    while (std::chrono::steady_clock::now() < deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        auto d = conn_->NextDelivery(std::max(left, std::chrono::milliseconds(1)));
        if (!d) {
            continue;
        }
        conn_->Ack(d->delivery_tag);
        RecordEvent(*d);
        if (pred(*d)) {
            out.push_back(std::move(*d));
            if (out.size() == enough) {
                deadline = std::min(deadline, std::chrono::steady_clock::now() + std::chrono::seconds(1));
            }
        }
    }
    return out;
}

std::string UniqueUser(const std::string& prefix) {
    return prefix + "-" + ids::NewUuidV4().substr(0, 13);
}

std::string TimeFromNow(std::chrono::milliseconds offset) {
    return timeutil::FormatRfc3339(timeutil::NowMicros() + offset.count() * 1000);
}

boost::json::object SampleItem(const std::string& name) {
    return boost::json::object{{"name", name},
                               {"description", "Rare 1960s camera"},
                               {"currencyCode", "USD"},
                               {"startPrice", "100.00"},
                               {"bidIncrement", "5.00"},
                               {"startDate", TimeFromNow(-std::chrono::hours(1))},
                               {"endDate", TimeFromNow(std::chrono::hours(24 * 7))},
                               {"status", "active"}};
}

int RunScriptFunction(const std::string& function) {
    const char* dir = std::getenv("AUCTION_SCRIPTS_DIR");
    if (dir == nullptr) {
        throw std::runtime_error("AUCTION_SCRIPTS_DIR is not set: run the tests through scripts/test.sh");
    }
    const std::string cmd = "bash -c '. \"" + std::string(dir) + "/lib.sh\" && " + function + "' >&2";
    return std::system(cmd.c_str());
}

}  // namespace auction::testing
