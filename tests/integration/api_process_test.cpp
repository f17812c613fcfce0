// The auction-api program itself: configuration errors at start, readiness, graceful SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/test_env.hpp"

extern char** environ;

namespace auction::testing {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

struct Child {
    Child() = default;
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() { std::remove(log_path.c_str()); }

    pid_t pid = -1;
    std::string log_path;
};

// Starts auction-api with the test environment plus `overrides` (value "" removes a variable).
std::unique_ptr<Child> Spawn(const std::map<std::string, std::string>& overrides) {
    std::map<std::string, std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
        std::string kv(*e);
        auto eq = kv.find('=');
        env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (const auto& [k, v] : overrides) {
        if (v.empty()) {
            env.erase(k);
        } else {
            env[k] = v;
        }
    }
    std::vector<std::string> strings;
    for (const auto& [k, v] : env) {
        strings.push_back(k + "=" + v);
    }
    std::vector<char*> envp;
    for (auto& s : strings) {
        envp.push_back(s.data());
    }
    envp.push_back(nullptr);
    auto holder = std::make_unique<Child>();
    Child& child = *holder;
    child.log_path = "/tmp/auction-api-test-" + std::to_string(getpid()) + "-" + std::to_string(rand()) + ".log";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, child.log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    char* argv[] = {const_cast<char*>(AUCTION_API_BINARY), nullptr};
    const int rc = posix_spawn(&child.pid, AUCTION_API_BINARY, &actions, nullptr, argv, envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        throw std::runtime_error("cannot start auction-api");
    }
    return holder;
}

int WaitExit(pid_t pid, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return -1;
}

std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

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
    auto missing = Spawn({{"POSTGRES_HOST", ""}});
    EXPECT_EQ(WaitExit(missing->pid, std::chrono::seconds(10)), 2);
    EXPECT_NE(ReadFile(missing->log_path).find("POSTGRES_HOST"), std::string::npos) << ReadFile(missing->log_path);
    auto bad_port = Spawn({{"PORT", "eighty"}});
    EXPECT_EQ(WaitExit(bad_port->pid, std::chrono::seconds(10)), 2);
    EXPECT_NE(ReadFile(bad_port->log_path).find("PORT"), std::string::npos);
    auto bad_pool = Spawn({{"DB_CONN_MAX_LIFETIME", "5 minutes"}});
    EXPECT_EQ(WaitExit(bad_pool->pid, std::chrono::seconds(10)), 2);
    EXPECT_NE(ReadFile(bad_pool->log_path).find("DB_CONN_MAX_LIFETIME"), std::string::npos);
}

TEST(ApiProcess, SigtermLetsTheRequestInFlightFinishThenExitsZero) {
    const auto port = FreePort();
    auto child = Spawn({{"PORT", std::to_string(port)}, {"LOG_LEVEL", "info"}});
    ASSERT_TRUE(WaitReady(port, std::chrono::seconds(30))) << ReadFile(child->log_path);

    // A request whose body is still arriving when SIGTERM comes.
    asio::io_context io;
    tcp::socket in_flight(io);
    in_flight.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    const std::string body = boost::json::serialize(SampleItem("Sent during shutdown"));
    const std::string head = "POST /api/v1/items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                             "X-User-ID: graceful-user\r\nContent-Length: " +
                             std::to_string(body.size()) + "\r\n\r\n";
    asio::write(in_flight, asio::buffer(head + body.substr(0, 10)));
    // An idle keep-alive connection, which the stop closes.
    tcp::socket idle(io);
    idle.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));

    ASSERT_EQ(kill(child->pid, SIGTERM), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
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
    EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();

    EXPECT_EQ(WaitExit(child->pid, std::chrono::seconds(20)), 0) << ReadFile(child->log_path);
    const auto log = ReadFile(child->log_path);
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
            EXPECT_TRUE(v.contains("durationMs"));
            EXPECT_TRUE(v.contains("traceId"));
        }
    }
    EXPECT_TRUE(saw_request);
    HttpClient after(port);
    EXPECT_THROW(after.Get("/api/v1/categories"), std::exception);
}

}  // namespace
}  // namespace auction::testing
