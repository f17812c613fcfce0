// Load generator, observer and checker of the chaos test (scripts/chaos.sh; docs/CHAOS.md).
//   chaos_load setup                    declares the bid topology and the observer queue on auction.item, empty
//   chaos_load run OUT                  API writes + bid events for CHAOS_SECONDS; history in OUT/*.tsv
//   chaos_load check OUT                drains the observer and dead-letter queues, reads the database,
//                                       prints the table and the JSON summary; exit 1 unless valid
//   chaos_load quiet [SECONDS]          waits for quiescence (outbox empty, bid queue drained)
//   chaos_load selfcheck                feeds the checker histories with known faults; exit 1 if it misses one
//   chaos_load probe-item | probe-publish ITEM N FILE | probe-check ITEM FILE
//                                       the consumer-timeout probe of the cluster run (timeout_probe.hpp)
//   chaos_load after OUT FAULT_US HEAL_US
//                                       after `check`: what was acknowledged, published and applied once the
//                                       healing of a fault began (scripts/pg_failover.sh: the primary killed, the
//                                       standby promoted), and how soon; exit 1 unless the API, the relay and the
//                                       workers all resumed
// Settings come from the environment: RABBITMQ_URL, POSTGRES_*, CHAOS_API_URL, CHAOS_SECONDS, CHAOS_BIDS,
// CHAOS_BID_ITEMS, CHAOS_WRITERS, CHAOS_SEED.
#include <curl/curl.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "checker.hpp"
#include "infra/postgres/connection.hpp"
#include "infra/rabbitmq/amqp_connection.hpp"
#include "infra/rabbitmq/consumer.hpp"
#include "pkg/config/config.hpp"
#include "pkg/ids/uuid.hpp"
#include "pkg/timeutil/rfc3339.hpp"
#include "timeout_probe.hpp"

namespace {

using namespace auction;
using namespace auction::chaos;
using Clock = std::chrono::steady_clock;
namespace json = boost::json;

constexpr const char* kObserverQueue = "chaos.item.observer";
constexpr const char* kSeller = "chaos-seller";

std::string EnvOr(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

long EnvLong(const char* name, long fallback) {
    return std::stol(EnvOr(name, std::to_string(fallback)));
}

double Elapsed(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// ---------------------------------------------------------------------------------------------------------
// HTTP (libcurl, one handle per thread so connections are reused)

struct HttpAnswer {
    int status = 0;  // 0: no answer (connection refused, reset, timeout)
    std::string body;
};

std::size_t Collect(char* data, std::size_t size, std::size_t n, void* out) {
    static_cast<std::string*>(out)->append(data, size * n);
    return size * n;
}

class Http {
public:
    explicit Http(std::string base) : base_(std::move(base)), curl_(curl_easy_init()) {}
    ~Http() { curl_easy_cleanup(curl_); }
    Http(const Http&) = delete;
    Http& operator=(const Http&) = delete;

    HttpAnswer Send(const char* method, const std::string& path, const std::string& body) {
        HttpAnswer a;
        curl_easy_reset(curl_);
        const std::string url = base_ + path;
        curl_slist* headers = nullptr;
        headers = curl_slist_append(headers, "Content-Type: application/json");
        headers = curl_slist_append(headers, (std::string("X-User-ID: ") + kSeller).c_str());
        curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
        if (!body.empty()) {
            curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.c_str());
            curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
        }
        curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
        curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 6000L);
        curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, Collect);
        curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &a.body);
        if (curl_easy_perform(curl_) == CURLE_OK) {
            long code = 0;
            curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &code);
            a.status = static_cast<int>(code);
        }
        curl_slist_free_all(headers);
        return a;
    }

private:
    std::string base_;
    CURL* curl_;
};

Outcome Classify(int status) {
    if (status >= 200 && status < 300) {
        return Outcome::kOk;
    }
    if (status >= 400 && status < 500) {
        return Outcome::kFail;
    }
    return Outcome::kUnknown;  // 5xx, no answer: it may have committed
}

