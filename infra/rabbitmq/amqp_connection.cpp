#include "infra/rabbitmq/amqp_connection.hpp"

#include <amqp_tcp_socket.h>
#include <sys/time.h>

#include <cstring>
#include <memory>
#include <vector>

namespace auction::rabbitmq {

namespace {

constexpr amqp_channel_t kChannel = 1;

amqp_bytes_t Bytes(std::string_view s) {
    return amqp_bytes_t{s.size(), const_cast<char*>(s.data())};  // NOLINT: rabbitmq-c takes non-const
}

std::string ToString(amqp_bytes_t b) {
    return {static_cast<const char*>(b.bytes), b.len};
}

timeval ToTimeval(std::chrono::milliseconds ms) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
    return tv;
}

// A table of string entries whose storage stays alive as long as this object.
class Table {
public:
    explicit Table(const std::map<std::string, std::string>& values) {
        entries_.reserve(values.size());
        for (const auto& [k, v] : values) {
            amqp_table_entry_t e{};
            e.key = Bytes(k);
            // x-* numeric arguments must be integers for the broker; everything else is a string.
            if (k == "x-message-ttl" || k == "x-max-length" || k == "x-delivery-limit") {
                e.value.kind = AMQP_FIELD_KIND_I64;
                e.value.value.i64 = std::stoll(v);
            } else {
                e.value.kind = AMQP_FIELD_KIND_UTF8;
                e.value.value.bytes = Bytes(v);
            }
            entries_.push_back(e);
        }
    }
    amqp_table_t Get() {
        return amqp_table_t{static_cast<int>(entries_.size()), entries_.empty() ? nullptr : entries_.data()};
    }

private:
    std::vector<amqp_table_entry_t> entries_;
};

}  // namespace

std::vector<std::string> AmqpConnection::SplitUrls(const std::string& urls) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        const auto comma = urls.find(',', start);
        out.push_back(urls.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos) {
            return out;
        }
        start = comma + 1;
    }
}

AmqpConnection::AmqpConnection(const std::string& urls, const std::string& connection_name,
                               std::chrono::milliseconds timeout, int heartbeat_seconds, std::size_t first_node) {
    const auto nodes = SplitUrls(urls);
    std::string failures;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const std::size_t index = (first_node + i) % nodes.size();
        try {
            Open(nodes[index], connection_name, timeout, heartbeat_seconds);
            node_index_ = index;
            return;
        } catch (const AmqpError& e) {
            Close();
            if (nodes.size() == 1) {
                throw;
            }
            failures += (failures.empty() ? "" : "; ") + node_ + ": " + e.what();
        }
    }
    throw AmqpError("no RabbitMQ node of " + std::to_string(nodes.size()) + " answered: " + failures);
}

void AmqpConnection::Open(const std::string& url, const std::string& connection_name, std::chrono::milliseconds timeout,
                          int heartbeat_seconds) {
    std::vector<char> buffer(url.begin(), url.end());
    buffer.push_back('\0');
    amqp_connection_info info{};
    amqp_default_connection_info(&info);
    // Not `node_ = "?"`: GCC 12 at -O3 (the image's Release build) warns of an overlapping memcpy in that inlined
    // assignment (-Wrestrict, a known false positive), which -Werror makes fatal.
    node_.assign(1, '?');
    if (amqp_parse_url(buffer.data(), &info) != AMQP_STATUS_OK) {
        throw AmqpError("RABBITMQ_URL is not a valid amqp:// URL");
    }
    node_ = std::string(info.host) + ":" + std::to_string(info.port);
    // As Go's amqp091 does, "amqp://host:5672/" (empty path) means the default vhost "/".
    static char default_vhost[] = "/";  // rabbitmq-c wants a char*
    if (info.vhost == nullptr || info.vhost[0] == '\0') {
        info.vhost = default_vhost;
    }
    conn_ = amqp_new_connection();
    if (conn_ == nullptr) {
        throw AmqpError("cannot allocate an AMQP connection");
    }
    amqp_socket_t* socket = amqp_tcp_socket_new(conn_);
    if (socket == nullptr) {
        throw AmqpError("cannot create an AMQP socket");
    }
    timeval tv = ToTimeval(timeout);
    if (int rc = amqp_socket_open_noblock(socket, info.host, info.port, &tv); rc != AMQP_STATUS_OK) {
        throw AmqpError(std::string("cannot connect to RabbitMQ: ") + amqp_error_string2(rc));
    }
    // Reads and writes are bounded too, so a stalled broker cannot hang the owner thread forever.
    amqp_set_handshake_timeout(conn_, &tv);
    amqp_set_rpc_timeout(conn_, &tv);
    amqp_table_entry_t props[1];
    props[0].key = amqp_cstring_bytes("connection_name");
    props[0].value.kind = AMQP_FIELD_KIND_UTF8;
    props[0].value.value.bytes = Bytes(connection_name);
    amqp_table_t client_props{1, props};
    CheckReply(amqp_login_with_properties(conn_, info.vhost, 0, 131072, heartbeat_seconds, &client_props,
                                          AMQP_SASL_METHOD_PLAIN, info.user, info.password),
               "login");
    amqp_channel_open(conn_, kChannel);
    CheckReply(amqp_get_rpc_reply(conn_), "channel.open");
    channel_open_ = true;
}

