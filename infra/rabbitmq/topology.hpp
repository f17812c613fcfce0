#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "infra/rabbitmq/amqp_connection.hpp"

namespace auction::rabbitmq {

/// The queues the worker declares on start: the names the original deployment uses, so both can share
/// a broker.
struct Topology {
    std::string exchange = "auction.bid";
    std::string queue = "auction.bid.all.v1";
    std::string binding_key = "bid.*.v1";
    std::string dead_letter_exchange = "auction.bid.dlx";
    std::string dead_letter_queue = "auction.bid.all.v1.dlq";
    /// RABBITMQ_QUEUE_TYPE: "quorum" (replicated on a cluster; the default) or "classic". Applies to queues
    /// declared afresh; an existing queue keeps its type (DeclareTopology).
    std::string queue_type = "quorum";
};

/// What DeclareTopology found.
struct DeclaredTopology {
    /// The queues that already existed with the other type and are used as they are (empty when none).
    std::vector<std::string> other_type;
    /// The broker's refusal, for the log.
    std::string broker_message;
};

/// Declares exchange, queue (with x-dead-letter-exchange), dead-letter exchange and queue, and bindings.
/// A queue that already exists with the other type (PRECONDITION_FAILED on x-queue-type: an older deployment,
/// or the Go original sharing the broker) is not an error: it is used as it is (declared passively on the
/// reopened channel) and reported in the result; QueueTypeWarning() says how to migrate it.
DeclaredTopology DeclareTopology(AmqpConnection& conn, const Topology& topology);

/// The one warning line's text for a DeclaredTopology with queues of the other type.
std::string QueueTypeWarning(const Topology& topology, const DeclaredTopology& declared);

/// What MigrateQueueType did, per queue.
struct QueueMigration {
    std::string queue;
    bool migrated = false;      // false: it already had the wanted type (or did not exist and was created)
    std::size_t moved = 0;      // messages carried over (twice, through the holding queue, for a migrated queue)
    std::size_t recovered = 0;  // messages found in a holding queue left by an interrupted earlier run
};

/// Re-creates the work queue and the dead-letter queue with `topology.queue_type`, keeping every message
/// (docs/DEPLOYMENT.md, "Changing the queue type"). Per queue: a holding queue `<queue>.migration` of the new
/// type is bound in its place, the old queue is unbound, its messages are moved to the holding queue (each
/// acknowledged only after the broker confirmed its copy), the old queue is deleted (only if empty and
/// unused), declared again with the new type and bound, and the holding queue's messages are moved back. Bids
/// published meanwhile land in the holding queue and are moved too. Workers must be stopped (a consumer on
/// the old queue makes it refuse, with nothing changed); publishers may keep publishing. Safe to run again
/// after an interruption: it resumes from the holding queue. Throws AmqpError on a broker failure.
std::vector<QueueMigration> MigrateQueueType(const std::string& urls, const Topology& topology,
                                             const std::string& connection_name);

}  // namespace auction::rabbitmq
