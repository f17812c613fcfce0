#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "infra/rabbitmq/outbox_relay.hpp"
#include "ports/health.hpp"

namespace auction::rabbitmq {

/// The "rabbitmq" check: whether RabbitMQ accepts an AMQP connection (opened with a short timeout, then
/// closed). The answer is kept for `ttl`, so a storm of probes opens at most one connection per `ttl`.
class CachedAmqpProbe : public ports::ReadinessCheck {
public:
    CachedAmqpProbe(std::string url, std::string connection_name,
                    std::chrono::milliseconds ttl = std::chrono::seconds(1),
                    std::chrono::milliseconds timeout = std::chrono::seconds(2));
    /// Blocking (up to `timeout` when the answer is stale).
    bool Reachable();
    ports::CheckResults Check() override { return {{"rabbitmq", Reachable() ? "ok" : "fail"}}; }

private:
    std::string url_;
    std::string connection_name_;
    std::chrono::milliseconds ttl_;
    std::chrono::milliseconds timeout_;
    std::mutex mutex_;  // also makes concurrent probes wait for the one connecting
    std::optional<std::chrono::steady_clock::time_point> checked_at_;
    bool ok_ = false;
    std::size_t next_node_ = 0;
};

/// This process's outbox relay: published, failures, leadership, publish latency. Both programs run a relay;
/// only the leader publishes.
class RelayMetrics : public ports::MetricsSource {
public:
    explicit RelayMetrics(const OutboxRelay& relay) : relay_(relay) {}
    void WriteMetrics(std::string& out) override;

private:
    const OutboxRelay& relay_;
};

}  // namespace auction::rabbitmq
