// The item.* events: envelope, AMQP properties, payloads, and the transactional outbox guarantees
// (an event if and only if the change committed, none lost while RabbitMQ is down).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <iostream>
#include <map>
#include <thread>

#include "pkg/ids/uuid.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

namespace json = boost::json;
using rabbitmq::Delivery;

json::object Body(const Delivery& d) {
    return json::parse(d.body).as_object();
}

std::function<bool(const Delivery&)> WithTrace(const std::string& trace) {
    return [trace](const Delivery& d) { return Body(d).at("traceId").as_string() == trace; };
}

class ItemEvents : public ::testing::Test {
protected:
    void SetUp() override {
        client_ = std::make_unique<HttpClient>(ApiServer::Shared().port());
        tap_ = std::make_unique<EventTap>("auction.item", "item.#");
    }

    HttpResult Create(const std::string& seller, const std::string& trace, json::object body = SampleItem()) {
        return client_->PostJson("/api/v1/items", body, seller,
                                 {{"X-Trace-Id", trace}, {"X-Correlation-Id", "corr-" + trace}});
    }

    std::unique_ptr<HttpClient> client_;
    std::unique_ptr<EventTap> tap_;
};

TEST_F(ItemEvents, CreatedEventHasTheDesignsEnvelopeAndProperties) {
    const auto seller = UniqueUser("seller");
    const auto trace = ids::NewUuidV4();
    auto res = Create(seller, trace);
    ASSERT_EQ(res.status, 201);
    const auto item = res.Json().as_object();

    auto d = tap_->Next(WithTrace(trace));
    ASSERT_TRUE(d.has_value()) << "no item.created.v1 arrived";
    EXPECT_EQ(d->exchange, "auction.item");
    EXPECT_EQ(d->routing_key, "item.created.v1");
    EXPECT_EQ(d->properties.content_type, "application/json");
    EXPECT_TRUE(d->properties.persistent);
    EXPECT_TRUE(ids::IsUuid(d->properties.message_id));
    EXPECT_EQ(d->properties.type, "item.created.v1");
    EXPECT_EQ(d->properties.app_id, TestApiConfig().service_name);
    EXPECT_EQ(d->properties.correlation_id, "corr-" + trace);
    const auto now = static_cast<std::uint64_t>(std::time(nullptr));
    EXPECT_LE(d->properties.timestamp, now + 1);
    EXPECT_GE(d->properties.timestamp, now - 60);

    auto body = Body(*d);
    EXPECT_EQ(body.size(), 6U) << d->body;
    EXPECT_EQ(body.at("event").as_string(), "item.created");
    EXPECT_EQ(body.at("version").as_string(), "v1");
    EXPECT_EQ(body.at("timestamp"), item.at("createdAt"));
    EXPECT_EQ(body.at("traceId").as_string(), trace);
    EXPECT_EQ(body.at("correlationId").as_string(), "corr-" + trace);
    const json::object expected{{"id", item.at("id")},    {"name", "Vintage Camera"}, {"sellerId", seller},
                                {"startPrice", "100.00"}, {"currentPrice", "100.00"}, {"currencyCode", "USD"}};
    EXPECT_EQ(body.at("payload").as_object(), expected);
}

TEST_F(ItemEvents, UpdatedEventCarriesTheWholeItemAndDeletedItsId) {
    const auto seller = UniqueUser("seller");
    auto item = Create(seller, ids::NewUuidV4()).Json().as_object();
    const std::string path = "/api/v1/items/" + std::string(item.at("id").as_string());

    const auto update_trace = ids::NewUuidV4();
    auto updated =
        client_->Request("PUT", path, R"({"name":"Renamed","bidIncrement":"7.50"})",
                         {{"Content-Type", "application/json"}, {"X-User-ID", seller}, {"X-Trace-Id", update_trace}});
    ASSERT_EQ(updated.status, 200) << updated.body;
    auto d = tap_->Next(WithTrace(update_trace));
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->routing_key, "item.updated.v1");
    auto body = Body(*d);
    EXPECT_EQ(body.at("event").as_string(), "item.updated");
    EXPECT_EQ(body.at("payload"), updated.Json()) << "payload must be the item after the change";
    EXPECT_EQ(body.at("timestamp"), updated.Json().at("updatedAt"));

    const auto delete_trace = ids::NewUuidV4();
    auto deleted = client_->Request("DELETE", path, "", {{"X-User-ID", seller}, {"X-Trace-Id", delete_trace}});
    ASSERT_EQ(deleted.status, 204);
    auto del = tap_->Next(WithTrace(delete_trace));
    ASSERT_TRUE(del.has_value());
    EXPECT_EQ(del->routing_key, "item.deleted.v1");
    auto payload = Body(*del).at("payload").as_object();
    EXPECT_EQ(payload.size(), 3U);
    EXPECT_EQ(payload.at("id"), item.at("id"));
    EXPECT_EQ(payload.at("sellerId").as_string(), seller);
    EXPECT_EQ(payload.at("deletedAt"), Body(*del).at("timestamp"));
}

