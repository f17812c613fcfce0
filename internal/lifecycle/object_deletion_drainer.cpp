#include "internal/lifecycle/object_deletion_drainer.hpp"

#include <algorithm>

#include "pkg/logging/logger.hpp"

namespace auction::lifecycle {

ObjectDeletionDrainer::ObjectDeletionDrainer(ports::ObjectDeletionQueue& queue, DeleteObject delete_object,
                                             DrainerOptions options)
    : queue_(queue),
      delete_object_(std::move(delete_object)),
      options_(options),
      loop_("deleting image objects", [this] {
          RunOnce();
          return options_.interval;
      }) {}

ObjectDeletionDrainer::~ObjectDeletionDrainer() {
    Stop();
}

void ObjectDeletionDrainer::Start() {
    loop_.Start();
}

void ObjectDeletionDrainer::Stop() {
    loop_.Stop();
}

ObjectDeletionDrainer::Counts ObjectDeletionDrainer::counts() const noexcept {
    return {deleted_.load(std::memory_order_relaxed), failures_.load(std::memory_order_relaxed)};
}

std::size_t ObjectDeletionDrainer::RunOnce() {
    std::size_t total = 0;
    for (;;) {
        const auto keys = queue_.Claim(options_.batch_size, options_.lease);
        std::vector<std::string> done;
        for (const auto& key : keys) {
            try {
                delete_object_(key);  // deleting an object that is already gone succeeds
                done.push_back(key);
                failure_streak_.store(0, std::memory_order_relaxed);
            } catch (const std::exception& e) {
                failures_.fetch_add(1, std::memory_order_relaxed);
                const auto streak = std::min<std::uint32_t>(failure_streak_.fetch_add(1), 6);
                const std::chrono::milliseconds delay =
                    std::min(options_.max_retry, options_.first_retry * (std::int64_t{1} << streak));
                logging::Warn("image object could not be deleted from S3, will retry",
                              {{"key", key}, {"error", e.what()}, {"retryInMs", static_cast<std::int64_t>(delay.count())}});
                queue_.Retry(key, delay, e.what());
            }
        }
        queue_.Done(done);
        deleted_.fetch_add(done.size(), std::memory_order_relaxed);
        total += done.size();
        if (keys.size() < static_cast<std::size_t>(options_.batch_size) || done.size() < keys.size() ||
            loop_.stopping()) {
            return total;
        }
    }
}

}  // namespace auction::lifecycle
