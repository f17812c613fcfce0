#include "infra/rabbitmq/queue_probe.hpp"

#include "pkg/logging/logger.hpp"

namespace auction::rabbitmq {

QueueDepthProbe::QueueDepthProbe(std::string url, std::string connection_name, std::vector<std::string> queues,
                                 std::chrono::milliseconds ttl, std::chrono::milliseconds timeout)
    : url_(std::move(url)),
      connection_name_(std::move(connection_name)),
      queues_(std::move(queues)),
      ttl_(ttl),
      timeout_(timeout) {}

QueueDepthProbe::~QueueDepthProbe() = default;

std::vector<QueueDepth> QueueDepthProbe::Query() {
    if (!conn_) {
        conn_ = std::make_unique<AmqpConnection>(url_, connection_name_, timeout_, 0, next_node_);
        next_node_ = conn_->node_index();
    }
    std::vector<QueueDepth> out;
    out.reserve(queues_.size());
    for (const auto& queue : queues_) {
        // Passive: only asks; a missing queue is an error, never a declaration.
        const auto state = conn_->DeclareQueuePassive(queue);
        out.push_back(QueueDepth{queue, state.messages, state.consumers});
    }
    return out;
}

std::optional<std::vector<QueueDepth>> QueueDepthProbe::Read() {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (read_at_ && now - *read_at_ < ttl_) {
        return last_;
    }
    // A kept connection may have died since the last scrape (broker restart): one retry on a fresh one.
    for (int attempt = 0; attempt < 2; ++attempt) {
        try {
            last_ = Query();
            break;
        } catch (const AmqpError& e) {
            if (conn_) {
                next_node_ = conn_->node_index() + 1;  // RABBITMQ_URL may list a cluster's nodes
            }
            conn_.reset();
            last_.reset();
            if (attempt == 1) {
                logging::Warn("metrics: cannot read queue depths", {{"error", e.what()}});
            }
        }
    }
    read_at_ = std::chrono::steady_clock::now();
    return last_;
}

}  // namespace auction::rabbitmq
