#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

/// Background housekeeping's stores (README "Images" and "Retention"): infra/postgres implements them,
/// internal/lifecycle drives them. Blocking; a store failure throws an errors::DependencyFailure.
namespace auction::ports {

/// The S3 objects whose rows are gone (queued by a trigger in the transaction that deleted the rows).
class ObjectDeletionQueue {
public:
    virtual ~ObjectDeletionQueue() = default;
    /// Up to `limit` keys due for an attempt, each leased for `lease` (another replica skips them meanwhile; a replica
    /// that dies mid-attempt leaves them to be retried when the lease ends).
    virtual std::vector<std::string> Claim(int limit, std::chrono::milliseconds lease) = 0;
    /// The objects are gone from S3: forget them.
    virtual void Done(const std::vector<std::string>& keys) = 0;
    /// S3 failed for `key`: try again after `delay`.
    virtual void Retry(const std::string& key, std::chrono::milliseconds delay, const std::string& error) = 0;
    /// Keys waiting (for the metrics).
    virtual std::int64_t Pending() = 0;
};

/// Bounded bookkeeping tables whose old rows are purged.
class RetentionStore {
public:
    virtual ~RetentionStore() = default;
    /// Deletes at most `limit` rows of `table` older than `retention`, in one short transaction that skips rows
    /// another purger holds. Returns how many went. `table` is one of the names Tables() lists.
    virtual std::int64_t PurgeBatch(const std::string& table, std::chrono::milliseconds retention, int limit) = 0;
};

}  // namespace auction::ports
