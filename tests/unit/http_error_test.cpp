#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "app/problem.hpp"
#include "app/router.hpp"
#include "infra/postgres/connection.hpp"
#include "infra/postgres/error_mapping.hpp"
#include "pkg/errors/errors.hpp"

namespace auction {
namespace {

namespace json = boost::json;
using errors::Error;
using errors::Kind;
using postgres::MapPgError;
using postgres::PgError;

TEST(HttpError, EveryCodeHasItsStatusAndTitle) {
    const std::vector<std::tuple<Kind, int, std::string>> table = {
        {Kind::kInvalid, 400, "Bad Request"},
        {Kind::kUnauthenticated, 401, "Unauthorized"},
        {Kind::kForbidden, 403, "Forbidden"},
        {Kind::kNotFound, 404, "Not Found"},
        {Kind::kMethodNotAllowed, 405, "Method Not Allowed"},
        {Kind::kConflict, 409, "Conflict"},
        {Kind::kPreconditionFailed, 412, "Precondition Failed"},
        {Kind::kTooLarge, 413, "Content Too Large"},
        {Kind::kUnsupportedMediaType, 415, "Unsupported Media Type"},
        {Kind::kUnavailable, 503, "Service Unavailable"},
        {Kind::kInternal, 500, "Internal Server Error"},
    };
    for (const auto& [code, status, title] : table) {
        EXPECT_EQ(app::StatusOf(code), status) << title;
        EXPECT_EQ(std::string(app::TitleOf(code)), title) << status;
    }
}

TEST(HttpError, ProblemWithoutFieldErrors) {
    const Error error(Kind::kNotFound, "item not found");
    EXPECT_STREQ(error.what(), "item not found");
    const json::object p = app::ToProblem(error, "/api/v1/items/abc");
    EXPECT_EQ(p.size(), 5U);
    EXPECT_EQ(p.at("type"), "https://httpstatuses.io/404");
    EXPECT_EQ(p.at("title"), "Not Found");
    EXPECT_EQ(p.at("status"), 404);
    EXPECT_EQ(p.at("detail"), "item not found");
    EXPECT_EQ(p.at("instance"), "/api/v1/items/abc");
    EXPECT_FALSE(p.contains("errors"));
}

TEST(HttpError, ProblemWithFieldErrors) {
    try {
        errors::ThrowValidation({{"name", "is required"}, {"startPrice", "must be greater than 0"}});
    } catch (const Error& error) {
        EXPECT_EQ(error.kind(), Kind::kInvalid);
        const json::object p = app::ToProblem(error, "/api/v1/items");
        EXPECT_EQ(p.at("status"), 400);
        EXPECT_EQ(p.at("title"), "Bad Request");
        EXPECT_EQ(p.at("instance"), "/api/v1/items");
        EXPECT_EQ(p.at("errors"),
                  (json::array{json::object{{"field", "name"}, {"message", "is required"}},
                               json::object{{"field", "startPrice"}, {"message", "must be greater than 0"}}}));
        return;
    }
    FAIL() << "ThrowValidation returned";
}

// A failed precondition carries the resource's current version: the problem answer names it as the ETag (and the
// body stays a plain problem), so the client knows what to read again.
TEST(HttpError, PreconditionFailedCarriesTheCurrentVersionAsETag) {
    const auto error = Error::PreconditionFailed("the item has changed", 8);
    EXPECT_EQ(error.kind(), Kind::kPreconditionFailed);
    EXPECT_EQ(error.current_version(), 8);
    const auto res = app::MakeProblemResponse(error, "/api/v1/items/x", 11, true);
    EXPECT_EQ(res.result_int(), 412U);
    EXPECT_EQ(res[boost::beast::http::field::etag], "\"v8\"");
    const auto p = json::parse(res.body()).as_object();
    EXPECT_EQ(p.size(), 5U);
    EXPECT_EQ(p.at("title"), "Precondition Failed");
    EXPECT_EQ(p.at("type"), "https://httpstatuses.io/412");
    // Other errors carry no version and no ETag.
    EXPECT_FALSE(Error(Kind::kConflict, "sold").current_version());
    EXPECT_TRUE(
        app::MakeProblemResponse(Error(Kind::kConflict, "sold"), "/x", 11, true)[boost::beast::http::field::etag]
            .empty());
}

// A libpq-style message with internals that must never reach a client.
constexpr const char* kSecretMessage =
    "query failed: ERROR:  duplicate key value violates unique constraint \"secret_internal_idx\" "
    "DETAIL:  Key (password)=(hunter2) already exists.";

void ExpectNoInternals(const Error& mapped) {
    const std::string body = json::serialize(app::ToProblem(mapped, "/x"));
    for (const char* leak : {"hunter2", "secret_internal_idx", "ERROR", "query failed", "XX000"}) {
        EXPECT_EQ(body.find(leak), std::string::npos) << leak << " leaked into " << body;
    }
}

TEST(MapPgError, UniqueViolationIsConflict) {
    const auto mapped = MapPgError(PgError(kSecretMessage, "23505", "secret_internal_idx", false));
    EXPECT_EQ(mapped.kind(), Kind::kConflict);
    EXPECT_EQ(app::StatusOf(mapped.kind()), 409);
    ExpectNoInternals(mapped);
}

TEST(MapPgError, UnknownCategoryIsBadRequestOnCategoryIds) {
    const auto mapped = MapPgError(PgError(kSecretMessage, "23503", "item_categories_category_id_fkey", false));
    EXPECT_EQ(mapped.kind(), Kind::kInvalid);
    ASSERT_EQ(mapped.errors().size(), 1U);
    EXPECT_EQ(mapped.errors()[0].field, "categoryIds");
    EXPECT_FALSE(mapped.errors()[0].message.empty());
    ExpectNoInternals(mapped);
}

TEST(MapPgError, CheckAndFormatViolationsAreBadRequest) {
    for (const char* state : {"23514", "22P02", "22003", "22001"}) {
        EXPECT_EQ(MapPgError(PgError(kSecretMessage, state, "", false)).kind(), Kind::kInvalid) << state;
    }
}

TEST(MapPgError, TransientFailuresAreServiceUnavailable) {
    // statement_timeout, serialization failure, deadlock, lock timeout, admin shutdown, too many connections.
    for (const char* state : {"57014", "40001", "40P01", "55P03", "57P01", "53300", "08006"}) {
        const auto mapped = MapPgError(PgError(kSecretMessage, state, "", false));
        EXPECT_EQ(mapped.kind(), Kind::kUnavailable) << state;
        ExpectNoInternals(mapped);
    }
}

TEST(MapPgError, LostConnectionIsServiceUnavailableWhateverTheState) {
    EXPECT_EQ(MapPgError(PgError("server closed the connection unexpectedly", "", "", true)).kind(),
              Kind::kUnavailable);
    // Losing the connection mid-insert must not be reported as a client error.
    EXPECT_EQ(MapPgError(PgError(kSecretMessage, "23505", "", true)).kind(), Kind::kUnavailable);
}

TEST(MapPgError, UnknownStateIsInternalWithAGenericDetail) {
    const auto mapped = MapPgError(PgError(kSecretMessage, "XX000", "", false));
    EXPECT_EQ(mapped.kind(), Kind::kInternal);
    EXPECT_EQ(app::StatusOf(mapped.kind()), 500);
    EXPECT_EQ(mapped.detail().find("duplicate key"), std::string::npos);
    EXPECT_TRUE(mapped.errors().empty());
    ExpectNoInternals(mapped);
    // An error with no SQLSTATE and a live connection (e.g. a bad result column) is also internal.
    EXPECT_EQ(MapPgError(PgError("column is not an integer", "", "", false)).kind(), Kind::kInternal);
}

TEST(TextArray, FormatQuotesEveryElement) {
    EXPECT_EQ(postgres::FormatTextArray({}), "{}");
    EXPECT_EQ(postgres::FormatTextArray({"a"}), R"({"a"})");
    EXPECT_EQ(postgres::FormatTextArray({"a", "b c"}), R"({"a","b c"})");
    EXPECT_EQ(postgres::FormatTextArray({R"(q"b\)"}), R"({"q\"b\\"})");
}

TEST(TextArray, ParsesPostgresOutput) {
    using V = std::vector<std::string>;
    EXPECT_EQ(postgres::ParseTextArray("{}"), V{});
    EXPECT_EQ(postgres::ParseTextArray(""), V{});
    EXPECT_EQ(postgres::ParseTextArray("{a}"), V{"a"});
    EXPECT_EQ(postgres::ParseTextArray(R"({a,"b c"})"), (V{"a", "b c"}));
    // What PostgreSQL prints for a uuid[] / text[] of category ids.
    EXPECT_EQ(postgres::ParseTextArray("{0190a6b2-3c4d-7e8f-9a0b-1c2d3e4f5a6b,0190a6b2-3c4d-7e8f-9a0b-1c2d3e4f5a6c}"),
              (V{"0190a6b2-3c4d-7e8f-9a0b-1c2d3e4f5a6b", "0190a6b2-3c4d-7e8f-9a0b-1c2d3e4f5a6c"}));
}

TEST(TextArray, RoundTripsElements) {
    using V = std::vector<std::string>;
    for (const V& values : {V{}, V{"0190a6b2-3c4d-7e8f-9a0b-1c2d3e4f5a6b"}, V{"a,b", R"(q"b\)", ""},
                            V{"0190a6b2-3c4d-7e8f-9a0b-1c2d3e4f5a6b", "0190a6b2-3c4d-7e8f-9a0b-1c2d3e4f5a6c"},
                            V{"electronics", "cameras", "with space"}}) {
        EXPECT_EQ(postgres::ParseTextArray(postgres::FormatTextArray(values)), values);
    }
}

}  // namespace
}  // namespace auction
