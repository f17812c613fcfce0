#include "checker.hpp"

#include <boost/json.hpp>
#include <cstdio>
#include <sstream>

namespace auction::chaos {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxAnomalies = 40;

void Note(Report& r, std::string text) {
    if (r.anomalies.size() < kMaxAnomalies) {
        for (auto& c : text) {
            c = (c == '\n' || c == '\t') ? ' ' : c;  // one anomaly per line (error texts carry newlines)
        }
        r.anomalies.push_back(std::move(text));
    }
}

std::string StringAt(const json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// The change an item event reports. Creates carry the unique name the client sent, API updates the
// unique description marker, deletes the item id; the worker's bid.won update is the one with status sold, the
// closer's the one with status expired, and a late bid's reopening the active one correlated with a chaos bid.
std::string EventKey(const WireEvent& e) {
    json::error_code ec;
    auto v = json::parse(e.body, ec);
    if (ec || !v.is_object() || !v.as_object().contains("payload") || !v.as_object().at("payload").is_object()) {
        return "other|" + e.routing_key + "|" + e.message_id;
    }
    const auto& p = v.as_object().at("payload").as_object();
    if (e.routing_key == "item.created.v1") {
        return "created|" + StringAt(p, "name");
    }
    if (e.routing_key == "item.updated.v1") {
        const auto status = StringAt(p, "status");
        if (status == "sold") {
            return "won|" + StringAt(p, "id");
        }
        if (status == "expired") {
            return "expired|" + StringAt(p, "id");
        }
        if (StringAt(v.as_object(), "correlationId").rfind("chaos-", 0) == 0) {
            return "reopened|" + StringAt(p, "id");
        }
        return "updated|" + StringAt(p, "description");
    }
    if (e.routing_key == "item.deleted.v1") {
        return "deleted|" + StringAt(p, "id");
    }
    return "other|" + e.routing_key + "|" + e.message_id;
}

struct Expected {
    Outcome outcome = Outcome::kFail;  // the best the client was told over all attempts
    bool evidence = false;             // the final database state shows the change
    bool contradicted = false;         // the final database state shows the change did not happen
    std::string what;
};

struct Seen {
    std::set<std::string> message_ids;
    std::int64_t copies = 0;
};

Outcome Better(Outcome a, Outcome b) {
    if (a == Outcome::kOk || b == Outcome::kOk) {
        return Outcome::kOk;
    }
    if (a == Outcome::kUnknown || b == Outcome::kUnknown) {
        return Outcome::kUnknown;
    }
    return Outcome::kFail;
}

}  // namespace

const char* ToString(Outcome o) noexcept {
    switch (o) {
        case Outcome::kOk:
            return "ok";
        case Outcome::kFail:
            return "fail";
        case Outcome::kUnknown:
            return "info";
    }
    return "info";
}

std::optional<Outcome> OutcomeFromString(const std::string& s) {
    if (s == "ok") {
        return Outcome::kOk;
    }
    if (s == "fail") {
        return Outcome::kFail;
    }
    if (s == "info") {
        return Outcome::kUnknown;
    }
    return std::nullopt;
}

std::optional<std::int64_t> ParseCents(const std::string& text) {
    long long units = 0;
    int frac = 0;
    char dot = 0;
    char f[3] = {0, 0, 0};
    if (std::sscanf(text.c_str(), "%lld%c%2c", &units, &dot, f) == 3 && dot == '.') {
        frac = (f[0] - '0') * 10 + (f[1] == 0 ? 0 : f[1] - '0');
        return units * 100 + frac;
    }
    if (std::sscanf(text.c_str(), "%lld", &units) == 1) {
        return units * 100;
    }
    return std::nullopt;
}

std::string FormatCents(std::int64_t cents) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld.%02lld", static_cast<long long>(cents / 100),
                  static_cast<long long>(cents % 100));
    return buf;
}