TEST_F(ItemEvents, FailedWritesPublishNothing) {
    const auto seller = UniqueUser("seller");
    auto item = Create(seller, ids::NewUuidV4()).Json().as_object();
    const std::string path = "/api/v1/items/" + std::string(item.at("id").as_string());

    // Refused in the transaction (403), refused by the database (unknown category rolls the insert back).
    const auto forbidden = ids::NewUuidV4();
    ASSERT_EQ(
        client_
            ->Request("PUT", path, R"({"name":"x"})",
                      {{"Content-Type", "application/json"}, {"X-User-ID", "someone-else"}, {"X-Trace-Id", forbidden}})
            .status,
        403);
    const auto rolled_back = ids::NewUuidV4();
    auto body = SampleItem();
    body["categoryIds"] = json::array{"0190b6a0-0000-7000-8000-00000000dead"};
    auto res = Create(seller, rolled_back, body);
    ASSERT_EQ(res.status, 400) << res.body;

    // A later committed write's event arriving proves the relay has passed the failed ones.
    const auto marker = ids::NewUuidV4();
    ASSERT_EQ(Create(seller, marker).status, 201);
    std::vector<std::string> seen;
    auto d = tap_->Next([&](const Delivery& m) {
        seen.emplace_back(Body(m).at("traceId").as_string());
        return seen.back() == marker;
    });
    ASSERT_TRUE(d.has_value());
    for (const auto& t : seen) {
        EXPECT_NE(t, forbidden);
        EXPECT_NE(t, rolled_back);
    }
}

TEST_F(ItemEvents, BrokerOutageNeitherFailsWritesNorLosesEvents) {
    const auto run = ids::NewUuidV4();
    EventTap durable("auction.item", "item.#", "test.outage." + run);
    const auto seller = UniqueUser("seller");

    ASSERT_EQ(RunScriptFunction("auction_stop_rabbitmq_app"), 0);
    std::map<std::string, int> expected;  // traceId -> events expected
    std::vector<std::string> ids_created;
    const auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < 5; ++i) {
        const auto trace = run + "-c" + std::to_string(i);
        auto res = Create(seller, trace);
        ASSERT_EQ(res.status, 201) << res.body;
        ids_created.emplace_back(res.Json().at("id").as_string());
        expected[trace] = 1;
    }
    const auto update_trace = run + "-u";
    ASSERT_EQ(client_
                  ->Request("PUT", "/api/v1/items/" + ids_created[0], R"({"name":"During outage"})",
                            {{"Content-Type", "application/json"}, {"X-User-ID", seller}, {"X-Trace-Id", update_trace}})
                  .status,
              200);
    expected[update_trace] = 1;
    const auto delete_trace = run + "-d";
    ASSERT_EQ(client_
                  ->Request("DELETE", "/api/v1/items/" + ids_created[1], "",
                            {{"X-User-ID", seller}, {"X-Trace-Id", delete_trace}})
                  .status,
              204);
    expected[delete_trace] = 1;
    const auto failed_trace = run + "-f";
    ASSERT_EQ(client_
                  ->Request("DELETE", "/api/v1/items/" + ids_created[2], "",
                            {{"X-User-ID", "not-the-seller"}, {"X-Trace-Id", failed_trace}})
                  .status,
              403);
    const auto write_time = std::chrono::steady_clock::now() - started;
    EXPECT_LT(write_time, std::chrono::seconds(2)) << "writes must not wait for the broker";

    ASSERT_EQ(RunScriptFunction("auction_start_rabbitmq_app"), 0);
    durable.Reconnect();
    std::map<std::string, int> got;
    std::map<std::string, std::string> routing;
    auto all = durable.Collect([&](const Delivery& d) { return Body(d).at("traceId").as_string().starts_with(run); },
                               std::chrono::seconds(20), expected.size());
    for (const auto& d : all) {
        const std::string trace(Body(d).at("traceId").as_string());
        ++got[trace];
        routing[trace] = d.routing_key;
    }
    EXPECT_EQ(got, expected) << "every committed write exactly once, none for the refused delete";
    EXPECT_EQ(routing[update_trace], "item.updated.v1");
    EXPECT_EQ(routing[delete_trace], "item.deleted.v1");
    // Per-item order: item 0 was created before it was updated.
    std::size_t created0 = all.size();
    std::size_t updated0 = all.size();
    for (std::size_t i = 0; i < all.size(); ++i) {
        const std::string trace(Body(all[i]).at("traceId").as_string());
        if (trace == run + "-c0") {
            created0 = i;
        }
        if (trace == update_trace) {
            updated0 = i;
        }
    }
    EXPECT_LT(created0, updated0);
}

}  // namespace
}  // namespace auction::testing

