#include "timeout_probe.hpp"

#include <curl/curl.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include "checker.hpp"
#include "infra/postgres/connection.hpp"
#include "infra/rabbitmq/amqp_connection.hpp"
#include "pkg/config/config.hpp"
#include "pkg/ids/uuid.hpp"
#include "pkg/timeutil/rfc3339.hpp"

namespace auction::chaos {

namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

constexpr std::int64_t kStartCents = 10000;  // the item's start price, 100.00

std::size_t Append(char* data, std::size_t size, std::size_t n, void* out) {
    static_cast<std::string*>(out)->append(data, size * n);
    return size * n;
}

// POST of a JSON body as the chaos seller; the status (0: no answer) and the body.
int PostJson(const std::string& url, const std::string& body, std::string& answer) {
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl) {
        return 0;
    }
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    headers = curl_slist_append(headers, "X-User-ID: chaos-seller");
    curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 6000L);
    curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, Append);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &answer);
    long status = 0;
    if (curl_easy_perform(curl.get()) == CURLE_OK) {
        curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
    }
    curl_slist_free_all(headers);
    return static_cast<int>(status);
}

std::vector<std::string> ReadLines(const std::string& file) {
    std::vector<std::string> lines;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) {
            lines.push_back(line);
        }
    }
    return lines;
}

}  // namespace

int ProbeItem(const std::string& api_url) {
    const json::object item{{"name", "chaos-timeout-probe-" + ids::NewUuidV4().substr(0, 8)},
                            {"description", "consumer timeout probe"},
                            {"currencyCode", "USD"},
                            {"startPrice", FormatCents(kStartCents)},
                            {"bidIncrement", "1.00"},
                            {"startDate", timeutil::FormatRfc3339(timeutil::NowMicros() - 3'600'000'000)},
                            {"endDate", timeutil::FormatRfc3339(timeutil::NowMicros() + 86'400'000'000)},
                            {"status", "active"}};
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (Clock::now() < deadline) {
        std::string answer;
        if (PostJson(api_url + "/api/v1/items", json::serialize(item), answer) == 201) {
            const json::value created = json::parse(answer);
            std::cout << std::string_view(created.as_object().at("id").as_string()) << '\n';  // << would quote it
            return 0;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    std::cerr << "chaos_load probe-item: the API did not create the item\n";
    return 2;
}

int ProbePublish(const std::string& amqp_url, const std::string& item, long count, const std::string& file) {
    std::vector<std::string> ids;
    std::vector<std::string> bodies;
    for (long i = 0; i < count; ++i) {
        ids.push_back("probe-" + ids::NewUuidV7());
        const json::object body{{"event", "bid.placed"},
                                {"version", "v1"},
                                {"timestamp", timeutil::FormatRfc3339(timeutil::NowMicros())},
                                {"payload",
                                 {{"bidId", ids.back()},
                                  {"itemId", item},
                                  {"userId", "prober-" + std::to_string(i % 7)},
                                  {"amount", FormatCents(kStartCents + 100 * (i + 1))},
                                  {"currencyCode", "USD"}}}};
        bodies.push_back(json::serialize(body));
    }
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    for (;;) {
        try {
            rabbitmq::AmqpConnection conn(amqp_url, "chaos-timeout-probe", std::chrono::seconds(3));
            conn.EnableConfirms();
            std::uint64_t tag = 0;
            for (std::size_t i = 0; i < ids.size(); ++i) {
                rabbitmq::MessageProperties props;
                props.message_id = ids[i];  // the same id on a republish: applied once all the same
                props.type = "bid.placed.v1";
                props.app_id = "chaos-timeout-probe";
                tag = conn.Publish("auction.bid", "bid.placed.v1", bodies[i], props);
            }
            conn.WaitForConfirms(tag, std::chrono::seconds(10));
            break;
        } catch (const std::exception& e) {
            if (Clock::now() > deadline) {
                std::cerr << "chaos_load probe-publish: " << e.what() << '\n';
                return 2;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
        }
    }
    std::ofstream out(file);
    for (const auto& id : ids) {
        out << id << '\n';
    }
    return 0;
}

int ProbeCheck(const std::string& item, const std::string& file, long timeout_s) {
    const auto ids = ReadLines(file);
    const auto env = config::Environment::Load("/nonexistent/.env");
    const auto conninfo = config::LoadPostgresConfig(env, 1, 1).ConnInfo("chaos-timeout-probe");
    const auto wanted = postgres::FormatTextArray(ids);
    const auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
    std::int64_t applied = -1;
    std::string last_error;
    for (;;) {
        try {
            auto pg = postgres::PgConnection::Connect(conninfo, std::chrono::seconds(5));
            applied =
                pg->ExecParams("SELECT count(*) FROM processed_bid_events WHERE bid_id = ANY($1::text[])", {wanted})
                    .Int64(0, 0);
            if (applied == static_cast<std::int64_t>(ids.size()) || Clock::now() > deadline) {
                const auto row =
                    pg->ExecParams("SELECT current_price::text, bid_count FROM items WHERE id = $1::uuid", {item});
                const auto price = row.Rows() == 1 ? ParseCents(row.String(0, 0)).value_or(0) : 0;
                const auto highest = kStartCents + 100 * static_cast<std::int64_t>(ids.size());
                const bool valid = applied == static_cast<std::int64_t>(ids.size()) && price == highest;
                std::cout << "probe: " << applied << " of " << ids.size()
                          << " bids applied (one processed_bid_events row each), price " << FormatCents(price)
                          << " (highest bid " << FormatCents(highest) << "), bid_count "
                          << (row.Rows() == 1 ? row.String(0, 1) : "?") << ": " << (valid ? "valid" : "INVALID")
                          << '\n';
                return valid ? 0 : 1;
            }
        } catch (const std::exception& e) {
            last_error = e.what();  // the database may still be recovering
            if (Clock::now() > deadline) {
                std::cout << "probe: INVALID, the database did not answer: " << last_error << '\n';
                return 1;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
}

}  // namespace auction::chaos