// Started an hour ago; ends `ends_in_us` from now (a week unless the item is one that ends during the run).
std::string ItemBody(const std::string& name, std::int64_t ends_in_us = 7 * 86'400'000'000) {
    json::object o{{"name", name},
                   {"description", "chaos item"},
                   {"currencyCode", "USD"},
                   {"startPrice", "100.00"},
                   {"bidIncrement", "1.00"},
                   {"startDate", timeutil::FormatRfc3339(timeutil::NowMicros() - 3'600'000'000)},
                   {"endDate", timeutil::FormatRfc3339(timeutil::NowMicros() + ends_in_us)},
                   {"status", "active"}};
    return json::serialize(o);
}

std::string IdOf(const std::string& body) {
    json::error_code ec;
    auto v = json::parse(body, ec);
    if (ec || !v.is_object() || !v.as_object().contains("id")) {
        return "";
    }
    return std::string(v.as_object().at("id").as_string());
}

// ---------------------------------------------------------------------------------------------------------
// run

struct Shared {
    std::mutex mutex;
    std::vector<ApiOp> api_ops;
    std::vector<std::string> bid_items;
};

// One API op: create an item with a unique name.
std::string CreateItem(Http& http, Shared& shared, const std::string& name,
                       std::int64_t ends_in_us = 7 * 86'400'000'000) {
    const auto a = http.Send("POST", "/api/v1/items", ItemBody(name, ends_in_us));
    ApiOp op{"create", a.status == 201 ? IdOf(a.body) : "", name, Classify(a.status), a.status, timeutil::NowMicros()};
    std::lock_guard lock(shared.mutex);
    shared.api_ops.push_back(op);
    return op.outcome == Outcome::kOk ? op.item_id : "";
}

void Writer(const std::string& api_url, Shared& shared, int writer, std::uint64_t seed, Clock::time_point deadline,
            long pause_ms) {
    Http http(api_url);
    std::mt19937_64 rng(seed);
    std::vector<std::string> mine;  // this writer's churn items: only it updates and deletes them
    long seq = 0;
    while (Clock::now() < deadline) {
        ++seq;
        const auto r = rng() % 100;
        if (r < 35 || mine.empty()) {
            auto id = CreateItem(http, shared, "chaos-c-" + std::to_string(writer) + "-" + std::to_string(seq));
            if (!id.empty()) {
                mine.push_back(id);
            }
        } else if (r < 80) {
            std::string item;
            if (rng() % 2 == 0) {
                item = mine[rng() % mine.size()];
            } else {
                std::lock_guard lock(shared.mutex);
                item = shared.bid_items[rng() % shared.bid_items.size()];
            }
            const std::string marker = "u-" + std::to_string(writer) + "-" + std::to_string(seq);
            const json::object patch{{"description", marker}};
            const auto a = http.Send("PUT", "/api/v1/items/" + item, json::serialize(patch));
            std::lock_guard lock(shared.mutex);
            shared.api_ops.push_back(
                ApiOp{"update", item, marker, Classify(a.status), a.status, timeutil::NowMicros()});
        } else {
            const auto k = rng() % mine.size();
            const std::string item = mine[k];
            mine.erase(mine.begin() + static_cast<long>(k));
            const auto a = http.Send("DELETE", "/api/v1/items/" + item, "");
            std::lock_guard lock(shared.mutex);
            shared.api_ops.push_back(ApiOp{"delete", item, item, Classify(a.status), a.status, timeutil::NowMicros()});
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
    }
}

struct PlannedBid {
    BidOp op;
    std::string body;
    bool sent = false;
};

std::string BidBody(const BidOp& b) {
    json::object body{{"event", b.type},
                      {"version", "v1"},
                      {"timestamp", timeutil::FormatRfc3339(b.placed_at_us)},
                      {"traceId", "chaos-" + b.bid_id},
                      {"correlationId", "chaos-" + b.bid_id},
                      {"payload",
                       {{"bidId", b.bid_id},
                        {"itemId", b.item_id},
                        {"userId", b.user_id},
                        {"amount", FormatCents(b.amount_cents)},
                        {"currencyCode", "USD"}}}};
    return json::serialize(body);
}

std::vector<PlannedBid> PlanBids(const std::vector<std::string>& items, long count, std::mt19937_64& rng) {
    std::vector<PlannedBid> plan;
    // About a third of the items are sold by a bid.won late in the run; bids keep arriving after that
    // (the worker ignores them: the item is no longer active).
    const auto won_count = static_cast<long>(items.size() / 3);
    std::vector<long> won_at;
    for (long k = 0; k < won_count; ++k) {
        won_at.push_back(count * 6 / 10 + static_cast<long>(rng() % static_cast<std::uint64_t>(count * 3 / 10 + 1)));
    }
    long next_won = 0;
    for (long i = 0; i < count; ++i) {
        for (long k = 0; k < won_count; ++k) {
            if (won_at[static_cast<std::size_t>(k)] == i) {
                BidOp w;
                w.bid_id = "won-" + ids::NewUuidV7();
                w.type = "bid.won";
                w.item_id = items[static_cast<std::size_t>(k)];
                w.user_id = "winner-" + std::to_string(next_won++);
                w.amount_cents = 500000 + static_cast<std::int64_t>(rng() % 100000);
                plan.push_back(PlannedBid{w, ""});
            }
        }
        BidOp b;
        b.bid_id = ids::NewUuidV7();
        b.type = "bid.placed";
        b.user_id = "bidder-" + std::to_string(rng() % 50);
        // Rising with time, with noise: many bids are lower than the current price (valid, no change).
        const auto ceiling = 10000 + 400000 * i / count;
        b.amount_cents = 10001 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(ceiling));
        if (rng() % 200 == 0) {
            b.poison = true;  // an item that does not exist: dead-lettered by design
            b.item_id = ids::NewUuidV4();
        } else {
            b.item_id = items[rng() % items.size()];
        }
        plan.push_back(PlannedBid{b, ""});
    }
    return plan;
}

void BidPublisher(const std::string& url, std::vector<PlannedBid>& plan, Clock::time_point start, double seconds,
                  Clock::time_point give_up, std::atomic<long>& reconnects) {
    std::unique_ptr<rabbitmq::AmqpConnection> conn;
    constexpr std::size_t kBatch = 100;
    for (std::size_t from = 0; from < plan.size(); from += kBatch) {
        const auto to = std::min(plan.size(), from + kBatch);
        // Paced over the run: batch `from` is due at from/size of the duration.
        const auto due = start + std::chrono::milliseconds(static_cast<long>(
                                     1000.0 * seconds * static_cast<double>(from) / static_cast<double>(plan.size())));
        std::this_thread::sleep_until(due);
        // Placed now: the envelope's timestamp, the bid's time for its item's window. Kept for every retry.
        for (auto i = from; i < to; ++i) {
            plan[i].op.placed_at_us = timeutil::NowMicros();
            plan[i].body = BidBody(plan[i].op);
        }
        while (true) {
            if (Clock::now() > give_up) {
                return;  // the rest stays unsent (not in the history) or unconfirmed (indeterminate)
            }
            try {
                if (!conn) {
                    conn =
                        std::make_unique<rabbitmq::AmqpConnection>(url, "chaos-bid-publisher", std::chrono::seconds(3));
                    conn->EnableConfirms();
                }
                std::uint64_t tag = 0;
                for (auto i = from; i < to; ++i) {
                    rabbitmq::MessageProperties props;
                    props.message_id = plan[i].op.bid_id;  // the same id and body on every retry
                    props.type = plan[i].op.type + ".v1";
                    props.app_id = "chaos-bid-service";
                    plan[i].sent = true;
                    tag = conn->Publish("auction.bid", plan[i].op.type + ".v1", plan[i].body, props);
                }
                conn->WaitForConfirms(tag, std::chrono::seconds(10));
                for (auto i = from; i < to; ++i) {
                    plan[i].op.outcome = Outcome::kOk;
                }
                break;
            } catch (const std::exception& e) {
                conn.reset();
                ++reconnects;
                std::this_thread::sleep_for(std::chrono::milliseconds(300));
            }
        }
    }
}

int Run(const std::string& out_dir) {
    const std::string api_url = EnvOr("CHAOS_API_URL", "http://127.0.0.1:18181");
    const std::string amqp_url = EnvOr("RABBITMQ_URL", "");
    const auto seconds = static_cast<double>(EnvLong("CHAOS_SECONDS", 45));
    const long bid_count = EnvLong("CHAOS_BIDS", 5000);
    const long item_count = EnvLong("CHAOS_BID_ITEMS", 40);
    const int writers = static_cast<int>(EnvLong("CHAOS_WRITERS", 2));
    const long pause_ms = EnvLong("CHAOS_WRITE_PAUSE_MS", 120);
    const auto seed = static_cast<std::uint64_t>(EnvLong("CHAOS_SEED", 1));
    const long no_bid_items = EnvLong("CHAOS_ENDING_ITEMS", 5);
    std::mt19937_64 rng(seed);
    Shared shared;

    // The bid targets first (retried until created; every attempt is in the history). The last third of them end
    // halfway through the run (bids keep coming after their end and must change nothing), and CHAOS_ENDING_ITEMS
    // items without bids end then too (the closer must expire each once, with one event).
    {
        Http http(api_url);
        const auto created_from = Clock::now();
        const auto until = created_from + std::chrono::seconds(60);
        // The run starts once the items exist (a few seconds): they end about halfway through it.
        const auto mid_run =
            created_from + std::chrono::seconds(3) + std::chrono::milliseconds(static_cast<long>(seconds * 500));
        const auto ends_mid_run = [&] {
            return std::chrono::duration_cast<std::chrono::microseconds>(mid_run - Clock::now()).count();
        };
        for (long n = 0; static_cast<long>(shared.bid_items.size()) < item_count; ++n) {
            if (Clock::now() > until) {
                std::cerr << "chaos_load: cannot create the bid items\n";
                return 2;
            }
            const bool ending = static_cast<long>(shared.bid_items.size()) >= item_count - item_count / 3;
            auto id = ending ? CreateItem(http, shared, "chaos-b-" + std::to_string(n), ends_mid_run())
                             : CreateItem(http, shared, "chaos-b-" + std::to_string(n));
            if (id.empty()) {
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
            } else {
                shared.bid_items.push_back(id);
            }
        }
        for (long n = 0, made = 0; made < no_bid_items && Clock::now() < until; ++n) {
            made += CreateItem(http, shared, "chaos-e-" + std::to_string(n), ends_mid_run()).empty() ? 0 : 1;
        }
    }
    auto plan = PlanBids(shared.bid_items, bid_count, rng);
    std::ofstream(out_dir + "/ready") << "ready\n";
    std::cerr << "chaos_load: " << shared.bid_items.size() << " bid items, " << plan.size() << " bid events planned, "
              << writers << " API writers, " << seconds << " s\n";

    const auto start = Clock::now();
    const auto deadline = start + std::chrono::milliseconds(static_cast<long>(seconds * 1000));
    std::atomic<long> reconnects{0};
    std::thread publisher(
        [&] { BidPublisher(amqp_url, plan, start, seconds * 0.9, deadline + std::chrono::seconds(30), reconnects); });
    std::vector<std::thread> threads;
    threads.reserve(static_cast<std::size_t>(writers));
    for (int w = 0; w < writers; ++w) {
        threads.emplace_back(
            [&, w] { Writer(api_url, shared, w, seed * 1000 + static_cast<std::uint64_t>(w), deadline, pause_ms); });
    }
    for (auto& t : threads) {
        t.join();
    }
    publisher.join();

    std::ofstream api(out_dir + "/api.tsv");
    std::map<std::string, long> by_status;
    for (const auto& op : shared.api_ops) {
        api << op.kind << '\t' << op.item_id << '\t' << op.key << '\t' << ToString(op.outcome) << '\t' << op.status
            << '\t' << op.answered_at_us << '\n';
        ++by_status[op.kind + " " + std::to_string(op.status)];
    }
    std::ofstream bids(out_dir + "/bids.tsv");
    long sent = 0;
    long confirmed = 0;
    for (const auto& p : plan) {
        if (!p.sent) {
            continue;
        }
        ++sent;
        confirmed += p.op.outcome == Outcome::kOk ? 1 : 0;
        bids << p.op.bid_id << '\t' << p.op.type << '\t' << p.op.item_id << '\t' << p.op.user_id << '\t'
             << p.op.amount_cents << '\t' << (p.op.poison ? 1 : 0) << '\t' << ToString(p.op.outcome) << '\t'
             << p.op.placed_at_us << '\n';
    }
    std::cerr << "chaos_load: " << shared.api_ops.size() << " API writes (";
    for (const auto& [k, n] : by_status) {
        std::cerr << k << ": " << n << "; ";
    }
    std::cerr << "), " << sent << " bid events sent, " << confirmed << " confirmed, " << reconnects
              << " publisher reconnects, " << Elapsed(start) << " s\n";
    return 0;
}

// ---------------------------------------------------------------------------------------------------------
// setup / check

void Purge(rabbitmq::AmqpConnection& conn, const std::string& queue) {
    if (amqp_queue_purge(conn.Raw(), 1, amqp_cstring_bytes(queue.c_str())) == nullptr) {
        throw std::runtime_error("purging " + queue + " failed");
    }
}

int Setup() {
    rabbitmq::AmqpConnection conn(EnvOr("RABBITMQ_URL", ""), "chaos-setup");
    rabbitmq::DeclareTopology(conn, rabbitmq::Topology{});
    conn.DeclareExchange("auction.item", "topic", true);
    // Quorum, like the bid queue: on a cluster (scripts/chaos.sh --cluster) a classic queue lives on one node,
    // and while that node is down the events routed to it are dropped, which the checker would count as lost.
    conn.DeclareQueue(kObserverQueue, true, false, false, {{"x-queue-type", "quorum"}});
    conn.BindQueue(kObserverQueue, "auction.item", "item.#");
    // On a vhost that outlives the run (scripts/pg_failover.sh's, on the shared broker), an interrupted earlier run
    // may have left messages: the history starts empty.
    const rabbitmq::Topology topology;
    for (const auto& queue : {std::string(kObserverQueue), topology.queue, topology.dead_letter_queue}) {
        Purge(conn, queue);
    }
    return 0;
}

std::vector<std::string> Fields(const std::string& line) {
    std::vector<std::string> f;
    std::stringstream in(line);
    for (std::string x; std::getline(in, x, '\t');) {
        f.push_back(x);
    }
    if (!line.empty() && line.back() == '\t') {
        f.emplace_back();
    }
    return f;
}

std::vector<ApiOp> ReadApi(const std::string& path) {
    std::vector<ApiOp> ops;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        auto f = Fields(line);
        if (f.size() == 5 || f.size() == 6) {
            ops.push_back(ApiOp{f[0], f[1], f[2], OutcomeFromString(f[3]).value_or(Outcome::kUnknown), std::stoi(f[4]),
                                f.size() == 6 ? std::stoll(f[5]) : 0});
        }
    }
    return ops;
}

std::vector<BidOp> ReadBids(const std::string& path) {
    std::vector<BidOp> ops;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        auto f = Fields(line);
        if (f.size() == 8) {
            ops.push_back(BidOp{f[0], f[1], f[2], f[3], std::stoll(f[4]), f[5] == "1",
                                OutcomeFromString(f[6]).value_or(Outcome::kUnknown), std::stoll(f[7])});
        }
    }
    return ops;
}

