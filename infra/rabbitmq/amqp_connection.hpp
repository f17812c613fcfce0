#pragma once

#include <amqp.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "ports/messaging.hpp"

namespace auction::rabbitmq {

class AmqpError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

using ports::Delivery;
using ports::MessageProperties;

/// One rabbitmq-c connection with one channel. Blocking, not thread-safe: owned by one thread.
/// Every amqp_* reply is checked in CheckReply, the single choke point (after SimpleAmqpClient).
class AmqpConnection {
public:
    /// Connects (bounded by `timeout`) and opens channel 1.
    AmqpConnection(const std::string& url, std::string connection_name,
                   std::chrono::milliseconds timeout = std::chrono::seconds(5), int heartbeat_seconds = 0);
    ~AmqpConnection();
    AmqpConnection(const AmqpConnection&) = delete;
    AmqpConnection& operator=(const AmqpConnection&) = delete;

    void DeclareExchange(const std::string& name, const std::string& type, bool durable = true);
    /// Declares a queue; empty name asks the broker for one. Returns the queue's name.
    std::string DeclareQueue(const std::string& name, bool durable, bool exclusive, bool auto_delete,
                             const std::map<std::string, std::string>& arguments = {});
    void BindQueue(const std::string& queue, const std::string& exchange, const std::string& routing_key);
    void PurgeQueue(const std::string& queue);
    void DeleteQueue(const std::string& queue);

    /// Puts the channel in publisher-confirm mode; Publish then returns the delivery tag to confirm.
    void EnableConfirms();
    std::uint64_t Publish(const std::string& exchange, const std::string& routing_key, std::string_view body,
                          const MessageProperties& properties, bool mandatory = false);
    /// Waits until every tag up to `last_tag` is confirmed; throws on a nack, a closed channel or timeout.
    void WaitForConfirms(std::uint64_t last_tag, std::chrono::milliseconds timeout);

    void Qos(std::uint16_t prefetch_count);
    /// Starts consuming with manual acks; returns the consumer tag.
    std::string Consume(const std::string& queue);
    /// Next delivery, or nullopt when `timeout` passes with none.
    std::optional<Delivery> NextDelivery(std::chrono::milliseconds timeout);
    void Ack(std::uint64_t delivery_tag);
    void Reject(std::uint64_t delivery_tag, bool requeue);

    amqp_connection_state_t Raw() noexcept { return conn_; }

private:
    void CheckReply(amqp_rpc_reply_t reply, std::string_view context);
    void Close() noexcept;

    amqp_connection_state_t conn_ = nullptr;
    bool channel_open_ = false;
    bool confirms_ = false;
    std::uint64_t next_tag_ = 1;
    std::uint64_t confirmed_upto_ = 0;
};

}  // namespace auction::rabbitmq
