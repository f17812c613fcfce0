#include "infra/rabbitmq/consumer.hpp"

#include <amqp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>

#include "pkg/logging/logger.hpp"
#include "pkg/timeutil/rfc3339.hpp"

namespace auction::rabbitmq {

Consumer::Consumer(ConsumerOptions options, BatchHandler handler)
    : options_(std::move(options)), handler_(std::move(handler)) {
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) {
        throw AmqpError("cannot create an eventfd for the consumer");
    }
}

Consumer::~Consumer() {
    Stop(std::chrono::seconds(5));
    if (wake_fd_ >= 0) {
        close(wake_fd_);
    }
}

void Consumer::Connect() {
    conn_.reset();
    connected_ = false;
    // From the node after the one that failed last (RABBITMQ_URL may list a cluster's nodes).
    conn_ = std::make_unique<AmqpConnection>(options_.url, options_.connection_name, std::chrono::seconds(5), 0,
                                             next_node_);
    next_node_ = conn_->node_index();
    const auto declared = DeclareTopology(*conn_, options_.topology);
    if (!declared.other_type.empty() && !warned_queue_type_) {
        warned_queue_type_ = true;  // once per process, not at every reconnect
        logging::Warn(QueueTypeWarning(options_.topology, declared));
    }
    conn_->Qos(static_cast<std::uint16_t>(options_.prefetch_count));
    conn_->Consume(options_.topology.queue);
    unsettled_.clear();  // tags are per channel: the new one starts again at 1
    acks_.clear();
    acks_received_at_.clear();
    ++generation_;
    connected_ = true;
}

void Consumer::Start() {
    Connect();
    logging::Info("consumer connected to RabbitMQ", {{"node", conn_->node()}, {"queue", options_.topology.queue}});
    for (int i = 0; i < options_.worker_pool_size; ++i) {
        workers_.emplace_back([this] { WorkerLoop(); });
    }
    consume_thread_ = std::thread([this] { ConsumeLoop(); });
}

void Consumer::Wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = write(wake_fd_, &one, sizeof one);  // a full counter already wakes the loop
}

void Consumer::WorkerLoop() {
    for (;;) {
        Job job;
        {
            std::unique_lock lock(mutex_);
            jobs_cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) {
                return;
            }
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        std::vector<Outcome> outcomes;
        const auto started = std::chrono::steady_clock::now();
        try {
            outcomes = handler_(job.batch, draining_);
        } catch (const std::exception& e) {
            // A handler must classify its failures; anything escaping is treated as "try again later".
            logging::Error("message handler failed", {{"error", e.what()}});
            outcomes.assign(job.batch.size(), Outcome{Verdict::kRequeue, e.what()});
        }
        handler_duration_.Observe(std::chrono::steady_clock::now() - started);
        outcomes.resize(job.batch.size(), Outcome{Verdict::kRequeue, "no outcome"});
        {
            std::lock_guard lock(mutex_);
            done_.push_back(
                Done{job.generation, std::move(job.batch), std::move(job.received_at), std::move(outcomes)});
        }
        Wake();
    }
}

void Consumer::DeadLetter(const Delivery& d, const std::string& reason) {
    // Published with the reason in a header, confirmed, and only then is the original acknowledged.
    // If that fails, rejecting without requeue still dead-letters it through x-dead-letter-exchange.
    try {
        if (!dlq_conn_) {
            dlq_conn_ = std::make_unique<AmqpConnection>(options_.url, options_.connection_name + "-dlq",
                                                         std::chrono::seconds(5), 0, conn_->node_index());
            dlq_conn_->EnableConfirms();
        }
        MessageProperties props = d.properties;
        props.headers = d.headers;
        props.headers["x-error-reason"] = reason.substr(0, 512);
        props.headers["x-original-exchange"] = d.exchange;
        props.headers["x-original-routing-key"] = d.routing_key;
        props.headers["x-failed-at"] = timeutil::FormatRfc3339Millis(timeutil::NowMicros());
        props.headers["x-failed-by"] = options_.connection_name;
        const auto tag = dlq_conn_->Publish(options_.topology.dead_letter_exchange, d.routing_key, d.body, props);
        dlq_conn_->WaitForConfirms(tag, std::chrono::seconds(10));
        conn_->Ack(d.delivery_tag);
    } catch (const AmqpError& e) {
        dlq_conn_.reset();
        logging::Warn("dead-letter publish failed; rejecting to the dead-letter exchange", {{"error", e.what()}});
        conn_->Reject(d.delivery_tag, false);
    }
    ++dead_lettered_;
    logging::Warn("message dead-lettered",
                  {{"routingKey", d.routing_key}, {"messageId", d.properties.message_id}, {"reason", reason}});
}

