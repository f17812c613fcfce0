#pragma once

#include <string>

// The consumer-timeout probe of scripts/chaos.sh --cluster (docs/CHAOS.md, "The broker's consumer timeout"): bids
// published while PostgreSQL is down are held by the workers past the broker's consumer_timeout, the broker closes
// their channels, and once the database is back every bid must be applied, once. The script kills and restarts the
// database between these steps.
namespace auction::chaos {

/// Creates the probe's item through the API (`api_url`) and prints its id. Exit status 0, or 2.
int ProbeItem(const std::string& api_url);

/// Publishes `count` bid.placed events for `item` with rising amounts (confirmed, republished on failure) to the
/// broker at `amqp_url`; writes their ids to `file`, one a line, the highest amount last.
int ProbePublish(const std::string& amqp_url, const std::string& item, long count, const std::string& file);

/// Waits up to `timeout_s` for every bid of `file` to be applied (processed_bid_events, read with POSTGRES_*), then
/// prints what it found. Exit status 0 when every bid was applied and the item's price is the highest bid, else 1.
int ProbeCheck(const std::string& item, const std::string& file, long timeout_s);

}  // namespace auction::chaos
