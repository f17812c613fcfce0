#pragma once

#include <amqp.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ports/messaging.hpp"

namespace auction::rabbitmq {

class AmqpError : public std::runtime_error {
public:
    explicit AmqpError(const std::string& what, int reply_code = 0) : std::runtime_error(what), code_(reply_code) {}
    /// The broker's reply code when it closed the channel or connection (e.g. 406 PRECONDITION_FAILED, 404
    /// NOT_FOUND), 0 for a library or network failure.
    int reply_code() const noexcept { return code_; }

private:
    int code_ = 0;
};

/// A queue's state from queue.declare-ok.
struct QueueState {
    std::uint32_t messages = 0;  // ready
    std::uint32_t consumers = 0;
};

using ports::Delivery;
using ports::MessageProperties;

/// Which publishes of a channel the broker has confirmed. A multiple ack confirms every tag up to its own, a single
/// ack only its own. RabbitMQ may confirm out of order (a message's confirm waits for the queues it went to), so a
/// single ack past a gap is kept aside until the tags before it are confirmed: taking it as "everything up to here"
/// could count as published a message the broker still holds, or later nacks.
class ConfirmTracker {
public:
    void Ack(std::uint64_t tag, bool multiple);
    /// Every tag up to this one is confirmed.
    std::uint64_t confirmed_upto() const noexcept { return upto_; }
    void Reset() noexcept;

private:
    std::uint64_t upto_ = 0;
    std::set<std::uint64_t> above_;  // single acks ahead of an unconfirmed tag
};

/// One rabbitmq-c connection with one channel. Blocking, not thread-safe: owned by one thread.
/// Every amqp_* reply is checked in CheckReply, the single choke point (after SimpleAmqpClient).
class AmqpConnection {
public:
    /// Connects (each attempt bounded by `timeout`) and opens channel 1. `urls` is one amqp:// URL or several,
    /// comma-separated, one per node of a cluster (RABBITMQ_URL as pkg/config normalises it): they are tried in
    /// turn from `first_node` (modulo their count), and the first node that accepts wins (node_index()).
    AmqpConnection(const std::string& urls, const std::string& connection_name,
                   std::chrono::milliseconds timeout = std::chrono::seconds(5), int heartbeat_seconds = 0,
                   std::size_t first_node = 0);
    ~AmqpConnection();
    AmqpConnection(const AmqpConnection&) = delete;
    AmqpConnection& operator=(const AmqpConnection&) = delete;

    void DeclareExchange(const std::string& name, const std::string& type, bool durable = true);
    /// Declares a queue; empty name asks the broker for one. Returns the queue's name.
    std::string DeclareQueue(const std::string& name, bool durable, bool exclusive, bool auto_delete,
                             const std::map<std::string, std::string>& arguments = {});
    void BindQueue(const std::string& queue, const std::string& exchange, const std::string& routing_key);
    /// Asks without declaring; throws (404, and the channel is reopened) when the queue does not exist.
    QueueState DeclareQueuePassive(const std::string& name);
    void UnbindQueue(const std::string& queue, const std::string& exchange, const std::string& routing_key);
    void PurgeQueue(const std::string& queue);
    /// `if_unused` / `if_empty`: the broker refuses (406) when the queue has consumers / ready messages.
    void DeleteQueue(const std::string& queue, bool if_unused = false, bool if_empty = false);
    /// After the broker closed the channel (a refused declare): opens it again on the same connection.
    void ReopenChannel();
    /// Moves up to `limit` messages from `from` to `to` (through the default exchange, every property and
    /// header kept), each acknowledged on `from` only after the broker confirmed it on `to`. Needs confirm mode.
    /// Returns how many moved; 0 when `from` is empty.
    std::size_t MoveMessages(const std::string& from, const std::string& to, std::size_t limit,
                             std::chrono::milliseconds confirm_timeout);

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
    /// multiple: also every unsettled delivery with a lower tag on this channel (one frame, one settle for a
    /// quorum queue).
    void Ack(std::uint64_t delivery_tag, bool multiple = false);
    void Reject(std::uint64_t delivery_tag, bool requeue);

    amqp_connection_state_t Raw() noexcept { return conn_; }
    /// Which of the URLs this connection reached (0-based), and that node as host:port (for logs).
    std::size_t node_index() const noexcept { return node_index_; }
    const std::string& node() const noexcept { return node_; }

    /// The URLs of a comma-separated list.
    static std::vector<std::string> SplitUrls(const std::string& urls);

private:
    void Open(const std::string& url, const std::string& connection_name, std::chrono::milliseconds timeout,
              int heartbeat_seconds);
    void CheckReply(amqp_rpc_reply_t reply, std::string_view context);
    void Close() noexcept;

    amqp_connection_state_t conn_ = nullptr;
    bool channel_open_ = false;
    bool confirms_ = false;
    std::uint64_t next_tag_ = 1;
    ConfirmTracker confirmed_;
    std::size_t node_index_ = 0;
    std::string node_;
};

}  // namespace auction::rabbitmq
