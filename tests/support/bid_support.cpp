#include "support/bid_support.hpp"

#include <boost/json.hpp>
#include <variant>

#include "domain/bid.hpp"
#include "infra/postgres/connection.hpp"
#include "infra/rabbitmq/consumer.hpp"
#include "pkg/ids/uuid.hpp"
#include "support/test_env.hpp"

namespace auction::testing {

BidPublisher::BidPublisher() {
    conn_ = std::make_unique<rabbitmq::AmqpConnection>(TestApiConfig().rabbitmq_url, "test-bid-publisher");
    conn_->DeclareExchange("auction.bid", "topic", true);
    conn_->EnableConfirms();
}

namespace {

constexpr const char* kBidExchange = "auction.bid";

// The properties the bid service sets (docs/asyncapi.yaml, bid.placed.v1 / bid.won.v1).
rabbitmq::MessageProperties BidProperties(const std::string& routing_key, const std::string& message_id) {
    rabbitmq::MessageProperties props;
    props.message_id = message_id.empty() ? ids::NewUuidV4() : message_id;
    props.type = routing_key;
    props.app_id = "bid-service-test";
    return props;
}

}  // namespace

void BidPublisher::PublishRaw(const std::string& routing_key, const std::string& body, const std::string& message_id,
                              std::uint64_t amqp_timestamp) {
    auto props = BidProperties(routing_key, message_id);
    props.timestamp = amqp_timestamp;
    last_tag_ = conn_->Publish(kBidExchange, routing_key, body, props);
}

void BidPublisher::Publish(const std::string& type, const std::string& bid_id, const std::string& item_id,
                           const std::string& user_id, const std::string& amount, const std::string& currency) {
    boost::json::object body{{"event", type},
                             {"version", "v1"},
                             {"timestamp", TimeFromNow(std::chrono::milliseconds(0))},
                             {"traceId", "trace-" + bid_id},
                             {"correlationId", "corr-" + bid_id},
                             {"payload",
                              {{"bidId", bid_id},
                               {"itemId", item_id},
                               {"userId", user_id},
                               {"amount", amount},
                               {"currencyCode", currency}}}};
    rabbitmq::Delivery sent;
    sent.exchange = kBidExchange;
    sent.routing_key = type + ".v1";
    sent.body = boost::json::serialize(body);
    sent.properties = BidProperties(sent.routing_key, "");
    last_tag_ = conn_->Publish(sent.exchange, sent.routing_key, sent.body, sent.properties);
    // The contract check (tools/asyncapi/events.mjs) validates the consumed events strictly, so it sees only
    // what a real bid service would send: data the worker's decoder refuses is a test's deliberate poison
    // (as is everything sent with PublishRaw) and is not recorded. Well-formed bids for an unknown item or
    // in the wrong currency are valid events and are recorded.
    if (std::holds_alternative<domain::BidEvent>(domain::DecodeBidEvent(sent.routing_key, sent.body))) {
        RecordEvent(sent);
    }
}

void BidPublisher::Flush() {
    conn_->WaitForConfirms(last_tag_, std::chrono::seconds(30));
}

std::vector<rabbitmq::Delivery> DrainQueue(const std::string& queue, std::chrono::milliseconds idle_timeout) {
    rabbitmq::AmqpConnection conn(TestApiConfig().rabbitmq_url, "test-drain");
    conn.Qos(500);
    conn.Consume(queue);
    std::vector<rabbitmq::Delivery> out;
    while (auto d = conn.NextDelivery(idle_timeout)) {
        conn.Ack(d->delivery_tag);
        RecordEvent(*d);  // the dead-letter queue's messages are documented too (docs/asyncapi.yaml)
        out.push_back(std::move(*d));
    }
    return out;
}

config::WorkerConfig TestWorkerConfig(const std::string& worker_id) {
    auto env = config::Environment::Load("/nonexistent/.env");
    auto cfg = config::LoadWorkerConfig(env);
    cfg.worker_id = worker_id;
    cfg.retry_backoff_initial = std::chrono::milliseconds(50);
    cfg.retry_backoff_max = std::chrono::milliseconds(500);
    cfg.retry_max_attempts = 3;
    cfg.shutdown_timeout = std::chrono::seconds(10);
    cfg.health_port = 0;  // several workers per test binary: ephemeral health ports
    return cfg;
}

void ResetBidQueues() {
    rabbitmq::AmqpConnection conn(TestApiConfig().rabbitmq_url, "test-reset");
    rabbitmq::Topology topology;
    topology.queue_type = TestWorkerConfig("reset").rabbitmq_queue_type;
    // A vhost used before quorum queues (or with RABBITMQ_QUEUE_TYPE changed) holds the other type: the queues
    // are dropped and declared again, so every suite runs on the type the workers would declare.
    if (!rabbitmq::DeclareTopology(conn, topology).other_type.empty()) {
        conn.DeleteQueue(topology.queue);
        conn.DeleteQueue(topology.dead_letter_queue);
        if (const auto again = rabbitmq::DeclareTopology(conn, topology); !again.other_type.empty()) {
            throw std::runtime_error("cannot re-create the bid queues: " + again.broker_message);
        }
    }
    conn.PurgeQueue(topology.queue);
    conn.PurgeQueue(topology.dead_letter_queue);
}

std::string CreateBidItem(const std::string& seller, const std::string& currency, const std::string& start_price) {
    HttpClient client(ApiServer::Shared().port());
    auto body = SampleItem("Bid target");
    body["currencyCode"] = currency;
    body["startPrice"] = start_price;
    auto res = client.PostJson("/api/v1/items", body, seller);
    if (res.status != 201) {
        throw std::runtime_error("cannot create item: " + res.body);
    }
    return std::string(res.Json().at("id").as_string());
}

ItemRow ReadItem(const std::string& item_id) {
    auto conn =
        postgres::PgConnection::Connect(TestApiConfig().postgres.ConnInfo("test-read"), std::chrono::seconds(5));
    auto r = conn->ExecParams("SELECT status, current_price::text, buyer_id FROM items WHERE id = $1::uuid", {item_id});
    if (r.Rows() == 0) {
        throw std::runtime_error("item not found: " + item_id);
    }
    return ItemRow{r.String(0, 0), r.String(0, 1), r.OptString(0, 2)};
}

}  // namespace auction::testing
