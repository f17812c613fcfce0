// Bench tool for the worker drain benchmark (bench/worker_bench.sh).
//   bid_flood publish <count> <item-ids-file>   publish <count> bid.placed.v1 events (confirmed) to auction.bid
//   bid_flood consume <count>                   RabbitMQ's own limit: consume and ack <count> messages from
//                                               auction.bid.all.v1 with prefetch PREFETCH_COUNT, no other work
//   bid_flood steady <rate> <seconds> <item-ids-file>
//                                               a steady stream (bench/close_bench.sh): <rate> bid.placed.v1 events
//                                               per second for <seconds>, placed now, rising prices
// Uses RABBITMQ_URL; declares the worker's topology first, with the queue type of RABBITMQ_QUEUE_TYPE (default
// quorum, as the worker).
#include <amqp.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "infra/rabbitmq/amqp_connection.hpp"
#include "infra/rabbitmq/consumer.hpp"
#include "pkg/config/config.hpp"
#include "pkg/ids/uuid.hpp"
#include "pkg/timeutil/rfc3339.hpp"

namespace {

using namespace auction;

std::vector<std::string> ReadItems(const std::string& items_file) {
    std::vector<std::string> items;
    std::ifstream in(items_file);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) {
            items.push_back(line);
        }
    }
    return items;
}

rabbitmq::Topology BenchTopology() {
    rabbitmq::Topology topology;
    if (const char* type = std::getenv("RABBITMQ_QUEUE_TYPE"); type != nullptr && *type != '\0') {
        topology.queue_type = type;
    }
    return topology;
}

// Publishes bid.placed.v1 events over the items of a file, each bid `n` at a rising price with noise (so most of
// them raise it), placed now, confirmed by the broker.
class BidPublisher {
public:
    BidPublisher(const std::string& url, const char* name, std::vector<std::string> items, std::uint64_t seed)
        : items_(std::move(items)), conn_(url, name), rng_(seed) {
        rabbitmq::DeclareTopology(conn_, BenchTopology());
        conn_.EnableConfirms();
    }

    void Publish(long n) {
        const auto bid = ids::NewUuidV7();
        const auto& item = items_[rng_() % items_.size()];
        char amount[32];
        std::snprintf(amount, sizeof amount, "%ld.%02ld", 101 + n / 10, static_cast<long>(rng_() % 100));
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
        tag_ = conn_.Publish("auction.bid", "bid.placed.v1", boost::json::serialize(body), props);
    }
    void WaitForConfirms() { conn_.WaitForConfirms(tag_, std::chrono::seconds(60)); }

private:
    std::vector<std::string> items_;
    rabbitmq::AmqpConnection conn_;
    std::mt19937_64 rng_;
    std::uint64_t tag_ = 0;
};

int Steady(const std::string& url, long rate, long seconds, const std::string& items_file) {
    auto items = ReadItems(items_file);
    if (items.empty() || rate <= 0) {
        std::cerr << "no item ids in " << items_file << " (or rate <= 0)\n";
        return 1;
    }
    BidPublisher publisher(url, "bench-bid-stream", std::move(items), 777);
    const auto start = std::chrono::steady_clock::now();
    long sent = 0;
    for (;;) {
        const auto elapsed = std::chrono::steady_clock::now() - start;
        if (elapsed >= std::chrono::seconds(seconds)) {
            break;
        }
        // Paced in 10 ms steps: everything due by now goes out, then a short sleep.
        const long due = static_cast<long>(std::chrono::duration<double>(elapsed).count() * static_cast<double>(rate));
        for (; sent < due; ++sent) {
            publisher.Publish(sent);
        }
        publisher.WaitForConfirms();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::cout << sent << '\n';
    return 0;
}

int Publish(const std::string& url, long count, const std::string& items_file) {
    auto items = ReadItems(items_file);
    if (items.empty()) {
        std::cerr << "no item ids in " << items_file << '\n';
        return 1;
    }
    BidPublisher publisher(url, "bench-bid-publisher", std::move(items), 12345);
    for (long i = 0; i < count; ++i) {
        publisher.Publish(i);
        if (i % 1000 == 999) {
            publisher.WaitForConfirms();
        }
    }
    publisher.WaitForConfirms();
    return 0;
}

int Consume(const std::string& url, long count, int prefetch) {
    rabbitmq::AmqpConnection conn(url, "bench-raw-consumer");
    rabbitmq::DeclareTopology(conn, BenchTopology());
    conn.Qos(static_cast<std::uint16_t>(prefetch));
    conn.Consume("auction.bid.all.v1");
    long got = 0;
    std::uint64_t unacked = 0;
    while (got < count) {
        auto d = conn.NextDelivery(std::chrono::seconds(5));
        if (!d) {
            break;  // the queue ran dry (other consumers took the rest)
        }
        ++got;
        unacked = d->delivery_tag;
        // Acked as the worker acks (infra/rabbitmq/consumer.cpp): what has arrived, in one multiple ack.
        amqp_connection_state_t raw = conn.Raw();
        if (got == count || (amqp_data_in_buffer(raw) == 0 && amqp_frames_enqueued(raw) == 0)) {
            conn.Ack(unacked, true);
            unacked = 0;
        }
    }
    if (unacked != 0) {
        conn.Ack(unacked, true);
    }
    std::cout << got << '\n';
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::cerr << "usage: bid_flood publish <count> <item-ids-file> | bid_flood consume <count> | "
                     "bid_flood steady <rate> <seconds> <item-ids-file>\n";
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
        if (mode == "steady" && argc >= 5) {
            return Steady(url, count, std::stol(argv[3]), argv[4]);
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