namespace auction::testing {
namespace {

// Concurrent creates share commits (group commit): every created item answers 201 and has exactly one
// item.created.v1, and an item the database refuses (an unknown category) fails alone, with no event.
TEST_F(ItemEvents, ConcurrentCreatesShareCommitsAndARefusedOneFailsAlone) {
    constexpr int kClients = 16;
    constexpr int kRounds = 4;
    const auto seller = UniqueUser("seller");
    const auto port = ApiServer::Shared().port();
    std::vector<std::string> traces(kClients * kRounds);
    std::vector<int> statuses(kClients * kRounds, 0);
    std::vector<std::string> ids(kClients * kRounds);
    for (auto& t : traces) {
        t = ids::NewUuidV4();
    }
    const auto is_bad = [](int n) { return n % kClients == 5; };
    for (int round = 0; round < kRounds; ++round) {
        std::vector<std::thread> threads;
        std::atomic<int> ready{0};
        for (int c = 0; c < kClients; ++c) {
            threads.emplace_back([&, n = round * kClients + c] {
                HttpClient client(port);
                auto body = SampleItem("Concurrent " + std::to_string(n));
                if (is_bad(n)) {
                    body["categoryIds"] = json::array{"0190b6a0-0000-7000-8000-00000000dead"};
                }
                ready.fetch_add(1);
                while (ready.load() < kClients) {
                    std::this_thread::yield();  // start together, so that creates meet in a batch
                }
                auto res = client.PostJson("/api/v1/items", body, seller,
                                           {{"X-Trace-Id", traces[static_cast<std::size_t>(n)]}});
                statuses[static_cast<std::size_t>(n)] = res.status;
                if (res.status == 201) {
                    ids[static_cast<std::size_t>(n)] = std::string(res.Json().at("id").as_string());
                }
            });
        }
        for (auto& t : threads) {
            t.join();
        }
    }
    std::map<std::string, int> expected;  // trace -> index
    for (int n = 0; n < kClients * kRounds; ++n) {
        if (is_bad(n)) {
            EXPECT_EQ(statuses[static_cast<std::size_t>(n)], 400) << "request " << n;
        } else {
            EXPECT_EQ(statuses[static_cast<std::size_t>(n)], 201) << "request " << n;
            expected[traces[static_cast<std::size_t>(n)]] = n;
        }
    }
    std::map<std::string, int> seen;
    const auto ours = [&](const Delivery& d) {
        const auto trace = std::string(Body(d).at("traceId").as_string());
        return std::find(traces.begin(), traces.end(), trace) != traces.end();
    };
    for (const auto& d : tap_->Collect(ours, std::chrono::seconds(20), expected.size())) {
        EXPECT_EQ(d.routing_key, "item.created.v1");
        const auto body = Body(d);
        const auto trace = std::string(body.at("traceId").as_string());
        ++seen[trace];
        ASSERT_TRUE(expected.count(trace)) << "an event for a refused create: " << trace;
        EXPECT_EQ(body.at("payload").at("id").as_string(), ids[static_cast<std::size_t>(expected[trace])]);
    }
    EXPECT_EQ(seen.size(), expected.size());
    for (const auto& [trace, count] : seen) {
        EXPECT_EQ(count, 1) << trace;
    }
    const auto stats = ApiServer::Shared().app().items().GetCreateStats();
    std::cout << "group commit so far: " << stats.items << " items in " << stats.batches << " batches\n";
}

}  // namespace
}  // namespace auction::testing
