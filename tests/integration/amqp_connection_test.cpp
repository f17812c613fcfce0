// AmqpConnection against the real broker: what a long-lived publisher (the API's outbox relay) keeps in memory.
#include <gtest/gtest.h>
#include <malloc.h>

#include <cstddef>
#include <string>

#include "infra/rabbitmq/amqp_connection.hpp"
#include "pkg/ids/uuid.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

using namespace std::chrono_literals;

// Bytes the program's malloc has handed out and not taken back: in all arenas, and in chunks it mapped by
// themselves (rabbitmq-c's 128 KiB pool pages are such chunks). Under AddressSanitizer, whose allocator malloc's
// statistics do not see, it stays 0, and the test below checks nothing there.
std::size_t HeapInUse() {
    const auto info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

// rabbitmq-c decodes each frame it reads into pools the connection owns and reuses them only when the caller
// releases them: a publisher that only ever waits for confirms kept every basic.ack it had read, so the API's
// relay grew with every event it published. The heap after 20,000 more confirmed publishes must be where it was
// after the first 2,000 (before the fix it had grown by 0.8 MB: about 40 bytes a confirm, in 128 KiB pages).
TEST(AmqpConnection, WaitingForConfirmsKeepsNoMemoryPerConfirm) {
    rabbitmq::AmqpConnection conn(TestApiConfig().rabbitmq_url, "test-confirm-memory");
    // The default exchange and a queue name nobody declared: the broker confirms each message and drops it.
    const std::string nowhere = "test.confirm-memory." + ids::NewUuidV4();
    conn.EnableConfirms();
    const auto publish = [&](int count) {
        for (int i = 0; i < count; ++i) {
            conn.WaitForConfirms(conn.Publish("", nowhere, R"({"n":1})", {}), 30s);
        }
    };
    publish(2'000);  // pools, buffers and the socket's state at their working size
    const auto before = HeapInUse();
    publish(20'000);
    const auto after = HeapInUse();
    EXPECT_LT(after, before + 64 * 1024) << "heap in use " << before << " -> " << after << " bytes";
}

}  // namespace
}  // namespace auction::testing
