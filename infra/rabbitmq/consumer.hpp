#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "infra/rabbitmq/amqp_connection.hpp"
#include "infra/rabbitmq/topology.hpp"
#include "pkg/metrics/metrics.hpp"

namespace auction::rabbitmq {

using ports::BatchHandler;
using ports::Outcome;
using ports::Verdict;

struct ConsumerOptions {
    std::string url;
    std::string connection_name;
    std::string app_id;
    Topology topology;
    int prefetch_count = 10;
    int worker_pool_size = 20;
    std::chrono::milliseconds reconnect_backoff_max{std::chrono::seconds(5)};
};

struct ConsumerStats {
    std::uint64_t received = 0;
    std::uint64_t acked = 0;
    std::uint64_t dead_lettered = 0;
    std::uint64_t requeued = 0;
    std::uint64_t batches = 0;
    bool connected = false;
    int in_flight = 0;  // received and not yet settled
};

/// Concurrent consumer with manual acks. One thread owns the AMQP connection (rabbitmq-c is not
/// thread-safe) and hands batches to a bounded pool of `worker_pool_size` threads; it stops reading
/// from the broker while that many messages are in flight (backpressure, as the design's semaphore),
/// and the broker sends at most `prefetch_count` unacknowledged messages. Acks, rejects and
/// dead-letter publishes happen back on the owning thread, after the handler returned (i.e. after the
/// change committed). On a lost connection it reconnects with backoff; the outcomes of deliveries from
/// the old connection are dropped, and the broker redelivers those messages (handlers are idempotent).
class Consumer {
public:
    Consumer(ConsumerOptions options, BatchHandler handler);
    ~Consumer();
    Consumer(const Consumer&) = delete;
    Consumer& operator=(const Consumer&) = delete;

    /// Connects and declares the topology (throws when the broker is unreachable), then consumes.
    void Start();
    /// Stops taking messages, waits for in-flight ones (bounded), acks them, closes the connection.
    void Stop(std::chrono::milliseconds timeout);
    ConsumerStats Stats() const;
    /// Per message: from its arrival on the consume thread to its ack, dead-letter or requeue (includes
    /// waiting for a batch and for a pool thread).
    const metrics::Histogram& processing_latency() const noexcept { return processing_latency_; }
    /// Per batch: how long the handler ran.
    const metrics::Histogram& handler_duration() const noexcept { return handler_duration_; }

private:
    using TimePoint = std::chrono::steady_clock::time_point;
    struct Job {
        std::uint64_t generation = 0;
        std::vector<Delivery> batch;
        std::vector<TimePoint> received_at;  // parallel to batch
    };
    struct Done {
        std::uint64_t generation = 0;
        std::vector<Delivery> batch;
        std::vector<TimePoint> received_at;
        std::vector<Outcome> outcomes;
    };

    void Connect();
    void ConsumeLoop();
    void WorkerLoop();
    /// Acks, dead-letters or requeues a finished batch on the channel it was delivered on. A batch delivered on an
    /// earlier connection (generation) is dropped: delivery tags are per channel, so its tags would settle other
    /// messages on the new one; the broker has requeued those deliveries and redelivers them.
    void Settle(Done& done);
    /// Sends the acks Settle collected: one multiple ack for those below every delivery still unsettled on the
    /// channel (all of them while one batch is in flight, the usual case), single acks for the rest.
    void SendAcks();
    void DeadLetter(const Delivery& delivery, const std::string& reason);
    void Wake();

    ConsumerOptions options_;
    BatchHandler handler_;
    std::unique_ptr<AmqpConnection> conn_;      // owned by the consume thread after Start
    std::unique_ptr<AmqpConnection> dlq_conn_;  // confirm-mode publisher for dead letters
    std::uint64_t generation_ = 0;
    std::size_t next_node_ = 0;       // consume thread only: where the next connection attempt starts
    bool warned_queue_type_ = false;  // consume thread only
    int wake_fd_ = -1;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> draining_{false};
    std::thread consume_thread_;
    std::vector<std::thread> workers_;

    std::mutex mutex_;
    std::condition_variable jobs_cv_;
    std::deque<Job> jobs_;
    std::vector<Done> done_;
    std::atomic<int> in_flight_{0};               // pending + dispatched messages
    std::vector<Delivery> pending_;               // received, not yet dispatched (consume thread only)
    std::vector<TimePoint> pending_received_at_;  // parallel to pending_
    int batches_in_flight_ = 0;                   // consume thread only
    std::set<std::uint64_t> unsettled_;           // tags delivered on this connection, not settled (consume thread)
    std::vector<std::uint64_t> acks_;             // settled as acks by Settle, not sent yet (consume thread)
    std::vector<TimePoint> acks_received_at_;     // when each of acks_ arrived, for processing_latency_

    std::atomic<std::uint64_t> received_{0};
    std::atomic<std::uint64_t> acked_{0};
    std::atomic<std::uint64_t> dead_lettered_{0};
    std::atomic<std::uint64_t> requeued_{0};
    std::atomic<std::uint64_t> batches_{0};
    std::atomic<bool> connected_{false};
    metrics::Histogram processing_latency_;
    metrics::Histogram handler_duration_;
};

}  // namespace auction::rabbitmq
