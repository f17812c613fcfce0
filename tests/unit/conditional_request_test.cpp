// Conditional requests without a database: the item ETag, the evaluation order of RFC 9110 §13.2.2, and the item
// routes through the real router and route table over the in-memory repositories of the fuzz targets (one item,
// kItemId, at version 1, sold by kSellerId).
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json/parse.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "app/conditional_request.hpp"
#include "app/handlers.hpp"
#include "app/item_cache.hpp"
#include "pkg/errors/errors.hpp"
#include "pkg/etag/entity_tag.hpp"
#include "tests/fuzz/fake_services.hpp"

namespace auction {
namespace {

namespace http = boost::beast::http;
using etag::ParseCondition;

TEST(ConditionalRequest, TheItemETagIsItsVersionQuoted) {
    EXPECT_EQ(app::ETagOfVersion(1), "\"v1\"");
    EXPECT_EQ(app::ETagOfVersion(9223372036854775807), "\"v9223372036854775807\"");
    EXPECT_TRUE(etag::IsStrongEntityTag(app::ETagOfVersion(42)));
}

TEST(ConditionalRequest, EvaluatesIfMatchFirstThenIfNoneMatch) {
    using app::PreconditionOutcome;
    auto conditions = [](std::optional<const char*> if_match, std::optional<const char*> if_none_match) {
        app::Preconditions out;
        if (if_match) {
            out.if_match = ParseCondition(*if_match);
        }
        if (if_none_match) {
            out.if_none_match = ParseCondition(*if_none_match);
        }
        return out;
    };
    const auto evaluate = [](const app::Preconditions& c, bool read) { return app::EvaluatePreconditions(c, 5, read); };
    EXPECT_EQ(evaluate(conditions({}, {}), true), PreconditionOutcome::kProceed);
    EXPECT_EQ(evaluate(conditions("\"v5\"", {}), false), PreconditionOutcome::kProceed);
    EXPECT_EQ(evaluate(conditions("*", {}), false), PreconditionOutcome::kProceed);
    EXPECT_EQ(evaluate(conditions("\"v4\"", {}), false), PreconditionOutcome::kFailed);
    EXPECT_EQ(evaluate(conditions("W/\"v5\"", {}), false), PreconditionOutcome::kFailed);
    EXPECT_EQ(evaluate(conditions("\"v4\"", {}), true), PreconditionOutcome::kFailed);
    EXPECT_EQ(evaluate(conditions({}, "W/\"v5\""), true), PreconditionOutcome::kNotModified);
    EXPECT_EQ(evaluate(conditions({}, "*"), true), PreconditionOutcome::kNotModified);
    EXPECT_EQ(evaluate(conditions({}, "\"v4\""), true), PreconditionOutcome::kProceed);
    EXPECT_EQ(evaluate(conditions({}, "\"v5\""), false), PreconditionOutcome::kFailed);
    // A failed If-Match wins over a matching If-None-Match.
    EXPECT_EQ(evaluate(conditions("\"v4\"", "\"v5\""), true), PreconditionOutcome::kFailed);
    EXPECT_EQ(evaluate(conditions("\"v5\"", "\"v5\""), true), PreconditionOutcome::kNotModified);
    try {
        app::RequirePreconditions(conditions("\"v4\"", {}), 5);
        FAIL() << "a stale If-Match must throw";
    } catch (const errors::Error& e) {
        EXPECT_EQ(e.kind(), errors::Kind::kPreconditionFailed);
        EXPECT_EQ(e.current_version(), 5);
    }
}

// The item routes through the real router over the fakes.
class ConditionalRoutes : public ::testing::Test {
protected:
    fuzz::FakeItems items;
    fuzz::FakeCategories categories;
    fuzz::FakeComments comments;
    fuzz::FakeAttributes attributes;
    fuzz::FakeImages images;
    fuzz::FakeStorage storage;
    app::ItemCache cache{1 << 20};
    app::Services services{items, categories, comments, attributes, images, storage, &cache};
    app::Router router;
    std::string item_path = "/api/v1/items/" + std::string(fuzz::kItemId);

    ConditionalRoutes() { app::RegisterRoutes(router, services); }

    middleware::Response Send(http::verb method, const std::string& target,
                              std::initializer_list<std::pair<const char*, const char*>> headers,
                              const std::string& body = "") {
        middleware::Request request{method, target, 11};
        for (const auto& [name, value] : headers) {
            request.insert(name, value);  // insert, not set: a header may come in several lines
        }
        if (!body.empty()) {
            request.set(http::field::content_type, "application/json");
            request.body() = body;
            request.prepare_payload();
        }
        boost::asio::io_context io;
        std::optional<middleware::Response> out;
        boost::asio::co_spawn(io, router.Handle(std::move(request)),
                              [&out](std::exception_ptr, middleware::Response response) { out = std::move(response); });
        io.run();
        return std::move(*out);
    }