Report Check(const std::vector<ApiOp>& api_ops, const std::vector<BidOp>& bid_ops, const std::vector<WireEvent>& events,
             const FinalState& state) {
    Report r;
    r.outbox_rows = state.outbox_rows;
    r.events_seen = static_cast<std::int64_t>(events.size());
    r.dead_letters = static_cast<std::int64_t>(state.dead_letters.size());

    std::map<std::string, std::string> id_by_name;
    for (const auto& [id, row] : state.items) {
        id_by_name[row.name] = id;
    }
    std::set<std::string> delete_tried;  // items a delete was sent for (acknowledged or indeterminate)
    for (const auto& op : api_ops) {
        if (op.kind == "delete" && op.outcome != Outcome::kFail) {
            delete_tried.insert(op.item_id);
        }
    }

    // ---- API -> events: the changes the history says (or the database shows) were committed.
    std::map<std::string, Expected> expected;
    for (const auto& op : api_ops) {
        const std::string key = (op.kind == "create"   ? "created|"
                                 : op.kind == "update" ? "updated|"
                                                       : "deleted|") +
                                op.key;
        auto [it, fresh] = expected.try_emplace(key);
        auto& e = it->second;
        e.outcome = fresh ? op.outcome : Better(e.outcome, op.outcome);
        e.what = op.kind + " " + op.key + (op.item_id.empty() ? "" : " of item " + op.item_id);
        if (op.kind == "create") {
            const bool present = id_by_name.contains(op.key);
            // Absent is fine when a delete for it went out and the database shows it deleted.
            e.evidence = present || (!op.item_id.empty() && delete_tried.contains(op.item_id));
            e.contradicted = !e.evidence;
        } else if (op.kind == "update") {
            auto item = state.items.find(op.item_id);
            e.evidence = item != state.items.end() && item->second.description == op.key;
        } else {
            e.evidence = !state.items.contains(op.item_id);
            e.contradicted = !e.evidence;
        }
    }
    std::map<std::string, const BidOp*> bid_by_key;
    for (const auto& b : bid_ops) {
        bid_by_key[b.bid_id + "|" + b.type] = &b;
    }
    for (const auto& [bid_id, type] : state.processed) {
        if (type != "bid.won") {
            continue;
        }
        auto it = bid_by_key.find(bid_id + "|" + type);
        if (it == bid_by_key.end()) {
            continue;  // reported as unexpected on the bid side
        }
        auto& e = expected["won|" + it->second->item_id];
        e.outcome = Outcome::kOk;  // the worker committed it (processed_bid_events row)
        e.evidence = true;
        e.what = "bid.won " + bid_id + " of item " + it->second->item_id;
    }

    std::map<std::string, Seen> seen;
    for (const auto& ev : events) {
        auto& s = seen[EventKey(ev)];
        s.message_ids.insert(ev.message_id);
        ++s.copies;
    }
    auto& api = r.api;
    for (const auto& [key, e] : expected) {
        ++api.attempted;
        const auto it = seen.find(key);
        const auto distinct = it == seen.end() ? 0 : static_cast<std::int64_t>(it->second.message_ids.size());
        if (it != seen.end()) {
            api.redelivered += it->second.copies - distinct;
        }
        const bool committed = e.outcome == Outcome::kOk || e.evidence;
        if (committed && e.outcome == Outcome::kOk && e.contradicted) {
            ++api.lost;
            Note(r, "api lost: acknowledged " + e.what + " is not in the database");
            continue;
        }
        if (committed) {
            if (distinct == 0) {
                ++api.lost;
                Note(r, "api lost: committed " + e.what + " has no event");
                continue;
            }
            if (e.outcome == Outcome::kOk) {
                ++api.ok;
            } else {
                ++api.recovered;
            }
        } else if (e.outcome == Outcome::kUnknown) {
            if (distinct == 0) {
                ++api.indeterminate;
                continue;
            }
            if (e.contradicted) {
                ++api.unexpected;
                Note(r, "api unexpected: event for " + e.what + " which the database does not show");
                continue;
            }
            ++api.recovered;
        } else {
            if (distinct == 0) {
                ++api.not_committed;
                continue;
            }
            ++api.unexpected;
            Note(r, "api unexpected: event for " + e.what + " although the API answered 4xx");
            continue;
        }
        if (distinct > 1) {
            ++api.duplicated;
            Note(r, "api duplicated: " + e.what + " has " + std::to_string(distinct) +
                        " events with distinct message ids");
        }
    }
    for (const auto& [key, s] : seen) {
        if (key.rfind("expired|", 0) == 0 || key.rfind("reopened|", 0) == 0) {
            continue;  // the closing's events: checked per item below
        }
        if (!expected.contains(key)) {
            api.unexpected += static_cast<std::int64_t>(s.message_ids.size());
            Note(r, "api unexpected: event " + key + " matches no change");
        }
    }

    // ---- Bids -> items: every accepted bid event applied exactly once (processed_bid_events), and the final
    // item state equals the model computed from the applied bids.
    auto& bids = r.bids;
    std::map<std::string, std::int64_t> max_placed;        // item -> highest applied bid.placed amount
    std::map<std::string, std::vector<const BidOp*>> won;  // item -> applied bid.won events
    std::set<std::string> bid_items;
    for (const auto& b : bid_ops) {
        ++bids.attempted;
        const bool applied = state.processed.contains({b.bid_id, b.type});
        if (!b.poison) {
            bid_items.insert(b.item_id);
        }
        if (b.poison) {
            if (applied) {
                ++bids.unexpected;
                Note(r, "bids unexpected: poison " + b.type + " " + b.bid_id + " was applied");
            } else {
                ++bids.by_design;
            }
            continue;
        }
        if (applied) {
            if (b.outcome == Outcome::kOk) {
                ++bids.ok;
            } else {
                ++bids.recovered;
            }
            if (b.type == "bid.won") {
                won[b.item_id].push_back(&b);
            } else {
                // Only a bid placed inside the item's window may move its price.
                const auto item = state.items.find(b.item_id);
                const bool in_window =
                    b.placed_at_us == 0 || item == state.items.end() ||
                    (b.placed_at_us >= item->second.start_us && b.placed_at_us <= item->second.end_us);
                if (in_window) {
                    auto& m = max_placed[b.item_id];
                    m = std::max(m, b.amount_cents);
                }
            }
        } else if (b.outcome == Outcome::kOk) {
            ++bids.lost;
            Note(r, "bids lost: confirmed " + b.type + " " + b.bid_id + " for item " + b.item_id + " never applied");
        } else {
            ++bids.indeterminate;
        }
    }
    for (const auto& [bid_id, type] : state.processed) {
        if (!bid_by_key.contains(bid_id + "|" + type)) {
            ++bids.unexpected;
            Note(r, "bids unexpected: processed_bid_events has " + type + " " + bid_id + " which nobody published");
        }
    }
    for (const auto& item_id : bid_items) {
        ++r.items_checked;
        auto it = state.items.find(item_id);
        if (it == state.items.end()) {
            ++bids.lost;
            Note(r, "bids lost: item " + item_id + " that received bids is gone");
            continue;
        }
        const auto& row = it->second;
        const auto& w = won[item_id];
        if (w.size() > 1) {
            ++bids.duplicated;
            Note(r, "bids duplicated: item " + item_id + " applied " + std::to_string(w.size()) + " bid.won events");
        }
        if (!w.empty()) {
            const auto* b = w.front();
            const auto sold_events = seen.find("won|" + item_id);
            if (sold_events != seen.end() && sold_events->second.message_ids.size() > 1) {
                ++bids.duplicated;
                Note(r, "bids duplicated: bid.won " + b->bid_id + " changed item " + item_id + " twice (" +
                            std::to_string(sold_events->second.message_ids.size()) + " sold events)");
            }
            if (row.status != "sold" || row.buyer_id != b->user_id || row.current_cents != b->amount_cents) {
                ++bids.unexpected;
                Note(r, "bids state: item " + item_id + " is " + row.status + " at " + FormatCents(row.current_cents) +
                            " buyer " + row.buyer_id.value_or("-") + ", model: sold at " +
                            FormatCents(b->amount_cents) + " to " + b->user_id);
            }
            continue;
        }
        const auto model = std::max(row.start_cents, max_placed[item_id]);
        // Ended without a bid in its window: expired (the closing section checks its events); with one: active,
        // awaiting settlement (possibly reopened).
        const bool due = row.end_us < state.read_at_us - state.close_due_us;
        const bool ending = row.end_us < state.read_at_us && !due;
        const bool status_ok = row.status == (due && model == row.start_cents ? "expired" : "active") ||
                               (ending && (row.status == "active" || row.status == "expired"));
        if (!status_ok || row.buyer_id) {
            ++bids.unexpected;
            Note(r,
                 "bids state: item " + item_id + " is " + row.status + " but no bid.won was applied" +
                     (due ? " (ended " + std::to_string((state.read_at_us - row.end_us) / 1000000) + " s ago)" : ""));
        } else if (row.current_cents < model) {
            ++bids.lost;
            Note(r, "bids lost: item " + item_id + " price " + FormatCents(row.current_cents) + " < model " +
                        FormatCents(model) + " (an applied bid has no effect)");
        } else if (row.current_cents > model) {
            ++bids.unexpected;
            Note(r, "bids unexpected: item " + item_id + " price " + FormatCents(row.current_cents) + " > model " +
                        FormatCents(model));
        }
    }
    // ---- Ends -> closing: every item whose end passed was closed as often as it was reopened, plus once if it is
    // expired now (at most once more if a bid.won sold it after an expiry), each closing with one event; no item
    // was closed before its end.
    auto& closing = r.closing;
    auto distinct = [&](const std::string& key) {
        const auto it = seen.find(key);
        return it == seen.end() ? std::int64_t{0} : static_cast<std::int64_t>(it->second.message_ids.size());
    };
    for (const auto& [item_id, row] : state.items) {
        const auto expirations = distinct("expired|" + item_id);
        const auto reopenings = distinct("reopened|" + item_id);
        const bool due = row.end_us < state.read_at_us - state.close_due_us;
        if (!due) {
            if (row.end_us >= state.read_at_us && expirations + reopenings > 0) {
                ++closing.unexpected;
                Note(r, "closing unexpected: item " + item_id + " was closed before its end");
            }
            continue;
        }
        ++closing.attempted;
        const auto net = expirations - reopenings;
        std::int64_t low = 0;
        std::int64_t high = 0;
        if (row.status == "expired") {
            low = high = 1;
        } else if (row.status == "sold") {
            high = 1;  // sold before its end, or by a bid.won after the closer expired it
        }
        // Active after more expiries than reopenings: a reopening happened without its event.
        if (net < low || (row.status == "active" && net > 0)) {
            ++closing.lost;
            Note(r, "closing lost: item " + item_id + " is " + row.status + " with " + std::to_string(expirations) +
                        " expiry and " + std::to_string(reopenings) + " reopening events");
        } else if (net > high) {
            ++closing.duplicated;
            Note(r, "closing duplicated: item " + item_id + " is " + row.status + " with " +
                        std::to_string(expirations) + " expiry and " + std::to_string(reopenings) +
                        " reopening events");
        } else {
            ++closing.ok;
        }
    }
    for (const auto& d : state.dead_letters) {
        const auto type = d.routing_key.substr(0, d.routing_key.rfind('.'));
        auto it = bid_by_key.find(d.bid_id + "|" + type);
        if (it != bid_by_key.end() && it->second->poison) {
            continue;
        }
        ++r.dead_letters_valid;
        const bool applied = state.processed.contains({d.bid_id, type});
        Note(r, std::string("dead-lettered valid ") + type + " " + d.bid_id + " (" + d.reason + ")" +
                    (applied ? ": applied by another delivery" : ": never applied (counted lost)"));
    }
    if (r.outbox_rows != 0) {
        Note(r, "outbox not empty: " + std::to_string(r.outbox_rows) + " rows");
    }
    return r;
}

