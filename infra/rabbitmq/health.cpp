#include "infra/rabbitmq/health.hpp"

#include "infra/rabbitmq/amqp_connection.hpp"
#include "pkg/logging/logger.hpp"
#include "pkg/metrics/metrics.hpp"

namespace auction::rabbitmq {

CachedAmqpProbe::CachedAmqpProbe(std::string url, std::string connection_name, std::chrono::milliseconds ttl,
                                 std::chrono::milliseconds timeout)
    : url_(std::move(url)), connection_name_(std::move(connection_name)), ttl_(ttl), timeout_(timeout) {}

bool CachedAmqpProbe::Reachable() {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (checked_at_ && now - *checked_at_ < ttl_) {
        return ok_;
    }
    try {
        // Any node of RABBITMQ_URL will do; start from the one that answered last.
        AmqpConnection probe(url_, connection_name_, timeout_, 0, next_node_);
        next_node_ = probe.node_index();
        ok_ = true;
    } catch (const std::exception& e) {
        logging::Warn("readiness: RabbitMQ unreachable", {{"error", e.what()}});
        ok_ = false;
    }
    checked_at_ = std::chrono::steady_clock::now();
    return ok_;
}

void RelayMetrics::WriteMetrics(std::string& out) {
    const auto stats = relay_.Stats();
    metrics::Write(out, metrics::families::kOutboxPublishedTotal, static_cast<double>(stats.published));
    metrics::Write(out, metrics::families::kOutboxRelayFailuresTotal, static_cast<double>(stats.failures));
    metrics::Write(out, metrics::families::kOutboxRelayLeader, stats.leader ? 1 : 0);
    metrics::WriteHeader(out, metrics::families::kOutboxPublishLatencySeconds);
    relay_.publish_latency().Write(out, metrics::families::kOutboxPublishLatencySeconds, {});
}

}  // namespace auction::rabbitmq
