// The auction-api program itself: configuration errors at start, readiness, graceful SIGTERM after a drain.
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/process.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

unsigned short FreePort() {
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return a.local_endpoint().port();
}

bool WaitReady(unsigned short port, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        try {
            HttpClient c(port);
            if (c.Get("/api/v1/categories").status == 200) {
                return true;
            }
        } catch (const std::exception&) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

TEST(ApiProcess, MissingOrMalformedSettingStopsStartNamingTheVariable) {
    for (const auto& [binary, variable, value] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {AUCTION_API_BINARY, "POSTGRES_HOST", ""},
             {AUCTION_API_BINARY, "PORT", "eighty"},
             {AUCTION_API_BINARY, "DB_CONN_MAX_LIFETIME", "5 minutes"},
             {AUCTION_WORKER_BINARY, "RABBITMQ_URL", ""},
             {AUCTION_WORKER_BINARY, "WORKER_POOL_SIZE", "0"},
             {AUCTION_WORKER_BINARY, "PREFETCH_COUNT", "ten"}}) {
        ChildProcess child(binary, {{variable, value}});
        EXPECT_EQ(child.WaitExit(std::chrono::seconds(10)), 2) << binary << " " << variable;
        EXPECT_NE(child.Log().find(variable), std::string::npos) << child.Log();
    }
}

// SIGTERM: a drain of SHUTDOWN_DRAIN first (/readyz 503, requests still served with Connection: close, idle
// connections left alone), then the stop (idle connections closed, the request in flight finished), exit 0.
TEST(ApiProcess, SigtermDrainsThenLetsTheRequestInFlightFinishThenExitsZero) {
    using Clock = std::chrono::steady_clock;
    constexpr auto kDrain = std::chrono::seconds(3);  // room for the checks below in the sanitizer builds
    const auto port = FreePort();
    ChildProcess child(AUCTION_API_BINARY,
                       {{"PORT", std::to_string(port)}, {"LOG_LEVEL", "info"}, {"SHUTDOWN_DRAIN", "3s"}});
    ASSERT_TRUE(WaitReady(port, std::chrono::seconds(30))) << child.Log();

    // A request whose body is still arriving when SIGTERM comes.
    asio::io_context io;
    tcp::socket in_flight(io);
    in_flight.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    const std::string body = boost::json::serialize(SampleItem("Sent during shutdown"));
    const std::string head =
        "POST /api/v1/items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "X-User-ID: graceful-user\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n";
    asio::write(in_flight, asio::buffer(head + body.substr(0, 10)));
    // An idle keep-alive connection, which the stop closes once the drain is over.
    tcp::socket idle(io);
    idle.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));

    // Ready before (this also fills the readiness probe's 1 s cache of the RabbitMQ check, so the probes below are
    // quick even in a sanitizer build).
    HttpClient probe(port);
    HttpResult ready = probe.Get("/readyz");
    ASSERT_EQ(ready.status, 200) << ready.body;
    const auto signalled = Clock::now();
    ASSERT_TRUE(child.Signal(SIGTERM));
    // The drain: readiness fails at once (a load balancer's next check moves traffic away) ...
    const auto deadline = signalled + kDrain;
    while (Clock::now() < deadline && (ready = probe.Get("/readyz")).status == 200) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(ready.status, 503) << ready.body;
    EXPECT_NE(ready.body.find("\"status\":\"draining\""), std::string::npos) << ready.body;
    // ... while requests are still answered, each ending its connection.
    const auto during = HttpClient(port).Get("/api/v1/categories");
    EXPECT_EQ(during.status, 200);
    EXPECT_EQ(during.Header("connection"), "close");
    EXPECT_LT(Clock::now(), deadline) << "the checks above took longer than the drain";
    asio::write(in_flight, asio::buffer(body.substr(10)));
    std::string response;
    boost::system::error_code ec;
    std::array<char, 4096> buf{};
    for (;;) {
        auto n = in_flight.read_some(asio::buffer(buf), ec);
        response.append(buf.data(), n);
        if (ec) {
            break;
        }
    }
    EXPECT_EQ(response.rfind("HTTP/1.1 201", 0), 0U) << response;
    EXPECT_NE(response.find("Connection: close"), std::string::npos) << response;
    std::size_t idle_read = idle.read_some(asio::buffer(buf), ec);
    EXPECT_EQ(idle_read, 0U);
    EXPECT_EQ(ec, asio::error::eof) << ec.message();  // a clean close, not a reset
    EXPECT_GE(Clock::now() - signalled, kDrain - std::chrono::milliseconds(100))
        << "the idle connection was closed during the drain";

    EXPECT_EQ(child.WaitExit(std::chrono::seconds(20)), 0) << child.Log();
    const auto log = child.Log();
    EXPECT_NE(log.find("\"msg\":\"draining\""), std::string::npos) << log;
    EXPECT_NE(log.find("\"msg\":\"API service stopped\""), std::string::npos);
    // One JSON line per request, with the design's fields.
    std::istringstream lines(log);
    std::string line;
    bool saw_request = false;
    while (std::getline(lines, line)) {
        auto v = boost::json::parse(line).as_object();  // every line is JSON
        EXPECT_TRUE(v.contains("level") && v.contains("time") && v.contains("msg")) << line;
        if (v.at("msg") == "request" && v.at("method") == "POST") {
            saw_request = true;
            EXPECT_EQ(v.at("status").as_int64(), 201);
            EXPECT_EQ(v.at("path").as_string(), "/api/v1/items");
            EXPECT_GE(v.at("durationUs").as_int64(), 0);
            EXPECT_TRUE(v.contains("traceId"));
        }
    }
    EXPECT_TRUE(saw_request);
    HttpClient after(port);
    EXPECT_THROW(after.Get("/api/v1/categories"), std::exception);
}

// A second signal during the drain stops at once (an operator's Ctrl-C twice, or an orchestrator's second SIGTERM).
TEST(ApiProcess, ASecondSignalCutsTheDrainShort) {
    const auto port = FreePort();
    ChildProcess child(AUCTION_API_BINARY,
                       {{"PORT", std::to_string(port)}, {"LOG_LEVEL", "info"}, {"SHUTDOWN_DRAIN", "60s"}});
    ASSERT_TRUE(WaitReady(port, std::chrono::seconds(30))) << child.Log();
    ASSERT_TRUE(child.Signal(SIGTERM));
    ASSERT_TRUE(child.WaitForLog("\"msg\":\"draining\"", std::chrono::seconds(10))) << child.Log();
    ASSERT_TRUE(child.Signal(SIGINT));
    EXPECT_EQ(child.WaitExit(std::chrono::seconds(20)), 0) << child.Log();
    EXPECT_NE(child.Log().find("\"msg\":\"drain cut short\""), std::string::npos) << child.Log();
}

}  // namespace
}  // namespace auction::testing
