#include "infra/rabbitmq/topology.hpp"

#include <amqp.h>
#include <amqp_framing.h>

#include <chrono>
#include <map>
#include <thread>

namespace auction::rabbitmq {

namespace {

constexpr std::size_t kMoveBatch = 500;
constexpr std::chrono::seconds kConfirmTimeout{30};

// No x-delivery-limit: a quorum queue without one never dead-letters on its own, so requeues (a worker's
// SIGTERM, a consumer timeout, a lost connection) cannot make a valid bid poison; the worker's retry policy
// decides (README "Bid queue").
std::map<std::string, std::string> QueueArguments(const Topology& t, bool work_queue) {
    std::map<std::string, std::string> args;
    if (work_queue) {
        args["x-dead-letter-exchange"] = t.dead_letter_exchange;
    }
    if (t.queue_type == "quorum") {
        args["x-queue-type"] = "quorum";
    }
    // classic: no x-queue-type at all, exactly as before, so an existing classic queue always matches.
    return args;
}

bool IsQueueTypeMismatch(const AmqpError& e) {
    return e.reply_code() == AMQP_PRECONDITION_FAILED &&
           std::string(e.what()).find("x-queue-type") != std::string::npos;
}

// Declares `name` with `args`; false (and `refusal` set) when it exists with another type, then left as it is.
bool DeclareQueueOfType(AmqpConnection& conn, const std::string& name, const std::map<std::string, std::string>& args,
                        std::string& refusal) {
    try {
        conn.DeclareQueue(name, true, false, false, args);
        return true;
    } catch (const AmqpError& e) {
        if (!IsQueueTypeMismatch(e)) {
            throw;
        }
        refusal = e.what();
        conn.ReopenChannel();  // the refusal closed the channel
        conn.DeclareQueuePassive(name);
        return false;
    }
}

bool QueueExists(AmqpConnection& conn, const std::string& name) {
    try {
        conn.DeclareQueuePassive(name);
        return true;
    } catch (const AmqpError& e) {
        if (e.reply_code() != AMQP_NOT_FOUND) {
            throw;
        }
        return false;
    }
}

// Quorum queues refuse queue.delete's if-unused and if-empty flags (NOT_IMPLEMENTED), so ask first. Called only
// on an unbound queue, which nothing can reach in between but a consumer.
// A quorum queue settles acks asynchronously and counts the basic.gets not yet settled as consumers for a moment:
// wait a little for that before calling it busy.
void DeleteIfIdle(AmqpConnection& conn, const std::string& queue) {
    auto state = conn.DeclareQueuePassive(queue);
    for (int i = 0; i < 100 && state.messages == 0 && state.consumers != 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        state = conn.DeclareQueuePassive(queue);
    }
    if (state.messages != 0 || state.consumers != 0) {
        throw AmqpError(queue + " is not idle (" + std::to_string(state.messages) + " messages, " +
                        std::to_string(state.consumers) + " consumers); not deleted");
    }
    conn.DeleteQueue(queue);
}

std::size_t MoveAll(AmqpConnection& conn, const std::string& from, const std::string& to) {
    conn.EnableConfirms();  // again after any reopened channel; a no-op on a channel already in confirm mode
    std::size_t moved = 0;
    while (const std::size_t n = conn.MoveMessages(from, to, kMoveBatch, kConfirmTimeout)) {
        moved += n;
    }
    return moved;
}

QueueMigration MigrateOne(const std::string& urls, const std::string& name, const std::string& queue,
                          const std::string& exchange, const std::string& key,
                          const std::map<std::string, std::string>& args) {
    QueueMigration result{queue};
    const std::string holding = queue + ".migration";
    bool resumed = false;
    {
        AmqpConnection conn(urls, name);
        resumed = QueueExists(conn, holding);
        std::string refusal;
        if (DeclareQueueOfType(conn, queue, args, refusal)) {
            conn.BindQueue(queue, exchange, key);
        } else {
            const auto state = conn.DeclareQueuePassive(queue);
            if (state.consumers > 0) {
                throw AmqpError(queue + " has " + std::to_string(state.consumers) +
                                " consumer(s): stop the workers before changing the queue type (nothing was changed)");
            }
            // New messages go to the holding queue from here on; then the old queue is emptied into it.
            conn.DeclareQueue(holding, true, false, false, args);
            conn.BindQueue(holding, exchange, key);
            conn.UnbindQueue(queue, exchange, key);
            result.moved += MoveAll(conn, queue, holding);
            DeleteIfIdle(conn, queue);
            result.migrated = true;
        }
    }
    if (!resumed && !result.migrated) {
        return result;
    }
    // A new connection: RabbitMQ 3.10 crashes a channel that used the old queue and then publishes to a queue
    // of the same name and another type (rabbit_classic_queue:update function_clause, INTERNAL_ERROR).
    AmqpConnection conn(urls, name);
    std::string refusal;
    if (!DeclareQueueOfType(conn, queue, args, refusal)) {
        throw AmqpError(queue + " was declared again with the old type meanwhile: " + refusal);
    }
    conn.BindQueue(queue, exchange, key);
    conn.UnbindQueue(holding, exchange, key);
    const std::size_t back = MoveAll(conn, holding, queue);
    (result.migrated ? result.moved : result.recovered) += back;
    DeleteIfIdle(conn, holding);
    return result;
}

}  // namespace

DeclaredTopology DeclareTopology(AmqpConnection& conn, const Topology& t) {
    DeclaredTopology declared;
    conn.DeclareExchange(t.exchange, "topic", true);
    conn.DeclareExchange(t.dead_letter_exchange, "topic", true);
    if (!DeclareQueueOfType(conn, t.queue, QueueArguments(t, true), declared.broker_message)) {
        declared.other_type.push_back(t.queue);
    }
    conn.BindQueue(t.queue, t.exchange, t.binding_key);
    std::string refusal;
    if (!DeclareQueueOfType(conn, t.dead_letter_queue, QueueArguments(t, false), refusal)) {
        declared.other_type.push_back(t.dead_letter_queue);
        if (declared.broker_message.empty()) {
            declared.broker_message = refusal;
        }
    }
    conn.BindQueue(t.dead_letter_queue, t.dead_letter_exchange, t.binding_key);
    return declared;
}

std::string QueueTypeWarning(const Topology& t, const DeclaredTopology& declared) {
    std::string queues;
    for (const auto& q : declared.other_type) {
        queues += (queues.empty() ? "" : " and ") + q;
    }
    return queues + " already exist(s) with a type other than RABBITMQ_QUEUE_TYPE=" + t.queue_type +
           " and are used as they are. To migrate without losing a message: stop every worker, run "
           "`auction-worker --migrate-queues` with the same environment (publishers may keep publishing), then "
           "start the workers; or move the messages with a shovel (docs/DEPLOYMENT.md, \"Changing the queue "
           "type\"). Broker: " +
           declared.broker_message;
}

std::vector<QueueMigration> MigrateQueueType(const std::string& urls, const Topology& t,
                                             const std::string& connection_name) {
    {
        AmqpConnection conn(urls, connection_name);
        conn.DeclareExchange(t.exchange, "topic", true);
        conn.DeclareExchange(t.dead_letter_exchange, "topic", true);
    }
    std::vector<QueueMigration> out;
    out.push_back(MigrateOne(urls, connection_name, t.queue, t.exchange, t.binding_key, QueueArguments(t, true)));
    out.push_back(MigrateOne(urls, connection_name, t.dead_letter_queue, t.dead_letter_exchange, t.binding_key,
                             QueueArguments(t, false)));
    return out;
}

}  // namespace auction::rabbitmq