    static std::string ETag(const middleware::Response& res) { return std::string(res[http::field::etag]); }
};

TEST_F(ConditionalRoutes, ItemAnswersCarryTheVersionAsETag) {
    const auto got = Send(http::verb::get, item_path, {});
    EXPECT_EQ(got.result_int(), 200u);
    EXPECT_EQ(ETag(got), "\"v1\"");
    const auto updated =
        Send(http::verb::put, item_path, {{"X-User-ID", "seller-1"}, {"If-Match", "\"v1\""}}, R"({"name":"New"})");
    EXPECT_EQ(updated.result_int(), 200u) << updated.body();
    EXPECT_EQ(ETag(updated), "\"v1\"") << "the fake does not bump versions";
}

TEST_F(ConditionalRoutes, IfNoneMatchAnswers304WithoutABodyFromTheDatabaseAndFromTheCache) {
    for (const bool cached : {false, true}) {
        if (cached) {
            cache.Enable();
            ASSERT_EQ(Send(http::verb::get, item_path, {}).result_int(), 200u);  // fills the cache
            ASSERT_TRUE(cache.Get(fuzz::kItemId));
        }
        const auto hits_before = cache.GetStats().hits;
        for (const char* value : {"\"v1\"", "W/\"v1\"", "\"v0\", W/\"v1\"", "*"}) {
            const auto res = Send(http::verb::get, item_path, {{"If-None-Match", value}});
            EXPECT_EQ(res.result_int(), 304u) << value;
            EXPECT_EQ(ETag(res), "\"v1\"") << value;
            EXPECT_TRUE(res.body().empty()) << value;
            EXPECT_TRUE(res[http::field::content_type].empty()) << value;
        }
        const auto changed = Send(http::verb::get, item_path, {{"If-None-Match", "\"v0\""}});
        EXPECT_EQ(changed.result_int(), 200u);
        EXPECT_EQ(ETag(changed), "\"v1\"");
        EXPECT_EQ(boost::json::parse(changed.body()).at("id").as_string(), fuzz::kItemId);
        if (cached) {
            EXPECT_EQ(cache.GetStats().hits, hits_before + 5) << "answered from the cache";
        }
    }
}

TEST_F(ConditionalRoutes, AStaleIfMatchIs412WithTheCurrentETagAsAProblem) {
    const auto put =
        Send(http::verb::put, item_path, {{"X-User-ID", "seller-1"}, {"If-Match", "\"v0\""}}, R"({"name":"New"})");
    EXPECT_EQ(put.result_int(), 412u);
    EXPECT_EQ(ETag(put), "\"v1\"");
    EXPECT_EQ(put[http::field::content_type], "application/problem+json");
    const auto problem = boost::json::parse(put.body());
    EXPECT_EQ(problem.at("status").as_int64(), 412);
    EXPECT_EQ(problem.at("title").as_string(), "Precondition Failed");
    const auto del = Send(http::verb::delete_, item_path, {{"X-User-ID", "seller-1"}, {"If-Match", "W/\"v1\""}});
    EXPECT_EQ(del.result_int(), 412u) << "If-Match compares strongly: a weak tag never matches";
    EXPECT_EQ(ETag(del), "\"v1\"");
    const auto get = Send(http::verb::get, item_path, {{"If-Match", "\"v0\""}});
    EXPECT_EQ(get.result_int(), 412u);
    // If-None-Match on a write fails when it matches (`*`: "only if it does not exist").
    const auto none = Send(http::verb::delete_, item_path, {{"X-User-ID", "seller-1"}, {"If-None-Match", "*"}});
    EXPECT_EQ(none.result_int(), 412u);
}

TEST_F(ConditionalRoutes, AMatchingIfMatchOrStarLetsTheWriteThrough) {
    EXPECT_EQ(Send(http::verb::put, item_path, {{"X-User-ID", "seller-1"}, {"If-Match", "\"v0\", \"v1\""}},
                   R"({"name":"New"})")
                  .result_int(),
              200u);
    EXPECT_EQ(Send(http::verb::delete_, item_path, {{"X-User-ID", "seller-1"}, {"If-Match", "*"}}).result_int(), 204u);
    EXPECT_EQ(Send(http::verb::delete_, item_path,
                   {{"X-User-ID", "seller-1"}, {"If-Match", "\"v0\""}, {"If-Match", "\"v1\""}})
                  .result_int(),
              204u)
        << "two field lines are one list";
}

TEST_F(ConditionalRoutes, ThePreconditionIsEvaluatedAfterTheSellerCheckAndForExistingItemsOnly) {
    // Another user learns nothing from If-Match: 403 whatever it says.
    EXPECT_EQ(
        Send(http::verb::delete_, item_path, {{"X-User-ID", "someone-else"}, {"If-Match", "\"v0\""}}).result_int(),
        403u);
    const std::string missing = "/api/v1/items/0190b1f2-7c3a-7d4e-8f5a-000000000000";
    EXPECT_EQ(Send(http::verb::delete_, missing, {{"X-User-ID", "seller-1"}, {"If-Match", "*"}}).result_int(), 404u);
    EXPECT_EQ(Send(http::verb::get, missing, {{"If-None-Match", "*"}}).result_int(), 404u);
}

TEST_F(ConditionalRoutes, MalformedConditionsAre400) {
    for (const char* value : {"v1", "\"v1", "w/\"v1\"", "*, \"v1\"", ""}) {
        for (const char* header : {"If-Match", "If-None-Match"}) {
            const auto get = Send(http::verb::get, item_path, {{header, value}});
            EXPECT_EQ(get.result_int(), 400u) << header << ": " << value;
            EXPECT_NE(boost::json::parse(get.body()).at("detail").as_string().find(header), std::string::npos);
            EXPECT_EQ(Send(http::verb::put, item_path, {{"X-User-ID", "seller-1"}, {header, value}}, R"({"name":"x"})")
                          .result_int(),
                      400u)
                << header << ": " << value;
            EXPECT_EQ(Send(http::verb::delete_, item_path, {{"X-User-ID", "seller-1"}, {header, value}}).result_int(),
                      400u)
                << header << ": " << value;
        }
    }
}

}  // namespace
}  // namespace auction
