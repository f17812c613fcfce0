#pragma once

// Assertions shared by the sub-resource API tests (comments, attributes): problem details and the
// envelope and AMQP properties every item.* event carries.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <ctime>
#include <functional>
#include <map>
#include <string>

#include "pkg/ids/uuid.hpp"
#include "support/test_env.hpp"

namespace auction::testing {

/// An RFC 9457 problem with the given status.
inline void ExpectProblem(const HttpResult& res, int status) {
    EXPECT_EQ(res.status, status) << res.body;
    EXPECT_EQ(res.Header("content-type"), "application/problem+json") << res.body;
    if (res.Header("content-type") != "application/problem+json") {
        return;
    }
    auto p = res.Json().as_object();
    EXPECT_EQ(p.at("status").as_int64(), status);
    for (const char* field : {"type", "title", "detail", "instance"}) {
        EXPECT_TRUE(p.contains(field)) << field << " missing in " << res.body;
    }
}

/// True when the problem's `errors` name `field`.
inline bool HasFieldError(const HttpResult& res, const std::string& field) {
    auto p = res.Json().as_object();
    if (!p.contains("errors")) {
        return false;
    }
    for (const auto& e : p.at("errors").as_array()) {
        if (e.at("field").as_string() == field) {
            return true;
        }
    }
    return false;
}

inline boost::json::object EventBody(const rabbitmq::Delivery& d) {
    return boost::json::parse(d.body).as_object();
}

/// Matches events whose envelope carries `trace` as traceId.
inline std::function<bool(const rabbitmq::Delivery&)> WithTrace(const std::string& trace) {
    return [trace](const rabbitmq::Delivery& d) { return EventBody(d).at("traceId").as_string() == trace; };
}

/// The envelope and AMQP properties of an item.* event caused by a request with X-Trace-Id `trace` and
/// X-Correlation-Id "corr-" + trace.
inline void ExpectItemEvent(const rabbitmq::Delivery& d, const std::string& routing_key, const std::string& trace) {
    EXPECT_EQ(d.exchange, "auction.item");
    EXPECT_EQ(d.routing_key, routing_key);
    EXPECT_EQ(d.properties.content_type, "application/json");
    EXPECT_TRUE(d.properties.persistent);
    EXPECT_TRUE(ids::IsUuid(d.properties.message_id)) << d.properties.message_id;
    EXPECT_EQ(d.properties.type, routing_key);
    EXPECT_EQ(d.properties.app_id, TestApiConfig().service_name);
    EXPECT_EQ(d.properties.correlation_id, "corr-" + trace);
    const auto now = static_cast<std::uint64_t>(std::time(nullptr));
    EXPECT_LE(d.properties.timestamp, now + 1);
    EXPECT_GE(d.properties.timestamp, now - 60);
    const auto body = EventBody(d);
    EXPECT_EQ(body.size(), 6U) << d.body;
    EXPECT_EQ(body.at("event").as_string(), routing_key.substr(0, routing_key.size() - 3));
    EXPECT_EQ(body.at("version").as_string(), "v1");
    EXPECT_EQ(body.at("traceId").as_string(), trace);
    EXPECT_EQ(body.at("correlationId").as_string(), "corr-" + trace);
    EXPECT_TRUE(body.at("payload").is_object());
}

/// X-Trace-Id `trace` and X-Correlation-Id "corr-" + trace, so a test can pick out the events it caused.
inline std::map<std::string, std::string> Traced(const std::string& trace) {
    return {{"X-Trace-Id", trace}, {"X-Correlation-Id", "corr-" + trace}};
}

}  // namespace auction::testing
