#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "internal/lifecycle/background_loop.hpp"
#include "ports/housekeeping.hpp"

namespace auction::lifecycle {

struct DrainerOptions {
    std::chrono::milliseconds interval{std::chrono::seconds(1)};  // the poll when nothing was due
    int batch_size = 100;
    std::chrono::milliseconds lease{std::chrono::seconds(60)};  // longer than a batch of S3 deletes takes
    std::chrono::milliseconds first_retry{std::chrono::seconds(1)};
    std::chrono::milliseconds max_retry{std::chrono::seconds(60)};
};

/// Deletes from S3 the objects whose image rows are gone (README "Images"): the queue is filled by a trigger in the
/// transaction that deleted the rows, so nothing depends on this process being alive at that moment. Every API
/// replica runs one; leases keep them off each other's keys. A failed delete is retried with a backoff that doubles
/// with the key's attempts, for as long as it takes (S3 being down is not a reason to forget an object).
class ObjectDeletionDrainer {
public:
    using DeleteObject = std::function<void(const std::string& key)>;  // throws when S3 fails

    ObjectDeletionDrainer(ports::ObjectDeletionQueue& queue, DeleteObject delete_object, DrainerOptions options);
    ~ObjectDeletionDrainer();
    ObjectDeletionDrainer(const ObjectDeletionDrainer&) = delete;
    ObjectDeletionDrainer& operator=(const ObjectDeletionDrainer&) = delete;

    void Start();
    void Stop();
    /// One round: claims and deletes batches until the queue has nothing due. Returns the objects deleted.
    std::size_t RunOnce();

    struct Counts {
        std::uint64_t deleted = 0;
        std::uint64_t failures = 0;  // S3 attempts that failed (each is retried)
    };
    Counts counts() const noexcept;

private:
    ports::ObjectDeletionQueue& queue_;
    DeleteObject delete_object_;
    DrainerOptions options_;
    BackgroundLoop loop_;
    std::atomic<std::uint64_t> deleted_{0};
    std::atomic<std::uint64_t> failures_{0};
    std::atomic<std::uint32_t> failure_streak_{0};  // consecutive failed attempts: the retry delay doubles with it
};

}  // namespace auction::lifecycle