// Takes (and acknowledges) what the queue holds until it stays empty for 3 s. On a shared broker another test may
// stop it meanwhile: the drain reconnects and goes on, for up to a minute (what it took so far is kept; a message
// whose ack was lost comes again, as a redelivery with the same message id).
std::vector<rabbitmq::Delivery> Drain(const std::string& url, const std::string& queue) {
    std::vector<rabbitmq::Delivery> out;
    const auto give_up = Clock::now() + std::chrono::seconds(60);
    for (;;) {
        try {
            rabbitmq::AmqpConnection conn(url, "chaos-drain");
            conn.Qos(1000);
            conn.Consume(queue);
            while (auto d = conn.NextDelivery(std::chrono::seconds(3))) {
                conn.Ack(d->delivery_tag);
                out.push_back(std::move(*d));
            }
            return out;
        } catch (const std::exception& e) {
            if (Clock::now() > give_up) {
                throw;
            }
            std::cerr << "chaos_load: draining " << queue << " failed (" << e.what() << "); again in 1 s\n";
            std::this_thread::sleep_for(std::chrono::seconds(1));
        }
    }
}

int CheckRun(const std::string& out_dir) {
    const auto api_ops = ReadApi(out_dir + "/api.tsv");
    const auto bid_ops = ReadBids(out_dir + "/bids.tsv");
    const std::string url = EnvOr("RABBITMQ_URL", "");
    std::vector<WireEvent> events;
    {
        std::ofstream raw(out_dir + "/events.jsonl");
        for (auto& d : Drain(url, kObserverQueue)) {
            raw << json::serialize(json::object{{"messageId", d.properties.message_id},
                                                {"routingKey", d.routing_key},
                                                {"redelivered", d.redelivered},
                                                {"body", d.body}})
                << '\n';
            events.push_back(WireEvent{d.properties.message_id, d.routing_key, std::move(d.body)});
        }
    }
    FinalState state;
    for (const auto& d : Drain(url, rabbitmq::Topology{}.dead_letter_queue)) {
        json::error_code ec;
        auto v = json::parse(d.body, ec);
        std::string bid_id;
        if (!ec && v.is_object() && v.as_object().contains("payload") && v.as_object().at("payload").is_object()) {
            const auto* b = v.as_object().at("payload").as_object().if_contains("bidId");
            bid_id = b != nullptr && b->is_string() ? std::string(b->as_string()) : "";
        }
        auto reason = d.headers.contains("x-error-reason") ? d.headers.at("x-error-reason") : "rejected";
        state.dead_letters.push_back(DeadLetter{bid_id, d.routing_key, reason});
    }
    const auto env = config::Environment::Load("/nonexistent/.env");
    const auto pg_config = config::LoadPostgresConfig(env, 1, 1);
    auto pg = postgres::PgConnection::Connect(pg_config.ConnInfo("chaos-check"), std::chrono::seconds(30));
    auto items = pg->Exec(
        "SELECT id::text, name, description, status, start_price::text, current_price::text, buyer_id, "
        "(extract(epoch FROM start_date) * 1000000)::bigint, (extract(epoch FROM end_date) * 1000000)::bigint, "
        "(extract(epoch FROM now()) * 1000000)::bigint FROM items");
    for (int r = 0; r < items.Rows(); ++r) {
        state.items[items.String(r, 0)] = ItemRow{items.String(r, 1),
                                                  items.String(r, 2),
                                                  items.String(r, 3),
                                                  ParseCents(items.String(r, 4)).value_or(0),
                                                  ParseCents(items.String(r, 5)).value_or(0),
                                                  items.OptString(r, 6),
                                                  items.Int64(r, 7),
                                                  items.Int64(r, 8)};
        state.read_at_us = items.Int64(r, 9);
    }
    auto processed = pg->Exec("SELECT bid_id, event_type FROM processed_bid_events");
    for (int r = 0; r < processed.Rows(); ++r) {
        state.processed.emplace(processed.String(r, 0), processed.String(r, 1));
    }
    state.outbox_rows = pg->Exec("SELECT count(*) FROM outbox_events").Int64(0, 0);

    const auto report = Check(api_ops, bid_ops, events, state);
    std::cout << FormatTable(report);
    const auto summary = FormatJson(report);
    std::cout << "CHAOS_SUMMARY " << summary << '\n';
    std::ofstream(out_dir + "/summary.json") << summary << '\n';
    return report.Clean() ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------------------
// quiet: waits until the outbox is empty, the bid queue has no ready message and processed_bid_events has not
// grown for 8 s (longer than the worker's largest retry backoff, so an unacknowledged message in a retry
// loop is not mistaken for quiet). rabbitmqctl would count unacknowledged messages too, but one call takes
// 20 s on a loaded machine.

std::uint32_t ReadyMessages(rabbitmq::AmqpConnection& conn, const std::string& queue) {
    auto* ok = amqp_queue_declare(conn.Raw(), 1, amqp_cstring_bytes(queue.c_str()), 1, 0, 0, 0, amqp_empty_table);
    if (ok == nullptr) {
        throw std::runtime_error("passive declare of " + queue + " failed");
    }
    return ok->message_count;
}

int Quiet(long timeout_s) {
    const auto env = config::Environment::Load("/nonexistent/.env");
    const auto conninfo = config::LoadPostgresConfig(env, 1, 1).ConnInfo("chaos-quiet");
    const auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
    std::int64_t last_processed = -1;
    auto stable_since = Clock::now();
    std::string state = "no answer yet";
    while (Clock::now() < deadline) {
        try {
            auto pg = postgres::PgConnection::Connect(conninfo, std::chrono::seconds(5));
            rabbitmq::AmqpConnection amqp(EnvOr("RABBITMQ_URL", ""), "chaos-quiet");
            const auto outbox = pg->Exec("SELECT count(*) FROM outbox_events").Int64(0, 0);
            const auto processed = pg->Exec("SELECT count(*) FROM processed_bid_events").Int64(0, 0);
            const auto ready = ReadyMessages(amqp, rabbitmq::Topology{}.queue);
            if (processed != last_processed || outbox != 0 || ready != 0) {
                stable_since = Clock::now();
                last_processed = processed;
            }
            state = "outbox rows " + std::to_string(outbox) + ", ready bid messages " + std::to_string(ready) +
                    ", processed bid events " + std::to_string(processed);
            if (Clock::now() - stable_since >= std::chrono::seconds(8)) {
                std::cout << "quiet: " << state << '\n';
                return 0;
            }
        } catch (const std::exception& e) {
            state = e.what();
            stable_since = Clock::now();
        }
        std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    std::cout << "NOT quiet after " << timeout_s << " s: " << state << '\n';
    return 1;
}

// ---------------------------------------------------------------------------------------------------------
// after: the service resumed after a fault. HEAL_US is when the healing began (scripts/pg_failover.sh: the
// promotion of the standby); between the fault and it nothing can succeed (the primary is dead, the standby read-only),
// so every success after it came through reconnected pools. Reads the history (api.tsv, bids.tsv), the events the
// check drained (events.jsonl), its summary (summary.json) and processed_bid_events; times are the system clock's
// microseconds, as the script's `date +%s%6N`.

std::int64_t EnvelopeMicros(const std::string& body) {
    json::error_code ec;
    const auto v = json::parse(body, ec);
    if (ec || !v.is_object()) {
        return 0;
    }
    const auto* ts = v.as_object().if_contains("timestamp");
    if (ts == nullptr || !ts->is_string()) {
        return 0;
    }
    return timeutil::ParseRfc3339(std::string(ts->as_string())).value_or(0);
}

// The checker's verdict on the same run: lost writes and lost bids (-1 when `check` left no summary).
std::pair<std::int64_t, std::int64_t> LostInSummary(const std::string& out_dir) {
    std::ifstream in(out_dir + "/summary.json");
    std::stringstream text;
    text << in.rdbuf();
    json::error_code ec;
    const auto summary = json::parse(text.str(), ec);
    if (ec || !summary.is_object()) {
        return {-1, -1};
    }
    const auto* api = summary.as_object().if_contains("api_events");
    const auto* bids = summary.as_object().if_contains("bids_items");
    if (api == nullptr || !api->is_object() || bids == nullptr || !bids->is_object()) {
        return {-1, -1};
    }
    return {api->as_object().at("lost").as_int64(), bids->as_object().at("lost").as_int64()};
}

// Acknowledged updates checked against the database. The checker sees an update through its event, which the relay
// may have published from the old primary before it died; here the data itself must be on the new one. An item that
// one writer alone updates (its own churn items; the bid items take both writers' updates, in no known order) must
// show the description of its last acknowledged update, or of a later update whose outcome is unknown.
struct UpdatesChecked {
    long items = 0;
    long mismatched = 0;
    std::string first_mismatch;
};

UpdatesChecked CheckLastUpdates(const std::vector<ApiOp>& ops, const std::map<std::string, std::string>& description) {
    std::map<std::string, std::vector<const ApiOp*>> updates;  // by item, in answer order
    std::map<std::string, std::set<std::string>> writers;      // by item: the "u-<writer>-" of its markers
    for (const auto& op : ops) {
        if (op.kind == "update") {
            updates[op.item_id].push_back(&op);
            writers[op.item_id].insert(op.key.substr(0, op.key.find('-', 2) + 1));
        }
    }
    UpdatesChecked out;
    for (const auto& [item, list] : updates) {
        const auto found = description.find(item);
        if (writers.at(item).size() != 1 || found == description.end()) {
            continue;  // two writers, or deleted (the checker holds the delete to the database)
        }
        std::set<std::string> allowed;
        for (const auto* op : list) {
            if (op->outcome == Outcome::kOk) {
                allowed = {op->key};
            } else if (op->outcome == Outcome::kUnknown && !allowed.empty()) {
                allowed.insert(op->key);
            }
        }
        if (allowed.empty()) {
            continue;  // no acknowledged update
        }
        ++out.items;
        if (allowed.count(found->second) == 0) {
            ++out.mismatched;
            if (out.first_mismatch.empty()) {
                out.first_mismatch = "item " + item + " reads \"" + found->second +
                                     "\", its last acknowledged update wrote \"" + *allowed.begin() + "\"";
            }
        }
    }
    return out;
}

int After(const std::string& out_dir, std::int64_t fault_us, std::int64_t heal_us) {
    const auto seconds = [](std::int64_t us) {
        std::ostringstream s;
        s.setf(std::ios::fixed);
        s.precision(2);
        s << static_cast<double>(us) / 1e6 << " s";
        return s.str();
    };
    const auto after_fault = [&](std::int64_t us) { return us > 0 ? seconds(us - fault_us) : std::string("never"); };
    const auto after_heal = [&](std::int64_t us) { return us > 0 ? seconds(us - heal_us) : std::string("never"); };

    // The API: writes acknowledged after the healing began, and the first of them.
    long acked_total = 0;
    long acked_after = 0;
    std::int64_t first_acked = 0;
    for (const auto& op : ReadApi(out_dir + "/api.tsv")) {
        if (op.outcome != Outcome::kOk) {
            continue;
        }
        ++acked_total;
        if (op.answered_at_us >= heal_us) {
            ++acked_after;
            first_acked = first_acked == 0 ? op.answered_at_us : std::min(first_acked, op.answered_at_us);
        }
    }
    // The outbox relay: an event of a change made after the healing began was published after it.
    long events_after = 0;
    std::ifstream events(out_dir + "/events.jsonl");
    for (std::string line; std::getline(events, line);) {
        json::error_code ec;
        const auto v = json::parse(line, ec);
        if (!ec && v.is_object() && v.as_object().contains("body") && v.as_object().at("body").is_string() &&
            EnvelopeMicros(std::string(v.as_object().at("body").as_string())) >= heal_us) {
            ++events_after;
        }
    }
    // The workers: bid events applied (their transaction began) after the healing began.
    long confirmed = 0;
    for (const auto& b : ReadBids(out_dir + "/bids.tsv")) {
        confirmed += b.outcome == Outcome::kOk ? 1 : 0;
    }
    const auto env = config::Environment::Load("/nonexistent/.env");
    auto pg = postgres::PgConnection::Connect(config::LoadPostgresConfig(env, 1, 1).ConnInfo("chaos-after"),
                                              std::chrono::seconds(30));
    const auto applied = pg->ExecParams(
        "SELECT count(*), count(*) FILTER (WHERE processed_at >= to_timestamp($1::bigint / 1e6)), "
        "COALESCE((extract(epoch FROM min(processed_at) FILTER (WHERE processed_at >= to_timestamp($1::bigint / 1e6))) "
        "* 1000000)::bigint, 0) FROM processed_bid_events",
        {std::to_string(heal_us)});
    const auto applied_total = applied.Int64(0, 0);
    const auto applied_after = applied.Int64(0, 1);
    const auto first_applied = applied.Int64(0, 2);
    const auto [writes_lost, bids_lost] = LostInSummary(out_dir);
    std::map<std::string, std::string> description;
    const auto rows = pg->Exec("SELECT id::text, description FROM items");
    for (int r = 0; r < rows.Rows(); ++r) {
        description[rows.String(r, 0)] = rows.String(r, 1);
    }
    const auto updates = CheckLastUpdates(ReadApi(out_dir + "/api.tsv"), description);
    if (updates.mismatched > 0) {
        std::cout << "  LOST UPDATES: " << updates.mismatched << ", e.g. " << updates.first_mismatch << '\n';
    }

    std::cout << "after the fault (the healing began " << after_fault(heal_us) << " after it):\n"
              << "  API:          " << acked_after << " of " << acked_total
              << " acknowledged writes came after the healing began; the first " << after_heal(first_acked)
              << " after it (" << after_fault(first_acked) << " after the fault)\n"
              << "  outbox relay: " << events_after
              << " events of changes made after the healing began were published on auction.item\n"
              << "  workers:      " << applied_after << " of " << applied_total << " bid events applied (" << confirmed
              << " confirmed by the broker) were applied after the healing began; the first "
              << after_heal(first_applied) << " after it (" << after_fault(first_applied) << " after the fault)\n";
    std::cout << "FIGURES writes acked " << acked_total << ", lost " << writes_lost << "; bids confirmed " << confirmed
              << ", applied " << applied_total << ", lost " << bids_lost << "; after the healing began ("
              << after_fault(heal_us) << " after the fault): first write acked " << after_heal(first_acked)
              << ", first bid applied " << after_heal(first_applied) << " later; " << acked_after << " writes acked, "
              << events_after << " events published, " << applied_after << " bids applied after it; " << updates.items
              << " items' last acknowledged update read back, " << updates.mismatched << " different\n";
    std::cout
        << "AFTER_SUMMARY "
        << json::serialize(json::object{
               {"healBeganAfterS", static_cast<double>(heal_us - fault_us) / 1e6},
               {"writesAcked", acked_total},
               {"writesLost", writes_lost},
               {"writesAckedAfterHeal", acked_after},
               {"firstWriteAfterHealS", first_acked > 0 ? static_cast<double>(first_acked - heal_us) / 1e6 : -1.0},
               {"eventsPublishedAfterHeal", events_after},
               {"bidsConfirmed", confirmed},
               {"bidsApplied", applied_total},
               {"bidsLost", bids_lost},
               {"bidsAppliedAfterHeal", applied_after},
               {"lastUpdatesChecked", updates.items},
               {"lastUpdatesLost", updates.mismatched},
               {"firstBidAfterHealS", first_applied > 0 ? static_cast<double>(first_applied - heal_us) / 1e6 : -1.0}})
        << '\n';
    return acked_after > 0 && events_after > 0 && applied_after > 0 && updates.mismatched == 0 ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------------------
// selfcheck: the checker must see faults that are there, and see none in a clean history.

std::string ItemEvent(const std::string& rk, json::object payload) {
    return json::serialize(json::object{{"event", rk.substr(0, rk.size() - 3)}, {"payload", std::move(payload)}});
}

int SelfCheck() {
    const std::string a = "00000000-0000-4000-8000-00000000000a";
    const std::string b = "00000000-0000-4000-8000-00000000000b";
    const std::string c = "00000000-0000-4000-8000-00000000000c";
    FinalState state;
    state.items[a] = ItemRow{"n-a", "u-1", "active", 10000, 12000, std::nullopt};
    state.items[b] = ItemRow{"n-b", "chaos item", "sold", 10000, 50000, std::string("w1")};
    state.items[c] = ItemRow{"n-c", "chaos item", "active", 10000, 10000, std::nullopt};
    std::vector<ApiOp> api{
        {"create", a, "n-a", Outcome::kOk, 201},     {"create", b, "n-b", Outcome::kOk, 201},
        {"create", "", "n-c", Outcome::kUnknown, 0},  // indeterminate, in the DB: recovered
        {"update", a, "u-1", Outcome::kOk, 200},     {"update", a, "u-2", Outcome::kFail, 409},
    };
    std::vector<BidOp> bids{
        {"p1", "bid.placed", a, "x", 12000, false, Outcome::kOk},
        {"p2", "bid.placed", a, "x", 11000, false, Outcome::kOk},
        {"p3", "bid.placed", a, "x", 13000, false, Outcome::kUnknown},
        {"w1", "bid.won", b, "w1", 50000, false, Outcome::kOk},
        {"bad", "bid.placed", "00000000-0000-4000-8000-0000000000ff", "x", 20000, true, Outcome::kOk},
    };
    std::vector<WireEvent> clean_events{
        {"m1", "item.created.v1", ItemEvent("item.created.v1", {{"id", a}, {"name", "n-a"}})},
        {"m2", "item.created.v1", ItemEvent("item.created.v1", {{"id", b}, {"name", "n-b"}})},
        {"m3", "item.created.v1", ItemEvent("item.created.v1", {{"id", c}, {"name", "n-c"}})},
        {"m4", "item.updated.v1",
         ItemEvent("item.updated.v1", {{"id", a}, {"description", "u-1"}, {"status", "active"}})},
        {"m4", "item.updated.v1",
         ItemEvent("item.updated.v1", {{"id", a}, {"description", "u-1"}, {"status", "active"}})},
        {"m5", "item.updated.v1", ItemEvent("item.updated.v1", {{"id", b}, {"description", "x"}, {"status", "sold"}})},
    };
    state.processed = {{"p1", "bid.placed"}, {"p2", "bid.placed"}, {"w1", "bid.won"}};
    state.dead_letters = {DeadLetter{"bad", "bid.placed.v1", "unknown item"}};

    int failures = 0;
    auto expect = [&](const char* what, bool ok) {
        std::cout << (ok ? "  ok   " : "  FAIL ") << what << '\n';
        failures += ok ? 0 : 1;
    };
    const auto clean = Check(api, bids, clean_events, state);
    std::cout << "clean history:\n" << FormatTable(clean);
    expect("clean history is valid", clean.Clean());
    expect("clean: indeterminate create found in the DB is recovered", clean.api.recovered == 1);
    expect("clean: same message id twice is redelivered, not duplicated",
           clean.api.redelivered == 1 && clean.api.duplicated == 0);
    expect("clean: 4xx update without event is not committed", clean.api.not_committed == 1);
    expect("clean: poison bid is by design", clean.bids.by_design == 1 && clean.bids.ok == 3);
    expect("clean: unconfirmed unapplied bid is indeterminate", clean.bids.indeterminate == 1);

    // Faults: item a's create event lost, u-1 published twice under two message ids, an event for the
    // refused update u-2, a confirmed bid never applied, a processed bid nobody sent, the won applied twice.
    auto faulty_events = clean_events;
    faulty_events.erase(faulty_events.begin());
    faulty_events.push_back({"m6", "item.updated.v1",
                             ItemEvent("item.updated.v1", {{"id", a}, {"description", "u-1"}, {"status", "active"}})});
    faulty_events.push_back({"m7", "item.updated.v1",
                             ItemEvent("item.updated.v1", {{"id", a}, {"description", "u-2"}, {"status", "active"}})});
    faulty_events.push_back(
        {"m8", "item.updated.v1", ItemEvent("item.updated.v1", {{"id", b}, {"description", "x"}, {"status", "sold"}})});
    auto faulty_state = state;
    faulty_state.processed.erase({"p1", "bid.placed"});
    faulty_state.processed.insert({"ghost", "bid.placed"});
    const auto faulty = Check(api, bids, faulty_events, faulty_state);
    std::cout << "faulty history:\n" << FormatTable(faulty);
    expect("faulty history is invalid", !faulty.Clean());
    expect("faulty: api lost = 1 (create without event)", faulty.api.lost == 1);
    expect("faulty: api duplicated = 2 (update and won with two message ids)", faulty.api.duplicated == 2);
    expect("faulty: api unexpected = 1 (event for a 4xx update)", faulty.api.unexpected == 1);
    // p1 not applied: lost, and the item's price (120.00) is above the model (110.00): unexpected.
    expect("faulty: bids lost = 1 (confirmed, never applied)", faulty.bids.lost == 1);
    expect("faulty: bids unexpected = 2 (ghost row, price above the model)", faulty.bids.unexpected == 2);
    expect("faulty: bids duplicated = 1 (won applied twice)", faulty.bids.duplicated == 1);

    // The lifecycle: item d ended without bids and was expired once; item e ended, was expired, reopened by a late
    // in-window bid (p5) and is active; a bid placed after e's end (p6) changed nothing.
    const std::string d = "00000000-0000-4000-8000-00000000000d";
    const std::string e = "00000000-0000-4000-8000-00000000000e";
    auto life = state;
    life.read_at_us = 100'000'000;
    life.items[d] = ItemRow{"n-d", "chaos item", "expired", 10000, 10000, std::nullopt, 0, 50'000'000};
    life.items[e] = ItemRow{"n-e", "chaos item", "active", 10000, 14000, std::nullopt, 0, 50'000'000};
    auto life_api = api;
    life_api.push_back({"create", d, "n-d", Outcome::kOk, 201});
    life_api.push_back({"create", e, "n-e", Outcome::kOk, 201});
    auto life_bids = bids;
    life_bids.push_back({"p5", "bid.placed", e, "x", 14000, false, Outcome::kOk, 49'000'000});
    life_bids.push_back({"p6", "bid.placed", e, "x", 19000, false, Outcome::kOk, 60'000'000});
    life.processed.insert({"p5", "bid.placed"});
    life.processed.insert({"p6", "bid.placed"});
    auto closing_event = [](const std::string& id, const char* status, const std::string& correlation) {
        return json::serialize(json::object{
            {"event", "item.updated"}, {"correlationId", correlation}, {"payload", {{"id", id}, {"status", status}}}});
    };
    auto life_events = clean_events;
    life_events.push_back({"m9", "item.created.v1", ItemEvent("item.created.v1", {{"id", d}, {"name", "n-d"}})});
    life_events.push_back({"m10", "item.created.v1", ItemEvent("item.created.v1", {{"id", e}, {"name", "n-e"}})});
    life_events.push_back({"m11", "item.updated.v1", closing_event(d, "expired", d)});
    life_events.push_back({"m12", "item.updated.v1", closing_event(e, "expired", e)});
    life_events.push_back({"m13", "item.updated.v1", closing_event(e, "active", "chaos-p5")});
    const auto lifecycle = Check(life_api, life_bids, life_events, life);
    std::cout << "lifecycle history:\n" << FormatTable(lifecycle);
    expect("lifecycle history is valid", lifecycle.Clean());
    expect("lifecycle: both ended items closed correctly",
           lifecycle.closing.ok == 2 && lifecycle.closing.attempted == 2);

    // Faults: d expired twice (two message ids), e never reopened although active after an expiry, and p6 (placed
    // after e's end) raised e's price.
    auto broken = life;
    broken.items[e].current_cents = 19000;
    auto broken_events = life_events;
    broken_events.pop_back();
    broken_events.push_back({"m14", "item.updated.v1", closing_event(d, "expired", d)});
    const auto broken_check = Check(life_api, life_bids, broken_events, broken);
    std::cout << "broken lifecycle history:\n" << FormatTable(broken_check);
    expect("broken lifecycle history is invalid", !broken_check.Clean());
    expect("broken: closing duplicated = 1 (d expired twice)", broken_check.closing.duplicated == 1);
    expect("broken: closing lost = 1 (e active after an expiry with no reopening)", broken_check.closing.lost == 1);
    expect("broken: bids unexpected = 1 (a bid after e's end moved its price)", broken_check.bids.unexpected == 1);
    // The last acknowledged update of a one-writer item must be what the database shows (chaos_load after).
    const std::vector<ApiOp> updates{
        {"update", a, "u-0-1", Outcome::kOk, 200},      {"update", a, "u-0-2", Outcome::kOk, 200},
        {"update", a, "u-0-3", Outcome::kUnknown, 503}, {"update", b, "u-0-4", Outcome::kOk, 200},
        {"update", b, "u-0-5", Outcome::kFail, 409},    {"update", c, "u-0-6", Outcome::kOk, 200},
        {"update", c, "u-1-7", Outcome::kOk, 200},
    };
    const auto read_back = CheckLastUpdates(updates, {{a, "u-0-3"}, {b, "u-0-4"}, {c, "u-0-6"}});
    expect("updates: a later unknown update may win, a refused one may not; two writers are not checked",
           read_back.items == 2 && read_back.mismatched == 0);
    const auto lost_update = CheckLastUpdates(updates, {{a, "u-0-1"}, {b, "u-0-5"}});
    expect("updates: an older value and a refused update's value are both lost updates",
           lost_update.items == 2 && lost_update.mismatched == 2);
    std::cout << (failures == 0 ? "selfcheck passed" : "selfcheck FAILED") << '\n';
    return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "";
    curl_global_init(CURL_GLOBAL_DEFAULT);
    try {
        if (mode == "setup") {
            return Setup();
        }
        if (mode == "run" && argc > 2) {
            return Run(argv[2]);
        }
        if (mode == "check" && argc > 2) {
            return CheckRun(argv[2]);
        }
        if (mode == "quiet") {
            return Quiet(argc > 2 ? std::stol(argv[2]) : 180);
        }
        if (mode == "selfcheck") {
            return SelfCheck();
        }
        if (mode == "probe-item") {
            return ProbeItem(EnvOr("CHAOS_API_URL", "http://127.0.0.1:18181"));
        }
        if (mode == "probe-publish" && argc > 4) {
            return ProbePublish(EnvOr("RABBITMQ_URL", ""), argv[2], std::stol(argv[3]), argv[4]);
        }
        if (mode == "probe-check" && argc > 3) {
            return ProbeCheck(argv[2], argv[3], 60);
        }
        if (mode == "after" && argc > 4) {
            return After(argv[2], std::stoll(argv[3]), std::stoll(argv[4]));
        }
    } catch (const std::exception& e) {
        std::cerr << "chaos_load " << mode << ": " << e.what() << '\n';
        return 2;
    }
    std::cerr << "usage: chaos_load setup | run OUT | check OUT | quiet [SECONDS] | selfcheck | probe-item | "
                 "probe-publish ITEM N FILE | probe-check ITEM FILE | after OUT FAULT_US HEAL_US\n";
    return 2;
}
