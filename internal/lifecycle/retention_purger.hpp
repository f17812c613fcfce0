#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "internal/lifecycle/background_loop.hpp"
#include "ports/housekeeping.hpp"

namespace auction::lifecycle {

/// One bounded table: rows older than `retention` go.
struct RetentionRule {
    std::string table;
    std::chrono::milliseconds retention;
};

struct PurgerOptions {
    std::chrono::milliseconds interval{std::chrono::minutes(1)};
    int batch_size = 1000;  // rows per transaction: short, so it never holds long locks
};

/// Purges the bookkeeping tables that would otherwise grow without bound (README "Retention"): every `interval`,
/// each rule's table in batches of `batch_size` rows, each its own short transaction, until a batch comes back
/// short. Every worker replica runs one; they skip each other's rows.
class RetentionPurger {
public:
    RetentionPurger(ports::RetentionStore& store, std::vector<RetentionRule> rules, PurgerOptions options);
    ~RetentionPurger();
    RetentionPurger(const RetentionPurger&) = delete;
    RetentionPurger& operator=(const RetentionPurger&) = delete;

    void Start();
    void Stop();
    /// One round over every rule. Returns the rows purged.
    std::int64_t RunOnce();

    /// Rows purged so far, by table (every rule's table is present).
    std::map<std::string, std::uint64_t> purged() const;

private:
    ports::RetentionStore& store_;
    std::vector<RetentionRule> rules_;
    PurgerOptions options_;
    std::vector<std::atomic<std::uint64_t>> purged_;  // by rule
    BackgroundLoop loop_;
};

}  // namespace auction::lifecycle