AmqpConnection::~AmqpConnection() {
    Close();
}

void AmqpConnection::Close() noexcept {
    if (conn_ == nullptr) {
        return;
    }
    if (channel_open_) {
        amqp_channel_close(conn_, kChannel, AMQP_REPLY_SUCCESS);
    }
    amqp_connection_close(conn_, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(conn_);
    conn_ = nullptr;
    channel_open_ = false;
    confirms_ = false;
    next_tag_ = 1;
    confirmed_.Reset();
}

void AmqpConnection::CheckReply(amqp_rpc_reply_t reply, std::string_view context) {
    switch (reply.reply_type) {
        case AMQP_RESPONSE_NORMAL:
            return;
        case AMQP_RESPONSE_NONE:
            throw AmqpError(std::string(context) + ": missing RPC reply");
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            throw AmqpError(std::string(context) + ": " + amqp_error_string2(reply.library_error));
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
                auto* m = static_cast<amqp_connection_close_t*>(reply.reply.decoded);
                amqp_connection_close_ok_t ok{};
                amqp_send_method(conn_, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
                channel_open_ = false;
                throw AmqpError(std::string(context) + ": connection closed by broker: " + ToString(m->reply_text),
                                m->reply_code);
            }
            if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
                auto* m = static_cast<amqp_channel_close_t*>(reply.reply.decoded);
                amqp_channel_close_ok_t ok{};
                amqp_send_method(conn_, kChannel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
                channel_open_ = false;
                throw AmqpError(std::string(context) + ": channel closed by broker: " + ToString(m->reply_text),
                                m->reply_code);
            }
            throw AmqpError(std::string(context) + ": unexpected broker method");
    }
    throw AmqpError(std::string(context) + ": unknown reply");
}

void AmqpConnection::DeclareExchange(const std::string& name, const std::string& type, bool durable) {
    amqp_exchange_declare(conn_, kChannel, Bytes(name), Bytes(type), 0, durable ? 1 : 0, 0, 0, amqp_empty_table);
    CheckReply(amqp_get_rpc_reply(conn_), "exchange.declare " + name);
}

std::string AmqpConnection::DeclareQueue(const std::string& name, bool durable, bool exclusive, bool auto_delete,
                                         const std::map<std::string, std::string>& arguments) {
    Table args(arguments);
    auto* ok = amqp_queue_declare(conn_, kChannel, name.empty() ? amqp_empty_bytes : Bytes(name), 0, durable ? 1 : 0,
                                  exclusive ? 1 : 0, auto_delete ? 1 : 0, args.Get());
    CheckReply(amqp_get_rpc_reply(conn_), "queue.declare " + name);
    return ok != nullptr ? ToString(ok->queue) : name;
}

void AmqpConnection::BindQueue(const std::string& queue, const std::string& exchange, const std::string& key) {
    amqp_queue_bind(conn_, kChannel, Bytes(queue), Bytes(exchange), Bytes(key), amqp_empty_table);
    CheckReply(amqp_get_rpc_reply(conn_), "queue.bind " + queue);
}

QueueState AmqpConnection::DeclareQueuePassive(const std::string& name) {
    // Callers poll this on a kept connection (the queue-depth probe): hand back the pools the previous reply was
    // decoded into, or they grow with every call.
    amqp_maybe_release_buffers(conn_);
    auto* ok = amqp_queue_declare(conn_, kChannel, Bytes(name), 1, 0, 0, 0, amqp_empty_table);
    try {
        CheckReply(amqp_get_rpc_reply(conn_), "queue.declare (passive) " + name);
    } catch (const AmqpError& e) {
        if (e.reply_code() == AMQP_NOT_FOUND || e.reply_code() == AMQP_PRECONDITION_FAILED) {
            ReopenChannel();  // a missing queue closes only the channel
        }
        throw;
    }
    return ok != nullptr ? QueueState{ok->message_count, ok->consumer_count} : QueueState{};
}

void AmqpConnection::UnbindQueue(const std::string& queue, const std::string& exchange, const std::string& key) {
    amqp_queue_unbind(conn_, kChannel, Bytes(queue), Bytes(exchange), Bytes(key), amqp_empty_table);
    CheckReply(amqp_get_rpc_reply(conn_), "queue.unbind " + queue);
}

void AmqpConnection::ReopenChannel() {
    if (channel_open_) {
        return;
    }
    amqp_channel_open(conn_, kChannel);
    CheckReply(amqp_get_rpc_reply(conn_), "channel.open");
    channel_open_ = true;
    confirms_ = false;
    next_tag_ = 1;
    confirmed_.Reset();
}

std::size_t AmqpConnection::MoveMessages(const std::string& from, const std::string& to, std::size_t limit,
                                         std::chrono::milliseconds confirm_timeout) {
    if (!confirms_) {
        throw AmqpError("MoveMessages needs publisher confirms");
    }
    // Read the batch first, then publish it: confirms arriving between a get and its body would break
    // rabbitmq-c's read of the message.
    struct Messages {
        std::vector<amqp_message_t> list;
        ~Messages() {
            for (auto& m : list) {
                amqp_destroy_message(&m);
            }
        }
    } messages;
    std::uint64_t last_get_tag = 0;
    while (messages.list.size() < limit) {
        amqp_rpc_reply_t reply = amqp_basic_get(conn_, kChannel, Bytes(from), 0);
        CheckReply(reply, "basic.get " + from);
        if (reply.reply.id == AMQP_BASIC_GET_EMPTY_METHOD) {
            break;
        }
        last_get_tag = static_cast<amqp_basic_get_ok_t*>(reply.reply.decoded)->delivery_tag;
        amqp_message_t message{};
        CheckReply(amqp_read_message(conn_, kChannel, &message, 0), "basic.get " + from + " (body)");
        messages.list.push_back(message);
    }
    if (messages.list.empty()) {
        return 0;
    }
    std::uint64_t last_publish_tag = 0;
    for (auto& message : messages.list) {
        const int rc =
            amqp_basic_publish(conn_, kChannel, amqp_empty_bytes, Bytes(to), 0, 0, &message.properties, message.body);
        if (rc != AMQP_STATUS_OK) {
            throw AmqpError(std::string("basic.publish: ") + amqp_error_string2(rc));
        }
        last_publish_tag = next_tag_++;
    }
    // Confirmed on `to` first, then removed from `from`: a failure in between leaves a copy in both (the
    // worker applies a bid once), never none.
    WaitForConfirms(last_publish_tag, confirm_timeout);
    if (int rc = amqp_basic_ack(conn_, kChannel, last_get_tag, 1); rc != AMQP_STATUS_OK) {
        throw AmqpError(std::string("basic.ack: ") + amqp_error_string2(rc));
    }
    return messages.list.size();
}

void AmqpConnection::PurgeQueue(const std::string& queue) {
    amqp_queue_purge(conn_, kChannel, Bytes(queue));
    CheckReply(amqp_get_rpc_reply(conn_), "queue.purge " + queue);
}

void AmqpConnection::DeleteQueue(const std::string& queue, bool if_unused, bool if_empty) {
    amqp_queue_delete(conn_, kChannel, Bytes(queue), if_unused ? 1 : 0, if_empty ? 1 : 0);
    CheckReply(amqp_get_rpc_reply(conn_), "queue.delete " + queue);
}

void AmqpConnection::EnableConfirms() {
    amqp_confirm_select(conn_, kChannel);
    CheckReply(amqp_get_rpc_reply(conn_), "confirm.select");
    confirms_ = true;
}

std::uint64_t AmqpConnection::Publish(const std::string& exchange, const std::string& routing_key,
                                      std::string_view body, const MessageProperties& p, bool mandatory) {
    amqp_basic_properties_t props{};
    props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
    props.content_type = Bytes(p.content_type);
    props.delivery_mode = p.persistent ? 2 : 1;
    if (!p.message_id.empty()) {
        props._flags |= AMQP_BASIC_MESSAGE_ID_FLAG;
        props.message_id = Bytes(p.message_id);
    }
    if (!p.type.empty()) {
        props._flags |= AMQP_BASIC_TYPE_FLAG;
        props.type = Bytes(p.type);
    }
    if (!p.app_id.empty()) {
        props._flags |= AMQP_BASIC_APP_ID_FLAG;
        props.app_id = Bytes(p.app_id);
    }
    if (!p.correlation_id.empty()) {
        props._flags |= AMQP_BASIC_CORRELATION_ID_FLAG;
        props.correlation_id = Bytes(p.correlation_id);
    }
    if (p.timestamp != 0) {
        props._flags |= AMQP_BASIC_TIMESTAMP_FLAG;
        props.timestamp = p.timestamp;
    }
    Table headers(p.headers);
    if (!p.headers.empty()) {
        props._flags |= AMQP_BASIC_HEADERS_FLAG;
        props.headers = headers.Get();
    }
    const int rc = amqp_basic_publish(conn_, kChannel, Bytes(exchange), Bytes(routing_key), mandatory ? 1 : 0, 0,
                                      &props, Bytes(body));
    if (rc != AMQP_STATUS_OK) {
        throw AmqpError(std::string("basic.publish: ") + amqp_error_string2(rc));
    }
    return confirms_ ? next_tag_++ : 0;
}

void ConfirmTracker::Ack(std::uint64_t tag, bool multiple) {
    if (multiple) {
        upto_ = std::max(upto_, tag);
    } else if (tag > upto_) {
        above_.insert(tag);
    }
    above_.erase(above_.begin(), above_.upper_bound(upto_));
    while (!above_.empty() && *above_.begin() == upto_ + 1) {
        upto_ = *above_.begin();
        above_.erase(above_.begin());
    }
}

void ConfirmTracker::Reset() noexcept {
    upto_ = 0;
    above_.clear();
}

void AmqpConnection::WaitForConfirms(std::uint64_t last_tag, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (confirmed_.confirmed_upto() < last_tag) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            throw AmqpError("publisher confirms timed out");
        }
        timeval tv = ToTimeval(left);
        // rabbitmq-c decodes every frame into pools the connection owns and reuses them only when told to: the
        // previous frame is done with, so hand its memory back. Without this the outbox relay's pools grew by
        // every confirm it ever read (about 40 bytes each: 0.8 MB per 20,000 events).
        amqp_maybe_release_buffers(conn_);
        amqp_frame_t frame{};
        const int rc = amqp_simple_wait_frame_noblock(conn_, &frame, &tv);
        if (rc == AMQP_STATUS_TIMEOUT) {
            throw AmqpError("publisher confirms timed out");
        }
        if (rc != AMQP_STATUS_OK) {
            throw AmqpError(std::string("waiting for confirms: ") + amqp_error_string2(rc));
        }
        if (frame.frame_type != AMQP_FRAME_METHOD) {
            continue;
        }
        switch (frame.payload.method.id) {
            case AMQP_BASIC_ACK_METHOD: {
                auto* ack = static_cast<amqp_basic_ack_t*>(frame.payload.method.decoded);
                confirmed_.Ack(ack->delivery_tag, ack->multiple != 0);
                break;
            }
            case AMQP_BASIC_NACK_METHOD:
                throw AmqpError("the broker refused (nacked) a published message");
            case AMQP_CHANNEL_CLOSE_METHOD: {
                auto* m = static_cast<amqp_channel_close_t*>(frame.payload.method.decoded);
                channel_open_ = false;
                throw AmqpError("channel closed by broker: " + ToString(m->reply_text));
            }
            case AMQP_CONNECTION_CLOSE_METHOD: {
                auto* m = static_cast<amqp_connection_close_t*>(frame.payload.method.decoded);
                channel_open_ = false;
                throw AmqpError("connection closed by broker: " + ToString(m->reply_text));
            }
            default:
                break;
        }
    }
}

