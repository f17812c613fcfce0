#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

/// Messages as the consumers see them: infra/rabbitmq delivers them and settles each by its Outcome, so a
/// consumer (internal/consumers) decides without knowing the broker's client.
namespace auction::ports {

/// AMQP properties the service sets on every message.
struct MessageProperties {
    std::string content_type = "application/json";
    std::string message_id;
    std::string type;
    std::string app_id;
    std::string correlation_id;
    std::uint64_t timestamp = 0;  // seconds since the epoch
    bool persistent = true;
    std::map<std::string, std::string> headers;
};

/// A delivered message (consumer side).
struct Delivery {
    std::uint64_t delivery_tag = 0;
    std::string routing_key;
    std::string exchange;
    bool redelivered = false;
    std::string body;
    MessageProperties properties;
    std::map<std::string, std::string> headers;  // string-valued headers only
};

/// What became of one message.
enum class Verdict {
    kAck,         // applied (or a harmless duplicate): acknowledge
    kDeadLetter,  // can never succeed: to the dead-letter queue with the reason, then acknowledge
    kRequeue,     // not handled now (e.g. shutting down mid-retry): back to the queue
};

struct Outcome {
    Verdict verdict = Verdict::kAck;
    std::string reason;
};

/// Handles a batch of deliveries (in arrival order) on a pool thread; returns one outcome per delivery.
/// `stopping` turns true on shutdown so long retries can give up with kRequeue.
using BatchHandler =
    std::function<std::vector<Outcome>(const std::vector<Delivery>& batch, const std::atomic<bool>& stopping)>;

}  // namespace auction::ports