void Consumer::Settle(Done& done) {
    if (done.generation != generation_ || !conn_) {
        return;  // delivered on a connection that is gone: the broker redelivers these
    }
    for (std::size_t i = 0; i < done.batch.size(); ++i) {
        const auto& d = done.batch[i];
        const auto& o = done.outcomes[i];
        switch (o.verdict) {
            case Verdict::kAck:
                acks_.push_back(d.delivery_tag);
                acks_received_at_.push_back(done.received_at[i]);
                break;
            case Verdict::kDeadLetter:
                DeadLetter(d, o.reason);
                unsettled_.erase(d.delivery_tag);
                processing_latency_.Observe(std::chrono::steady_clock::now() - done.received_at[i]);
                break;
            case Verdict::kRequeue:
                conn_->Reject(d.delivery_tag, true);
                unsettled_.erase(d.delivery_tag);
                ++requeued_;
                processing_latency_.Observe(std::chrono::steady_clock::now() - done.received_at[i]);
                break;
        }
    }
}

void Consumer::SendAcks() {
    if (acks_.empty()) {
        return;
    }
    for (const auto tag : acks_) {
        unsettled_.erase(tag);
    }
    // A multiple ack settles every unsettled delivery up to its tag, so it may cover only tags below the lowest
    // one still unsettled (being processed, or waiting for a batch). The rest are acked one by one.
    const auto lowest_open = unsettled_.empty() ? UINT64_MAX : *unsettled_.begin();
    std::uint64_t covered = 0;
    for (const auto tag : acks_) {
        if (tag < lowest_open) {
            covered = std::max(covered, tag);
        } else {
            conn_->Ack(tag);
        }
    }
    if (covered != 0) {
        conn_->Ack(covered, true);
    }
    acked_ += acks_.size();
    // Settled on the broker: that ends the message's processing time.
    const auto settled = std::chrono::steady_clock::now();
    for (const auto& received : acks_received_at_) {
        processing_latency_.Observe(settled - received);
    }
    acks_.clear();
    acks_received_at_.clear();
}

