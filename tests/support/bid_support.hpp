#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "infra/rabbitmq/amqp_connection.hpp"
#include "pkg/config/config.hpp"

namespace auction::testing {

/// Publishes bid events to auction.bid as the bid service would (persistent, confirmed).
class BidPublisher {
public:
    BidPublisher();
    void Publish(const std::string& type, const std::string& bid_id, const std::string& item_id,
                 const std::string& user_id, const std::string& amount, const std::string& currency);
    /// `amqp_timestamp`: the AMQP timestamp property (seconds since the epoch), 0 for none.
    void PublishRaw(const std::string& routing_key, const std::string& body, const std::string& message_id = "",
                    std::uint64_t amqp_timestamp = 0);
    /// Waits for the broker to confirm everything published so far.
    void Flush();

private:
    std::unique_ptr<rabbitmq::AmqpConnection> conn_;
    std::uint64_t last_tag_ = 0;
};

/// Messages currently in a queue (consumed and acked), up to `timeout` waiting for each next one.
std::vector<rabbitmq::Delivery> DrainQueue(const std::string& queue, std::chrono::milliseconds idle_timeout);

/// Test worker configuration (same environment as the API's tests).
config::WorkerConfig TestWorkerConfig(const std::string& worker_id);

/// Declares the bid topology and purges the work and dead-letter queues (tests start from empty queues).
void ResetBidQueues();

/// A fresh item for bids; returns its id.
std::string CreateBidItem(const std::string& seller, const std::string& currency = "USD",
                          const std::string& start_price = "100.00");

/// The item's columns straight from the database.
struct ItemRow {
    std::string status;
    std::string current_price;
    std::optional<std::string> buyer_id;
};
ItemRow ReadItem(const std::string& item_id);

}  // namespace auction::testing
