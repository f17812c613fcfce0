// Zero-downtime restarts: a stop that closes keep-alive connections between requests only. Each test runs an API of
// its own, since it stops it.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "support/raw_connection.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

using namespace std::chrono_literals;

bool SaysClose(const std::string& response) {
    const auto header_end = response.find("\r\n\r\n");
    return response.substr(0, header_end).find("\r\nConnection: close\r\n") != std::string::npos;
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