std::string FormatTable(const Report& r) {
    std::ostringstream out;
    char line[256];
    std::snprintf(line, sizeof line, "%-15s %9s %9s %6s %10s %10s %9s %13s %13s %11s %9s\n", "direction", "attempted",
                  "ok", "lost", "duplicated", "unexpected", "recovered", "indeterminate", "not_committed",
                  "redelivered", "by_design");
    out << line;
    auto row = [&](const char* name, const Counts& c) {
        std::snprintf(line, sizeof line, "%-15s %9lld %9lld %6lld %10lld %10lld %9lld %13lld %13lld %11lld %9lld\n",
                      name, static_cast<long long>(c.attempted), static_cast<long long>(c.ok),
                      static_cast<long long>(c.lost), static_cast<long long>(c.duplicated),
                      static_cast<long long>(c.unexpected), static_cast<long long>(c.recovered),
                      static_cast<long long>(c.indeterminate), static_cast<long long>(c.not_committed),
                      static_cast<long long>(c.redelivered), static_cast<long long>(c.by_design));
        out << line;
    };
    row("api->events", r.api);
    row("bids->items", r.bids);
    row("ends->closing", r.closing);
    out << "events on auction.item: " << r.events_seen << ", bid items checked: " << r.items_checked
        << ", dead letters: " << r.dead_letters << " (valid: " << r.dead_letters_valid
        << "), outbox rows left: " << r.outbox_rows << '\n';
    for (const auto& a : r.anomalies) {
        out << "  ! " << a << '\n';
    }
    out << (r.Clean() ? "RESULT: valid" : "RESULT: INVALID") << '\n';
    return out.str();
}

std::string FormatJson(const Report& r) {
    auto counts = [](const Counts& c) {
        return json::object{{"attempted", c.attempted},
                            {"ok", c.ok},
                            {"lost", c.lost},
                            {"duplicated", c.duplicated},
                            {"unexpected", c.unexpected},
                            {"recovered", c.recovered},
                            {"indeterminate", c.indeterminate},
                            {"not_committed", c.not_committed},
                            {"redelivered", c.redelivered},
                            {"by_design", c.by_design}};
    };
    json::object o{{"valid", r.Clean()},
                   {"api_events", counts(r.api)},
                   {"bids_items", counts(r.bids)},
                   {"ends_closing", counts(r.closing)},
                   {"events_seen", r.events_seen},
                   {"items_checked", r.items_checked},
                   {"dead_letters", r.dead_letters},
                   {"dead_letters_valid", r.dead_letters_valid},
                   {"outbox_rows", r.outbox_rows}};
    return json::serialize(o);
}

}  // namespace auction::chaos
