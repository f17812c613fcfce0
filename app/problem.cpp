#include "app/problem.hpp"

#include <array>
#include <boost/json/array.hpp>

#include "pkg/encoding/encoding.hpp"

namespace auction::app {

namespace {

using errors::Kind;

struct KindInfo {
    Kind kind;
    int status;
    const char* title;
    const char* type;
};

constexpr std::array<KindInfo, 12> kKinds = {{
    {Kind::kInvalid, 400, "Bad Request", "https://httpstatuses.io/400"},
    {Kind::kUnauthenticated, 401, "Unauthorized", "https://httpstatuses.io/401"},
    {Kind::kForbidden, 403, "Forbidden", "https://httpstatuses.io/403"},
    {Kind::kNotFound, 404, "Not Found", "https://httpstatuses.io/404"},
    {Kind::kMethodNotAllowed, 405, "Method Not Allowed", "https://httpstatuses.io/405"},
    {Kind::kConflict, 409, "Conflict", "https://httpstatuses.io/409"},
    {Kind::kPreconditionFailed, 412, "Precondition Failed", "https://httpstatuses.io/412"},
    {Kind::kTooLarge, 413, "Content Too Large", "https://httpstatuses.io/413"},
    {Kind::kUnsupportedMediaType, 415, "Unsupported Media Type", "https://httpstatuses.io/415"},
    {Kind::kUnprocessable, 422, "Unprocessable Content", "https://httpstatuses.io/422"},
    {Kind::kUnavailable, 503, "Service Unavailable", "https://httpstatuses.io/503"},
    {Kind::kInternal, 500, "Internal Server Error", "https://httpstatuses.io/500"},
}};

const KindInfo& Info(Kind kind) noexcept {
    for (const auto& info : kKinds) {
        if (info.kind == kind) {
            return info;
        }
    }
    return kKinds.back();
}

}  // namespace

int StatusOf(Kind kind) noexcept {
    return Info(kind).status;
}
const char* TitleOf(Kind kind) noexcept {
    return Info(kind).title;
}

boost::json::object ToProblem(const errors::Error& error, const std::string& instance) {
    const auto& info = Info(error.kind());
    boost::json::object problem;
    problem["type"] = info.type;
    problem["title"] = info.title;
    problem["status"] = info.status;
    // JSON text must be UTF-8 (RFC 8259), but a detail or instance may quote request bytes that are not (a
    // raw byte in the request target, %FF in a path id): each invalid sequence becomes U+FFFD.
    problem["detail"] = encoding::ToValidUtf8(error.detail());
    problem["instance"] = encoding::ToValidUtf8(instance);
    if (!error.errors().empty()) {
        boost::json::array errors;
        for (const auto& e : error.errors()) {
            errors.push_back(boost::json::object{{"field", encoding::ToValidUtf8(e.field)},
                                                 {"message", encoding::ToValidUtf8(e.message)}});
        }
        problem["errors"] = std::move(errors);
    }
    return problem;
}

}  // namespace auction::app
