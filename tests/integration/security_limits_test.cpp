// OWASP API4 (unrestricted resource consumption): page size, body size, header count and size, idle and
// slow (slowloris) clients, and the connection limit, against a real auction-api. The connection-level
// attacks use raw sockets, since an HTTP client library cannot express them. docs/SECURITY.md cites these.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "support/api_assertions.hpp"
#include "support/raw_connection.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Small limits so the attacks are quick to show; the defaults are documented in docs/SECURITY.md.
constexpr auto kIdleTimeout = 6s;  // well above the header timeout, so the two cannot be confused
constexpr auto kHeaderTimeout = 1500ms;
constexpr std::size_t kMaxConnections = 6;

ApiServer& LimitedServer() {
    static ApiServer server([] {
        auto cfg = TestApiConfig();
        cfg.idle_timeout = kIdleTimeout;
        cfg.header_timeout = kHeaderTimeout;
        cfg.max_connections = kMaxConnections;
        cfg.max_header_fields = 100;
        return cfg;
    }());
    return server;
}

const std::string kGet = "GET /api/v1/categories HTTP/1.1\r\nHost: x\r\n\r\n";

TEST(SecurityLimits, PageSizeIsCapped) {
    HttpClient client(ApiServer::Shared().port());
    ExpectProblem(client.Get("/api/v1/items?limit=101"), 400);
    ExpectProblem(client.Get("/api/v1/items?limit=1000000"), 400);
    ExpectProblem(client.Get("/api/v1/items?page=100001"), 400);
    ExpectProblem(client.Get("/api/v1/items/00000000-0000-4000-8000-000000000000/comments?limit=101"), 400);
    auto ok = client.Get("/api/v1/items?limit=100");
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(ok.Json().at("limit").as_int64(), 100);
}

TEST(SecurityLimits, BodiesOverTheLimitAre413AndNeverRead) {
    HttpClient client(ApiServer::Shared().port());
    const std::string big(TestApiConfig().body_limit_bytes + 1, 'a');
    auto res = client.Request("POST", "/api/v1/items", big,
                              {{"Content-Type", "application/json"}, {"X-User-ID", UniqueUser()}});
    ExpectProblem(res, 413);
    // A declared length over the limit is refused from the header alone, before any body byte is sent.
    RawConnection raw(ApiServer::Shared().port());
    ASSERT_TRUE(raw.connected());
    ASSERT_TRUE(
        raw.Send("POST /api/v1/items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 "Content-Length: 1000000000\r\n\r\n"));
    bool closed = false;
    const auto answer = raw.ReadAll(5s, closed);
    EXPECT_EQ(StatusLine(answer), "HTTP/1.1 413 Payload Too Large") << answer;
    EXPECT_TRUE(closed);
}

TEST(SecurityLimits, TooManyHeaderFieldsAre400AndTheConnectionCloses) {
    RawConnection raw(LimitedServer().port());
    ASSERT_TRUE(raw.connected());
    std::string request = "GET /api/v1/categories HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 200; ++i) {
        request += "X-Filler-" + std::to_string(i) + ": a\r\n";
    }
    request += "\r\n";
    ASSERT_LT(request.size(), 16U * 1024U);  // small in bytes: only the field count can stop it
    ASSERT_TRUE(raw.Send(request));
    bool closed = false;
    const auto answer = raw.ReadAll(5s, closed);
    EXPECT_EQ(StatusLine(answer), "HTTP/1.1 400 Bad Request") << answer;
    EXPECT_NE(answer.find("application/problem+json"), std::string::npos) << answer;
    EXPECT_NE(answer.find("header fields"), std::string::npos) << answer;
    EXPECT_TRUE(closed) << "the connection must close after a refused header";

    // 100 fields in all (Host included) are still served.
    RawConnection fine(LimitedServer().port());
    std::string ok = "GET /api/v1/categories HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 99; ++i) {
        ok += "X-Filler-" + std::to_string(i) + ": a\r\n";
    }
    ok += "\r\n";
    ASSERT_TRUE(fine.Send(ok));
    EXPECT_EQ(StatusLine(fine.ReadResponse(5s)), "HTTP/1.1 200 OK");
}

