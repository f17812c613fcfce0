#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cmd/api/api_app.hpp"
#include "infra/rabbitmq/amqp_connection.hpp"
#include "pkg/config/config.hpp"

namespace auction::testing {

/// The API configuration the test command exports (POSTGRES_* for database auction_test,
/// RABBITMQ_URL). A missing variable fails the test run: real services are required, never skipped.
config::ApiConfig TestApiConfig();

/// An in-process auction-api on an ephemeral port, started once per test binary and shared.
class ApiServer {
public:
    static ApiServer& Shared();
    explicit ApiServer(config::ApiConfig config);
    ~ApiServer();

    /// Stops serving and joins every thread of the server; also done for every live server when the tests end.
    void Stop();

    unsigned short port() const { return port_; }
    api::ApiApp& app() { return *app_; }

private:
    std::unique_ptr<api::ApiApp> app_;
    unsigned short port_ = 0;
};

struct HttpResult {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;

    boost::json::value Json() const;
    std::string Header(const std::string& lower_name) const;
};

/// A small blocking HTTP/1.1 client over one keep-alive connection.
class HttpClient {
public:
    explicit HttpClient(unsigned short port);
    ~HttpClient();

    HttpResult Request(const std::string& method, const std::string& target, const std::string& body = "",
                       std::map<std::string, std::string> headers = {});
    HttpResult Get(const std::string& target, std::map<std::string, std::string> headers = {});
    HttpResult PostJson(const std::string& target, const boost::json::value& body, const std::string& user,
                        std::map<std::string, std::string> headers = {});
    HttpResult PutJson(const std::string& target, const boost::json::value& body, const std::string& user,
                       std::map<std::string, std::string> headers = {});
    HttpResult Delete(const std::string& target, const std::string& user,
                      std::map<std::string, std::string> headers = {});

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// An exclusive queue bound to a topic exchange: reads the events a test caused.
class EventTap {
public:
    /// With an empty `durable_queue` the queue is exclusive and vanishes with the connection; with a name
    /// it is durable, survives a broker restart, and the destructor deletes it.
    EventTap(const std::string& exchange, const std::string& binding_key, std::string durable_queue = "");
    ~EventTap();
    /// Opens a fresh connection to the same queue (after the broker came back).
    void Reconnect();
    /// The next message matching `pred`, waiting up to `timeout`.
    std::optional<rabbitmq::Delivery> Next(const std::function<bool(const rabbitmq::Delivery&)>& pred,
                                           std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Every message that arrives within `window` and matches `pred`; once `enough` matched, it keeps
    /// listening for one more second (to catch duplicates) and returns early.
    std::vector<rabbitmq::Delivery> Collect(const std::function<bool(const rabbitmq::Delivery&)>& pred,
                                            std::chrono::milliseconds window, std::size_t enough = SIZE_MAX);

private:
    std::unique_ptr<rabbitmq::AmqpConnection> conn_;
    std::string queue_;
    bool durable_ = false;
};

/// Appends an event the tests received to $AUCTION_CONTRACT_DIR/events.jsonl (no-op when unset).
void RecordEvent(const rabbitmq::Delivery& d);

/// A unique user id per call, so tests never share rows.
std::string UniqueUser(const std::string& prefix = "user");
/// RFC 3339 UTC time `offset` from now (negative: in the past): fixtures' dates follow the clock, since an item's
/// end must be in the future and bids count only inside its window.
std::string TimeFromNow(std::chrono::milliseconds offset);
/// A valid create-item body, the design's curl example with dates around now: started an hour ago, ending in 7 days.
boost::json::object SampleItem(const std::string& name = "Vintage Camera");
/// Runs a command from scripts/lib.sh (e.g. "auction_stop_rabbitmq_app"); returns its exit status.
int RunScriptFunction(const std::string& function);

/// Polls `condition` every 10 ms until it holds or `timeout` passes; the last answer of `condition`.
template <typename F>
bool Eventually(F condition, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return condition();
}

}  // namespace auction::testing
