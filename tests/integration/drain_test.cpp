// Zero-downtime restarts (docs/DEPLOYMENT.md "Rolling restarts"): the drain that precedes a stop (/readyz fails,
// requests are still served, each answer closes its connection) and a stop that closes keep-alive connections
// between requests only. Each test runs an API of its own, since it drains and stops it; the SIGTERM sequence of
// the program itself is in api_process_test.cpp, and scripts/rolling_restart.sh runs it behind HAProxy.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "support/raw_connection.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

using namespace std::chrono_literals;

const std::string kGet = "GET /api/v1/categories HTTP/1.1\r\nHost: x\r\n\r\n";

bool SaysClose(const std::string& response) {
    const auto header_end = response.find("\r\n\r\n");
    return response.substr(0, header_end).find("\r\nConnection: close\r\n") != std::string::npos;
}

TEST(Drain, ReadyzFailsWhileRequestsAreStillServedAndEveryAnswerEndsItsConnection) {
    ApiServer server(TestApiConfig());
    HttpClient client(server.port());
    ASSERT_EQ(client.Get("/readyz").status, 200);
    // A keep-alive connection that has served a request before the drain began.
    RawConnection kept(server.port());
    ASSERT_TRUE(kept.connected());
    ASSERT_TRUE(kept.Send(kGet));
    const auto before = kept.ReadResponse(5s);
    ASSERT_EQ(StatusLine(before), "HTTP/1.1 200 OK") << before;
    EXPECT_FALSE(SaysClose(before)) << before;

    server.app().BeginDrain();

    const auto ready = client.Get("/readyz");
    EXPECT_EQ(ready.status, 503) << ready.body;
    EXPECT_EQ(ready.Json().at("status").as_string(), "draining") << ready.body;
    EXPECT_EQ(ready.Json().at("checks").at("postgres").as_string(), "ok") << ready.body;
    EXPECT_EQ(client.Get("/healthz").status, 200);  // liveness: the process is fine, it is leaving

    // The kept connection is still served; its answer says close and the server then closes it.
    ASSERT_TRUE(kept.Send(kGet));
    bool closed = false;
    const auto during = kept.ReadAll(5s, closed);
    EXPECT_EQ(StatusLine(during), "HTTP/1.1 200 OK") << during;
    EXPECT_TRUE(SaysClose(during)) << during;
    EXPECT_TRUE(closed);
    // New connections are still accepted and served the same way until the stop.
    RawConnection fresh(server.port());
    ASSERT_TRUE(fresh.connected());
    ASSERT_TRUE(fresh.Send(kGet));
    const auto late = fresh.ReadAll(5s, closed);
    EXPECT_EQ(StatusLine(late), "HTTP/1.1 200 OK") << late;
    EXPECT_TRUE(SaysClose(late)) << late;
    EXPECT_TRUE(closed);
    server.Stop();
}

// A request counts as in flight from its first byte: a stop closes idle connections at once but answers a request
// whose header is still arriving, then closes its connection.
TEST(Drain, StopClosesIdleConnectionsButNeverOneWhoseRequestHasBegun) {
    ApiServer server(TestApiConfig());
    RawConnection idle(server.port());
    RawConnection started(server.port());
    ASSERT_TRUE(idle.connected() && started.connected());
    ASSERT_TRUE(started.Send("GET /api/v1/categories HTTP/1.1\r\nHo"));
    ASSERT_TRUE(Eventually([&] { return server.app().OpenConnections() == 2; }, 5s));

    std::thread stopper([&] { server.Stop(); });
    bool closed = false;
    const auto nothing = idle.ReadAll(5s, closed);
    EXPECT_TRUE(closed) << "the idle connection was not closed by the stop";
    EXPECT_EQ(nothing, "");
    // The stop is under way (it closed the idle connection); the rest of the started request still gets its answer.
    ASSERT_TRUE(started.Send("st: x\r\n\r\n"));
    const auto answer = started.ReadAll(5s, closed);
    EXPECT_EQ(StatusLine(answer), "HTTP/1.1 200 OK") << answer;
    EXPECT_TRUE(SaysClose(answer)) << answer;
    EXPECT_TRUE(closed);
    stopper.join();
}

}  // namespace
}  // namespace auction::testing
