#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "infra/rabbitmq/amqp_connection.hpp"

namespace auction::rabbitmq {

/// One queue's state as the broker reports it in queue.declare-ok.
struct QueueDepth {
    std::string queue;
    std::uint32_t messages = 0;  // ready for delivery (not counting delivered, unacknowledged ones)
    std::uint32_t consumers = 0;
};

/// Reads queue depths with a passive queue.declare on a connection of its own, never the consumer's
/// (rabbitmq-c connections are not thread-safe, and a failed declare closes its channel). Meant for
/// metrics scrapes: the connection stays open between reads, answers are kept for `ttl` so a scrape
/// storm costs at most one round trip per ttl, and each read is bounded by `timeout`.
class QueueDepthProbe {
public:
    QueueDepthProbe(std::string url, std::string connection_name, std::vector<std::string> queues,
                    std::chrono::milliseconds ttl = std::chrono::seconds(1),
                    std::chrono::milliseconds timeout = std::chrono::seconds(2));
    ~QueueDepthProbe();
    QueueDepthProbe(const QueueDepthProbe&) = delete;
    QueueDepthProbe& operator=(const QueueDepthProbe&) = delete;

    /// The depths of the queues, in the given order; nullopt when the broker cannot be asked or a queue
    /// does not exist (logged). Blocking; thread-safe.
    std::optional<std::vector<QueueDepth>> Read();

private:
    std::vector<QueueDepth> Query();  // throws AmqpError

    std::string url_;
    std::string connection_name_;
    std::vector<std::string> queues_;
    std::chrono::milliseconds ttl_;
    std::chrono::milliseconds timeout_;
    std::mutex mutex_;  // one reader at a time owns the connection
    std::unique_ptr<AmqpConnection> conn_;
    std::size_t next_node_ = 0;
    std::optional<std::chrono::steady_clock::time_point> read_at_;
    std::optional<std::vector<QueueDepth>> last_;
};

}  // namespace auction::rabbitmq