void Consumer::ConsumeLoop() {
    std::chrono::milliseconds backoff{100};
    while (!stopping_) {
        try {
            if (!conn_) {
                Connect();
                logging::Info("consumer reconnected to RabbitMQ", {{"node", conn_->node()}});
                backoff = std::chrono::milliseconds(100);
            }
            std::vector<Done> done;
            {
                std::lock_guard lock(mutex_);
                done.swap(done_);
            }
            // Counted out first: an ack that fails (connection lost) throws out of this loop, and the batches
            // after it must not stay counted in flight. Left counted, they would stall the consumer (a leftover
            // batch holds every later batch back until a full prefetch window has arrived, so the last messages of
            // a burst would wait unacknowledged for ever) and make Stop wait its whole timeout. Their messages
            // return to the queue with the connection.
            for (const auto& d : done) {
                in_flight_ -= static_cast<int>(d.batch.size());
                --batches_in_flight_;
            }
            for (auto& d : done) {
                Settle(d);
            }
            SendAcks();
            if (draining_) {
                // Stopping: what has not started goes back to the queue now; the rest finishes.
                for (const auto& d : pending_) {
                    conn_->Reject(d.delivery_tag, true);
                    unsettled_.erase(d.delivery_tag);
                    ++requeued_;
                }
                in_flight_ -= static_cast<int>(pending_.size());
                pending_.clear();
                pending_received_at_.clear();
                if (in_flight_ == 0) {
                    return;
                }
            }
            const bool can_take = !draining_ && in_flight_ < options_.worker_pool_size;
            amqp_connection_state_t raw = conn_->Raw();
            auto buffered = [raw] { return amqp_data_in_buffer(raw) != 0 || amqp_frames_enqueued(raw) != 0; };
            bool readable = can_take && buffered();
            if (!readable) {
                pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {amqp_get_sockfd(raw), POLLIN, 0}};
                const int n = poll(fds, can_take ? 2 : 1, 200);
                if (n > 0 && (fds[0].revents & POLLIN) != 0) {
                    std::uint64_t value = 0;
                    [[maybe_unused]] auto r = read(wake_fd_, &value, sizeof value);
                }
                readable = n > 0 && can_take && (fds[1].revents & (POLLIN | POLLERR | POLLHUP)) != 0;
            }
            // Take everything that has arrived, while the pool has room.
            while (readable && in_flight_ < options_.worker_pool_size) {
                auto delivery = conn_->NextDelivery(std::chrono::milliseconds(0));
                if (!delivery) {
                    break;
                }
                ++received_;
                ++in_flight_;
                unsettled_.insert(delivery->delivery_tag);
                pending_.push_back(std::move(*delivery));
                pending_received_at_.push_back(std::chrono::steady_clock::now());
                readable = buffered();
            }
            // Batch: start one when nothing is being processed, or when a full prefetch window has piled up
            // meanwhile. Larger batches mean fewer commits, which is what lets a replica beat one commit per
            // event; bench/worker_bench.sh measured prefetch/2 and prefetch as the threshold, and the full
            // window gave larger batches for the same drain rate, with less CPU.
            const std::size_t threshold = static_cast<std::size_t>(std::max(1, options_.prefetch_count));
            if (!pending_.empty() && (batches_in_flight_ == 0 || pending_.size() >= threshold)) {
                Job job;
                job.generation = generation_;
                job.batch.swap(pending_);
                job.received_at.swap(pending_received_at_);
                ++batches_in_flight_;
                ++batches_;
                {
                    std::lock_guard lock(mutex_);
                    jobs_.push_back(std::move(job));
                }
                jobs_cv_.notify_one();
            }
        } catch (const AmqpError& e) {
            logging::Warn("consumer lost RabbitMQ; reconnecting", {{"error", e.what()}});
            in_flight_ -= static_cast<int>(pending_.size());
            pending_.clear();  // never started; the broker redelivers them
            pending_received_at_.clear();
            if (conn_) {
                next_node_ = conn_->node_index() + 1;  // that node may be gone: try the others first
            }
            conn_.reset();
            connected_ = false;
            if (draining_) {
                return;  // unacked messages return to the queue with the connection
            }
            std::unique_lock lock(mutex_);
            jobs_cv_.wait_for(lock, backoff, [this] { return stopping_.load(); });
            backoff = std::min(backoff * 2, options_.reconnect_backoff_max);
        }
    }
}

void Consumer::Stop(std::chrono::milliseconds timeout) {
    if (!consume_thread_.joinable()) {
        return;
    }
    // Draining: take nothing new; the loop settles in-flight work and returns when none is left.
    draining_ = true;
    Wake();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (in_flight_ > 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    stopping_ = true;
    jobs_cv_.notify_all();
    Wake();
    consume_thread_.join();
    for (auto& w : workers_) {
        w.join();
    }
    workers_.clear();
    conn_.reset();  // anything still unacked goes back to the queue
    dlq_conn_.reset();
    connected_ = false;
}

ConsumerStats Consumer::Stats() const {
    return ConsumerStats{received_.load(), acked_.load(),     dead_lettered_.load(), requeued_.load(),
                         batches_.load(),  connected_.load(), in_flight_.load()};
}

}  // namespace auction::rabbitmq
