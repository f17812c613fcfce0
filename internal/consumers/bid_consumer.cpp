#include "internal/consumers/bid_consumer.hpp"

#include <thread>

#include "domain/bid.hpp"
#include "pkg/errors/errors.hpp"
#include "pkg/ids/uuid.hpp"
#include "pkg/logging/logger.hpp"

namespace auction::consumers {

using domain::BidResult;
using ports::Outcome;
using ports::Verdict;

BidConsumer::BidConsumer(ports::BidStore& store, const config::WorkerConfig& config) : store_(store), config_(config) {}

template <typename F>
bool BidConsumer::WithRetry(F&& work, const std::atomic<bool>& stopping, std::string& error, bool& gave_up_for_stop) {
    auto backoff = config_.retry_backoff_initial;
    int attempt = 0;  // failures that use up retry_max_attempts
    while (true) {
        bool database_unavailable = false;
        try {
            work(store_);
            return true;
        } catch (const errors::DependencyFailure& e) {
            // A connection refused or lost, or no free connection (PgError, PoolTimeout).
            error = e.what();
            database_unavailable = e.Unreachable();
        } catch (const std::exception& e) {
            error = e.what();
        }
        // Every failure here is a database or pool failure; the event itself was valid. An unreachable
        // database (or a connection lost mid-statement) says nothing about the event, so it does not use up
        // the attempts: the worker holds the message until the database is back, however long the outage
        // (the chaos test, docs/CHAOS.md, lost valid bids to the dead-letter queue when a restart outlasted
        // the ~11 s of backoff). Failures on a working connection (deadlocks, timeouts, ...) stay bounded.
        if (!database_unavailable) {
            ++attempt;
        }
        logging::Warn("bid processing failed, will retry", {{"attempt", attempt},
                                                            {"maxAttempts", config_.retry_max_attempts},
                                                            {"databaseUnavailable", database_unavailable},
                                                            {"error", error}});
        if (attempt >= config_.retry_max_attempts) {
            return false;
        }
        const auto until = std::chrono::steady_clock::now() + backoff;
        while (std::chrono::steady_clock::now() < until) {
            if (stopping) {
                gave_up_for_stop = true;
                return false;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        backoff = std::min(backoff * 2, config_.retry_backoff_max);
        retries_.fetch_add(1, std::memory_order_relaxed);
    }
}

BidConsumer::LifecycleCounts BidConsumer::lifecycle_counts() const noexcept {
    return {before_start_.load(std::memory_order_relaxed), after_end_.load(std::memory_order_relaxed),
            reopened_.load(std::memory_order_relaxed), sold_after_expiry_.load(std::memory_order_relaxed)};
}

void BidConsumer::Count(const domain::BidEvent& bid, BidResult result) {
    switch (result) {
        case BidResult::kBeforeStart:
            before_start_.fetch_add(1, std::memory_order_relaxed);
            break;
        case BidResult::kAfterEnd:
            after_end_.fetch_add(1, std::memory_order_relaxed);
            break;
        case BidResult::kReopened:
            reopened_.fetch_add(1, std::memory_order_relaxed);
            // The clock closed the auction before this in-window bid arrived (the bid queue lagged): the bid
            // service decides the winner, so the item is open again until bid.won or the settle timeout.
            logging::Warn(
                "late bid reopened an expired item",
                {{"itemId", bid.item_id}, {"bidId", bid.bid_id}, {"amount", domain::FormatMoney(bid.amount)}});
            break;
        case BidResult::kSoldAfterExpiry:
            sold_after_expiry_.fetch_add(1, std::memory_order_relaxed);
            logging::Warn("late bid.won sold an expired item",
                          {{"itemId", bid.item_id}, {"bidId", bid.bid_id}, {"buyerId", bid.user_id}});
            break;
        default:
            break;
    }
}

std::vector<Outcome> BidConsumer::Handle(const std::vector<ports::Delivery>& batch, const std::atomic<bool>& stopping) {
    std::vector<Outcome> outcomes(batch.size());
    std::vector<domain::BidEvent> placed;
    std::vector<std::size_t> placed_index;
    std::vector<std::size_t> won_index;
    std::vector<domain::BidEvent> decoded(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
        auto result = domain::DecodeBidEvent(batch[i].routing_key, batch[i].body);
        if (auto* poison = std::get_if<domain::PoisonReason>(&result)) {
            outcomes[i] = Outcome{Verdict::kDeadLetter, poison->reason};
            continue;
        }
        decoded[i] = std::get<domain::BidEvent>(std::move(result));
        if (!decoded[i].placed_at && batch[i].properties.timestamp != 0) {
            // The AMQP timestamp property: whole seconds since the epoch.
            decoded[i].placed_at = static_cast<timeutil::Micros>(batch[i].properties.timestamp) * 1'000'000;
        }
        if (decoded[i].type == domain::BidEventType::kPlaced) {
            placed.push_back(decoded[i]);
            placed_index.push_back(i);
        } else {
            won_index.push_back(i);
        }
    }
    auto fail = [&](std::size_t i, const std::string& error, bool for_stop) {
        outcomes[i] = for_stop ? Outcome{Verdict::kRequeue, "stopping"}
                               : Outcome{Verdict::kDeadLetter, "transient failure after " +
                                                                   std::to_string(config_.retry_max_attempts) +
                                                                   " attempts: " + error.substr(0, 200)};
    };
    auto settle = [&](std::size_t i, BidResult r) {
        outcomes[i] = domain::IsPoison(r) ? Outcome{Verdict::kDeadLetter, domain::Describe(r)}
                                          : Outcome{Verdict::kAck, domain::Describe(r)};
        Count(decoded[i], r);
    };
    if (!placed.empty()) {
        std::vector<BidResult> results;
        std::string error;
        bool for_stop = false;
        if (WithRetry([&](ports::BidStore& store) { results = store.ApplyPlaced(placed); }, stopping, error,
                      for_stop)) {
            for (std::size_t k = 0; k < placed_index.size(); ++k) {
                settle(placed_index[k], results[k]);
            }
        } else {
            for (auto i : placed_index) {
                fail(i, error, for_stop);
            }
        }
    }
    for (auto i : won_index) {
        BidResult result = BidResult::kNoChange;
        std::string error;
        bool for_stop = false;
        const std::string trace =
            batch[i].properties.message_id.empty() ? ids::NewUuidV4() : batch[i].properties.message_id;
        if (WithRetry([&](ports::BidStore& store) { result = store.ApplyWon(decoded[i], trace); }, stopping, error,
                      for_stop)) {
            settle(i, result);
        } else {
            fail(i, error, for_stop);
        }
    }
    return outcomes;
}

}  // namespace auction::consumers
