// Bench tool for the worker drain benchmark (bench/worker_bench.sh).
//   bid_flood publish <count> <item-ids-file>   publish <count> bid.placed.v1 events (confirmed) to auction.bid
//   bid_flood consume <count>                   RabbitMQ's own limit: consume and ack <count> messages from
//                                               auction.bid.all.v1 with prefetch PREFETCH_COUNT, no other work
// Uses RABBITMQ_URL; declares the worker's topology first.
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "infra/rabbitmq/amqp_connection.hpp"
#include "infra/rabbitmq/consumer.hpp"
#include "pkg/config/config.hpp"
#include "pkg/timeutil/rfc3339.hpp"
#include "pkg/ids/uuid.hpp"

namespace {

using namespace auction;

int Publish(const std::string& url, long count, const std::string& items_file) {
    std::vector<std::string> items;
    std::ifstream in(items_file);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) {
            items.push_back(line);
        }
    }
    if (items.empty()) {
        std::cerr << "no item ids in " << items_file << '\n';
        return 1;
    }
    rabbitmq::AmqpConnection conn(url, "bench-bid-publisher");
    rabbitmq::DeclareTopology(conn, rabbitmq::Topology{});
    conn.EnableConfirms();
    std::mt19937_64 rng(12345);
    std::uint64_t tag = 0;
    for (long i = 0; i < count; ++i) {
        const auto& item = items[rng() % items.size()];
        const auto bid = ids::NewUuidV7();
        char amount[32];
        std::snprintf(amount, sizeof amount, "%ld.%02ld", 101 + i / 10, static_cast<long>(rng() % 100));
        boost::json::object body{{"event", "bid.placed"},
                                 {"version", "v1"},
                                 {"timestamp", timeutil::FormatRfc3339(timeutil::NowMicros())},
                                 {"traceId", bid},
                                 {"correlationId", bid},
                                 {"payload",
                                  {{"bidId", bid},
                                   {"itemId", item},
                                   {"userId", "bench-user"},
                                   {"amount", amount},
                                   {"currencyCode", "USD"}}}};
        rabbitmq::MessageProperties props;
        props.message_id = bid;
        props.type = "bid.placed.v1";
        tag = conn.Publish("auction.bid", "bid.placed.v1", boost::json::serialize(body), props);
        if (i % 1000 == 999) {
            conn.WaitForConfirms(tag, std::chrono::seconds(60));
        }
    }
    conn.WaitForConfirms(tag, std::chrono::seconds(60));
    return 0;
}

int Consume(const std::string& url, long count, int prefetch) {
    rabbitmq::AmqpConnection conn(url, "bench-raw-consumer");
    rabbitmq::DeclareTopology(conn, rabbitmq::Topology{});
    conn.Qos(static_cast<std::uint16_t>(prefetch));
    conn.Consume("auction.bid.all.v1");
    long got = 0;
    while (got < count) {
        auto d = conn.NextDelivery(std::chrono::seconds(5));
        if (!d) {
            break;  // the queue ran dry (other consumers took the rest)
        }
        conn.Ack(d->delivery_tag);
        ++got;
    }
    std::cout << got << '\n';
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::cerr << "usage: bid_flood publish <count> <item-ids-file> | bid_flood consume <count>\n";
        return 2;
    }
    const auto env = auction::config::Environment::Load("/nonexistent");
    const std::string url = env.Required("RABBITMQ_URL");
    const std::string mode = argv[1];
    const long count = std::stol(argv[2]);
    try {
        if (mode == "publish" && argc >= 4) {
            return Publish(url, count, argv[3]);
        }
        if (mode == "consume") {
            return Consume(url, count, env.Int("PREFETCH_COUNT", 10, 1, 65535));
        }
    } catch (const std::exception& e) {
        std::cerr << "bid_flood: " << e.what() << '\n';
        return 1;
    }
    std::cerr << "unknown mode\n";
    return 2;
}
