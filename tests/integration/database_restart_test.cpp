// A PostgreSQL restart between requests costs the API latency, not errors: pooled connections the server
// closed are discarded, and pipelined reads in flight are sent again on a new connection.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <thread>

#include "support/test_env.hpp"

namespace auction::testing {
namespace {

TEST(DatabaseRestart, ReadsAndWritesSucceedRightAfterARestart) {
    HttpClient client(ApiServer::Shared().port());
    const auto seller = UniqueUser("restart");
    auto created = client.PostJson("/api/v1/items", SampleItem(), seller);
    ASSERT_EQ(created.status, 201);
    const std::string path = "/api/v1/items/" + std::string(created.Json().at("id").as_string());
    ASSERT_EQ(client.Get(path).status, 200);
    ASSERT_EQ(client.Get("/api/v1/categories").status, 200);

    ASSERT_EQ(RunScriptFunction("auction_stop_postgres"), 0);
    ASSERT_EQ(RunScriptFunction("auction_start_postgres"), 0);

    // Every connection the API holds is now dead; none of these may fail.
    EXPECT_EQ(client.Get(path).status, 200);
    EXPECT_EQ(client.Get("/api/v1/categories").status, 200);
    EXPECT_EQ(client.Get("/api/v1/items?sellerId=" + seller).status, 200);
    EXPECT_EQ(client.PostJson("/api/v1/items", SampleItem(), seller).status, 201);
    EXPECT_EQ(client.PutJson(path, {{"name", "After restart"}}, seller).status, 200);
    EXPECT_EQ(client.Get(path).Json().at("name").as_string(), "After restart");
}

}  // namespace
}  // namespace auction::testing
