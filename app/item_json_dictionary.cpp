#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include "app/item_cache.hpp"
#include "domain/item.hpp"
#include "pkg/timeutil/rfc3339.hpp"

namespace auction::app {

// Two items as GET /api/v1/items/:id answers them, serialised by the same code: every field name in its place,
// both shapes of buyerId, the common statuses and currencies, and timestamps of this month (the start of an
// RFC 3339 timestamp is what most answers share). LZ4 then spends a few bytes on each of these instead of their
// length: an answer of about 520 bytes is stored in about 225 (docs/PERFORMANCE.md, "Memory").
std::string ItemJsonDictionary() {
    const auto now = timeutil::NowMicros();
    constexpr timeutil::Micros kDay = 86'400'000'000;
    domain::Item sold;
    sold.id = "00000000-0000-4000-8000-000000000000";
    sold.name = "Vintage";
    sold.description = "Rare collector piece in excellent condition.";
    sold.seller_id = "seller-1";
    sold.currency_code = "EUR";
    sold.start_price = {10000};
    sold.current_price = {12550};
    sold.bid_increment = {500};
    sold.start_date = now - 7 * kDay;
    sold.end_date = now - kDay;
    sold.status = domain::ItemStatus::kSold;
    sold.buyer_id = "buyer-1";
    sold.category_ids = {"00000000-0000-4000-8000-000000000000"};
    sold.created_at = sold.start_date;
    sold.updated_at = sold.end_date;
    domain::Item active = sold;
    active.currency_code = "USD";
    active.start_date = now;
    active.end_date = now + 7 * kDay;
    active.status = domain::ItemStatus::kActive;
    active.buyer_id.reset();
    active.created_at = now;
    active.updated_at = now;
    // The most common shape last: LZ4 finds the nearest match first.
    return boost::json::serialize(boost::json::value_from(sold)) +
           boost::json::serialize(boost::json::value_from(active));
}

}  // namespace auction::app