TEST(SecurityLimits, AHugeHeaderIs400AndTheConnectionCloses) {
    RawConnection raw(LimitedServer().port());
    ASSERT_TRUE(raw.connected());
    const std::string request =
        "GET /api/v1/categories HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'b') + "\r\n\r\n";
    raw.Send(request);  // the server may stop reading (and close) before all of it is sent
    bool closed = false;
    const auto answer = raw.ReadAll(5s, closed);
    EXPECT_EQ(StatusLine(answer), "HTTP/1.1 400 Bad Request") << answer.substr(0, 200);
    EXPECT_NE(answer.find("headers are too large"), std::string::npos) << answer.substr(0, 400);
    EXPECT_TRUE(closed);
}

TEST(SecurityLimits, AnIdleConnectionIsClosedAfterTheIdleTimeout) {
    // Never sends a byte.
    RawConnection silent(LimitedServer().port());
    ASSERT_TRUE(silent.connected());
    // Sends one request, then keeps the connection open without a next one.
    RawConnection kept(LimitedServer().port());
    ASSERT_TRUE(kept.Send(kGet));
    EXPECT_EQ(StatusLine(kept.ReadResponse(5s)), "HTTP/1.1 200 OK");
    const auto start = Clock::now();
    bool closed_silent = false;
    bool closed_kept = false;
    silent.ReadAll(kIdleTimeout + 3s, closed_silent);
    kept.ReadAll(kIdleTimeout + 3s, closed_kept);
    EXPECT_TRUE(closed_silent);
    EXPECT_TRUE(closed_kept);
    EXPECT_LT(Clock::now() - start, kIdleTimeout + 3s);
}

TEST(SecurityLimits, ASlowlorisClientIsCutOffAfterTheHeaderTimeout) {
    RawConnection slow(LimitedServer().port());
    ASSERT_TRUE(slow.connected());
    const std::string request = "GET /api/v1/categories HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(40, 's');
    const auto start = Clock::now();
    bool cut_off = false;
    // One byte every 400 ms: never idle for long, but the header never completes. Without a header
    // deadline this would hold the connection for as long as the client likes.
    for (char c : request) {
        if (!slow.Send(std::string_view(&c, 1))) {
            cut_off = true;
            break;
        }
        bool closed = false;
        slow.ReadAll(400ms, closed);
        if (closed) {
            cut_off = true;
            break;
        }
    }
    const auto elapsed = Clock::now() - start;
    EXPECT_TRUE(cut_off) << "the slow client was never disconnected";
    EXPECT_GE(elapsed, kHeaderTimeout - 200ms);
    // Without a header deadline the ~70 bytes at 400 ms each would hold the connection for ~28 s, or until
    // the idle timeout if that covered the whole header.
    EXPECT_LT(elapsed, kIdleTimeout - 1s) << "cut off by the header timeout, not the idle timeout";
}

TEST(SecurityLimits, ConnectionsBeyondTheLimitAreClosedWhileExistingOnesWork) {
    std::vector<std::unique_ptr<RawConnection>> held;
    // Connections of earlier tests end asynchronously on the server: retry a refused one for a while.
    const auto deadline = Clock::now() + 10s;
    while (held.size() < kMaxConnections && Clock::now() < deadline) {
        auto conn = std::make_unique<RawConnection>(LimitedServer().port());
        if (conn->connected() && conn->Send(kGet) && StatusLine(conn->ReadResponse(5s)) == "HTTP/1.1 200 OK") {
            held.push_back(std::move(conn));
        } else {
            std::this_thread::sleep_for(200ms);
        }
    }
    ASSERT_EQ(held.size(), kMaxConnections);
    // The next one is accepted by the kernel, then closed by the server without being served.
    RawConnection excess(LimitedServer().port());
    ASSERT_TRUE(excess.connected());
    excess.Send(kGet);
    bool closed = false;
    const auto answer = excess.ReadAll(2s, closed);
    EXPECT_TRUE(closed) << "a connection over HTTP_MAX_CONNECTIONS must be closed";
    EXPECT_EQ(answer, "");
    // The held connections keep working.
    for (auto& conn : held) {
        ASSERT_TRUE(conn->Send(kGet));
        EXPECT_EQ(StatusLine(conn->ReadResponse(5s)), "HTTP/1.1 200 OK");
    }
    // Once one ends, there is room again.
    held.pop_back();
    bool served = false;
    for (const auto until = Clock::now() + 5s; !served && Clock::now() < until;) {
        std::this_thread::sleep_for(100ms);
        RawConnection again(LimitedServer().port());
        served = again.Send(kGet) && StatusLine(again.ReadResponse(5s)) == "HTTP/1.1 200 OK";
    }
    EXPECT_TRUE(served) << "a slot freed by a closed connection is usable again";
}

}  // namespace
}  // namespace auction::testing
