#include "internal/lifecycle/retention_purger.hpp"

#include "pkg/logging/logger.hpp"

namespace auction::lifecycle {

RetentionPurger::RetentionPurger(ports::RetentionStore& store, std::vector<RetentionRule> rules, PurgerOptions options)
    : store_(store),
      rules_(std::move(rules)),
      options_(options),
      purged_(rules_.size()),
      loop_("purging old bookkeeping rows", [this] {
          RunOnce();
          return options_.interval;
      }) {}

RetentionPurger::~RetentionPurger() {
    Stop();
}

void RetentionPurger::Start() {
    loop_.Start();
}

void RetentionPurger::Stop() {
    loop_.Stop();
}

std::map<std::string, std::uint64_t> RetentionPurger::purged() const {
    std::map<std::string, std::uint64_t> out;
    for (std::size_t i = 0; i < rules_.size(); ++i) {
        out[rules_[i].table] = purged_[i].load(std::memory_order_relaxed);
    }
    return out;
}

std::int64_t RetentionPurger::RunOnce() {
    std::int64_t total = 0;
    for (std::size_t i = 0; i < rules_.size(); ++i) {
        std::int64_t rule_total = 0;
        for (;;) {
            const auto n = store_.PurgeBatch(rules_[i].table, rules_[i].retention, options_.batch_size);
            purged_[i].fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
            rule_total += n;
            if (n < options_.batch_size || loop_.stopping()) {
                break;
            }
        }
        if (rule_total > 0) {
            logging::Info("old rows purged", {{"table", rules_[i].table}, {"rows", rule_total}});
        }
        total += rule_total;
    }
    return total;
}

}  // namespace auction::lifecycle
