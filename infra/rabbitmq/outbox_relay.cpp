#include "infra/rabbitmq/outbox_relay.hpp"

#include <algorithm>

#include "infra/rabbitmq/amqp_connection.hpp"
#include "pkg/events/events.hpp"
#include "pkg/logging/logger.hpp"
#include "pkg/timeutil/rfc3339.hpp"

namespace auction::rabbitmq {

OutboxRelay::OutboxRelay(RelayOptions options) : options_(std::move(options)) {}

OutboxRelay::~OutboxRelay() {
    Stop();
}

void OutboxRelay::Start() {
    if (!thread_.joinable()) {
        thread_ = std::thread([this] { Run(); });
    }
}

void OutboxRelay::Stop() {
    stopping_ = true;
    cv_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

RelayStats OutboxRelay::Stats() const {
    return RelayStats{published_.load(), failures_.load(), leader_.load(), broker_connected_.load()};
}

bool OutboxRelay::SleepFor(std::chrono::milliseconds d) {
    std::unique_lock lock(mutex_);
    return !cv_.wait_for(lock, d, [this] { return stopping_.load(); });
}

void OutboxRelay::Run() {
    std::chrono::milliseconds backoff{100};
    std::unique_ptr<ports::OutboxSession> store;
    std::unique_ptr<AmqpConnection> amqp;
    std::size_t next_node = 0;  // RABBITMQ_URL may list a cluster's nodes: after a failure, try the next first
    while (!stopping_) {
        try {
            if (!store || !store->Ok()) {
                leader_ = false;
                store.reset();
                store = options_.outbox();
            }
            if (!leader_) {
                // Session-level lock: held while this connection lives; another process takes over if it dies.
                leader_ = store->TryLead();
                if (!leader_) {
                    SleepFor(std::chrono::seconds(1));
                    continue;
                }
                logging::Info("outbox relay is the active publisher");
            }
            auto batch = store->FetchBatch(options_.batch_size);
            if (batch.empty()) {
                store->WaitForEvents(
                    std::min<std::chrono::milliseconds>(options_.poll_interval, std::chrono::milliseconds(250)));
                continue;
            }
            if (!amqp) {
                amqp = std::make_unique<AmqpConnection>(options_.rabbitmq_url, options_.app_id + "-outbox-relay",
                                                        std::chrono::seconds(5), 0, next_node);
                next_node = amqp->node_index();
                amqp->DeclareExchange(std::string(events::kItemExchange), "topic", true);
                amqp->EnableConfirms();
                broker_connected_ = true;
                logging::Info("outbox relay connected to RabbitMQ", {{"node", amqp->node()}});
            }
            std::uint64_t last_tag = 0;
            std::vector<std::int64_t> ids;
            ids.reserve(batch.size());
            for (const auto& e : batch) {
                MessageProperties props;
                props.message_id = e.message.event_id;
                props.type = e.message.routing_key;
                props.app_id = options_.app_id;
                props.correlation_id = e.message.correlation_id;
                props.timestamp = static_cast<std::uint64_t>(e.message.occurred_at / 1'000'000);
                last_tag = amqp->Publish(e.message.exchange, e.message.routing_key, e.message.body, props);
                ids.push_back(e.id);
            }
            amqp->WaitForConfirms(last_tag, options_.confirm_timeout);
            const auto confirmed_at = timeutil::NowMicros();
            for (const auto& e : batch) {
                // Clocks of two processes (maybe hosts): a skew that makes it negative counts as zero.
                publish_latency_.Observe(
                    std::chrono::microseconds(std::max<std::int64_t>(0, confirmed_at - e.message.occurred_at)));
            }
            store->DeleteBatch(ids);
            published_ += batch.size();
            backoff = std::chrono::milliseconds(100);
        } catch (const AmqpError& e) {
            ++failures_;
            if (broker_connected_) {
                logging::Warn("outbox relay lost RabbitMQ; events stay in the outbox", {{"error", e.what()}});
            }
            if (amqp) {
                next_node = amqp->node_index() + 1;
            }
            amqp.reset();
            broker_connected_ = false;
            SleepFor(backoff);
            backoff = std::min(backoff * 2, options_.retry_backoff_max);
        } catch (const std::exception& e) {
            ++failures_;
            logging::Warn("outbox relay database error", {{"error", e.what()}});
            store.reset();
            leader_ = false;
            SleepFor(backoff);
            backoff = std::min(backoff * 2, options_.retry_backoff_max);
        }
    }
}

}  // namespace auction::rabbitmq
