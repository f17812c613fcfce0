// Publisher confirms as the outbox relay counts them: a batch is published only once every tag of it is
// confirmed, whatever order the broker's acks come in.
#include <gtest/gtest.h>

#include "infra/rabbitmq/amqp_connection.hpp"

namespace auction::rabbitmq {
namespace {

TEST(ConfirmTracker, InOrderSingleAcksAdvance) {
    ConfirmTracker t;
    t.Ack(1, false);
    t.Ack(2, false);
    EXPECT_EQ(t.confirmed_upto(), 2U);
}

TEST(ConfirmTracker, ASingleAckPastAGapConfirmsOnlyItself) {
    ConfirmTracker t;
    t.Ack(1, false);
    t.Ack(3, false);  // 2 is still held by the broker
    EXPECT_EQ(t.confirmed_upto(), 1U);
    t.Ack(5, false);
    EXPECT_EQ(t.confirmed_upto(), 1U);
    t.Ack(2, false);  // closes the gap: 3 was confirmed already
    EXPECT_EQ(t.confirmed_upto(), 3U);
    t.Ack(4, false);
    EXPECT_EQ(t.confirmed_upto(), 5U);
}

TEST(ConfirmTracker, AMultipleAckConfirmsEverythingUpToItAndJoinsLaterSingleAcks) {
    ConfirmTracker t;
    t.Ack(6, false);
    t.Ack(4, true);
    EXPECT_EQ(t.confirmed_upto(), 4U);
    t.Ack(5, true);
    EXPECT_EQ(t.confirmed_upto(), 6U);
    t.Ack(3, false);  // a late duplicate changes nothing
    t.Ack(2, true);
    EXPECT_EQ(t.confirmed_upto(), 6U);
}

TEST(ConfirmTracker, ResetStartsANewChannel) {
    ConfirmTracker t;
    t.Ack(2, false);
    t.Ack(1, false);
    t.Reset();
    EXPECT_EQ(t.confirmed_upto(), 0U);
    t.Ack(2, false);
    EXPECT_EQ(t.confirmed_upto(), 0U);
}

}  // namespace
}  // namespace auction::rabbitmq