void AmqpConnection::Qos(std::uint16_t prefetch_count) {
    amqp_basic_qos(conn_, kChannel, 0, prefetch_count, 0);
    CheckReply(amqp_get_rpc_reply(conn_), "basic.qos");
}

std::string AmqpConnection::Consume(const std::string& queue) {
    auto* ok = amqp_basic_consume(conn_, kChannel, Bytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    CheckReply(amqp_get_rpc_reply(conn_), "basic.consume " + queue);
    return ok != nullptr ? ToString(ok->consumer_tag) : std::string();
}

std::optional<Delivery> AmqpConnection::NextDelivery(std::chrono::milliseconds timeout) {
    amqp_maybe_release_buffers(conn_);
    amqp_envelope_t envelope{};
    timeval tv = ToTimeval(timeout);
    amqp_rpc_reply_t reply = amqp_consume_message(conn_, &envelope, &tv, 0);
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_TIMEOUT) {
        return std::nullopt;
    }
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
        // A method other than basic.deliver arrived: read it. A closed channel or connection (e.g. the broker's
        // consumer_timeout: 406 "delivery acknowledgement on channel 1 timed out") or a cancelled consumer ends
        // this connection's deliveries, so the caller must reconnect; anything else is skipped.
        amqp_frame_t frame{};
        if (amqp_simple_wait_frame_noblock(conn_, &frame, &tv) == AMQP_STATUS_OK &&
            frame.frame_type == AMQP_FRAME_METHOD) {
            switch (frame.payload.method.id) {
                case AMQP_CHANNEL_CLOSE_METHOD: {
                    auto* m = static_cast<amqp_channel_close_t*>(frame.payload.method.decoded);
                    const int code = m->reply_code;
                    channel_open_ = false;
                    throw AmqpError("the broker closed the channel: " + ToString(m->reply_text), code);
                }
                case AMQP_CONNECTION_CLOSE_METHOD: {
                    auto* m = static_cast<amqp_connection_close_t*>(frame.payload.method.decoded);
                    const int code = m->reply_code;
                    channel_open_ = false;
                    throw AmqpError("the broker closed the connection: " + ToString(m->reply_text), code);
                }
                case AMQP_BASIC_CANCEL_METHOD:
                    throw AmqpError("the broker cancelled the consumer");
                default:
                    break;
            }
        }
        return std::nullopt;
    }
    CheckReply(reply, "basic.consume");
    Delivery d;
    d.delivery_tag = envelope.delivery_tag;
    d.routing_key = ToString(envelope.routing_key);
    d.exchange = ToString(envelope.exchange);
    d.redelivered = envelope.redelivered != 0;
    d.body = ToString(envelope.message.body);
    const auto& props = envelope.message.properties;
    if ((props._flags & AMQP_BASIC_CONTENT_TYPE_FLAG) != 0) {
        d.properties.content_type = ToString(props.content_type);
    }
    if ((props._flags & AMQP_BASIC_MESSAGE_ID_FLAG) != 0) {
        d.properties.message_id = ToString(props.message_id);
    }
    if ((props._flags & AMQP_BASIC_TYPE_FLAG) != 0) {
        d.properties.type = ToString(props.type);
    }
    if ((props._flags & AMQP_BASIC_APP_ID_FLAG) != 0) {
        d.properties.app_id = ToString(props.app_id);
    }
    if ((props._flags & AMQP_BASIC_CORRELATION_ID_FLAG) != 0) {
        d.properties.correlation_id = ToString(props.correlation_id);
    }
    if ((props._flags & AMQP_BASIC_TIMESTAMP_FLAG) != 0) {
        d.properties.timestamp = props.timestamp;
    }
    d.properties.persistent = (props._flags & AMQP_BASIC_DELIVERY_MODE_FLAG) != 0 && props.delivery_mode == 2;
    if ((props._flags & AMQP_BASIC_HEADERS_FLAG) != 0) {
        for (int i = 0; i < props.headers.num_entries; ++i) {
            const auto& e = props.headers.entries[i];
            if (e.value.kind == AMQP_FIELD_KIND_UTF8 || e.value.kind == AMQP_FIELD_KIND_BYTES) {
                d.headers[ToString(e.key)] = ToString(e.value.value.bytes);
            } else if (e.value.kind == AMQP_FIELD_KIND_I64) {
                d.headers[ToString(e.key)] = std::to_string(e.value.value.i64);
            }
        }
    }
    amqp_destroy_envelope(&envelope);
    return d;
}

void AmqpConnection::Ack(std::uint64_t delivery_tag, bool multiple) {
    if (int rc = amqp_basic_ack(conn_, kChannel, delivery_tag, multiple ? 1 : 0); rc != AMQP_STATUS_OK) {
        throw AmqpError(std::string("basic.ack: ") + amqp_error_string2(rc));
    }
}

void AmqpConnection::Reject(std::uint64_t delivery_tag, bool requeue) {
    if (int rc = amqp_basic_reject(conn_, kChannel, delivery_tag, requeue ? 1 : 0); rc != AMQP_STATUS_OK) {
        throw AmqpError(std::string("basic.reject: ") + amqp_error_string2(rc));
    }
}

}  // namespace auction::rabbitmq
