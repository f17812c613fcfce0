#include "infra/rabbitmq/queue_probe.hpp"

#include <amqp.h>

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
    amqp_connection_state_t raw = conn_->Raw();
    // The kept connection's pools hold every reply decoded on it until released (as the relay's confirms did).
    amqp_maybe_release_buffers(raw);
    for (const auto& queue : queues_) {
        // Passive: only asks; a missing queue is an error (channel closed), never a declaration.
        const auto* ok = amqp_queue_declare(raw, 1, amqp_cstring_bytes(queue.c_str()), 1, 0, 0, 0, amqp_empty_table);
        if (ok == nullptr) {
            const auto reply = amqp_get_rpc_reply(raw);
            std::string why = reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION
                                  ? amqp_error_string2(reply.library_error)
                                  : "the broker refused (does the queue exist?)";
            std::string message = "passive declare of " + queue;
            message += ": ";
            message += why;
            throw AmqpError(message);
        }
        out.push_back(QueueDepth{queue, ok->message_count, ok->consumer_count});
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
