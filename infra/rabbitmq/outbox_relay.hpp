#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "pkg/config/config.hpp"
#include "pkg/metrics/metrics.hpp"
#include "ports/outbox.hpp"

namespace auction::rabbitmq {

struct RelayOptions {
    std::string rabbitmq_url;
    std::string app_id;                  // AMQP app_id = SERVICE_NAME
    ports::OutboxSessionFactory outbox;  // the outbox store (postgres::OutboxSessions in the mains)
    int batch_size = 256;
    std::chrono::milliseconds poll_interval{1000};  // fallback when a notification is missed
    std::chrono::milliseconds confirm_timeout{10000};
    std::chrono::milliseconds retry_backoff_max{5000};
};

struct RelayStats {
    std::uint64_t published = 0;
    std::uint64_t failures = 0;
    bool leader = false;
    bool broker_connected = false;
};

/// Publishes the transactional outbox to RabbitMQ. Each process may run one; a PostgreSQL advisory lock
/// elects a single active relay so events leave in outbox (per-item) order. A batch is published with
/// publisher confirms and deleted only after the broker confirmed every message in it, so an event is
/// never lost; a crash between confirm and delete republishes it with the same message_id.
/// While RabbitMQ is down, the relay retries with backoff and the API keeps committing to the outbox.
class OutboxRelay {
public:
    explicit OutboxRelay(RelayOptions options);
    ~OutboxRelay();
    OutboxRelay(const OutboxRelay&) = delete;
    OutboxRelay& operator=(const OutboxRelay&) = delete;

    void Start();
    /// Finishes the batch in flight and stops.
    void Stop();
    RelayStats Stats() const;
    /// Per published event: from its outbox row's created_at (the writer's clock, when the change was
    /// made) to the broker's confirm (this process's clock).
    const metrics::Histogram& publish_latency() const noexcept { return publish_latency_; }

private:
    void Run();
    bool SleepFor(std::chrono::milliseconds d);  // false when stopping

    RelayOptions options_;
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::condition_variable cv_;
    std::thread thread_;
    std::atomic<std::uint64_t> published_{0};
    std::atomic<std::uint64_t> failures_{0};
    std::atomic<bool> leader_{false};
    std::atomic<bool> broker_connected_{false};
    metrics::Histogram publish_latency_;
};

}  // namespace auction::rabbitmq
