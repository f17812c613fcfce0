#include "pkg/httperror/http_error.hpp"

#include <array>
#include <string_view>

#include "pkg/encoding/encoding.hpp"

namespace auction::httperror {

namespace {

struct CodeInfo {
    Code code;
    int status;
    const char* title;
    const char* type;
};

constexpr std::array<CodeInfo, 10> kCodes = {{
    {Code::kBadRequest, 400, "Bad Request", "https://httpstatuses.io/400"},
    {Code::kUnauthorized, 401, "Unauthorized", "https://httpstatuses.io/401"},
    {Code::kForbidden, 403, "Forbidden", "https://httpstatuses.io/403"},
    {Code::kNotFound, 404, "Not Found", "https://httpstatuses.io/404"},
    {Code::kMethodNotAllowed, 405, "Method Not Allowed", "https://httpstatuses.io/405"},
    {Code::kConflict, 409, "Conflict", "https://httpstatuses.io/409"},
    {Code::kPayloadTooLarge, 413, "Content Too Large", "https://httpstatuses.io/413"},
    {Code::kUnsupportedMediaType, 415, "Unsupported Media Type", "https://httpstatuses.io/415"},
    {Code::kServiceUnavailable, 503, "Service Unavailable", "https://httpstatuses.io/503"},
    {Code::kInternal, 500, "Internal Server Error", "https://httpstatuses.io/500"},
}};

const CodeInfo& Info(Code code) noexcept {
    for (const auto& info : kCodes) {
        if (info.code == code) {
            return info;
        }
    }
    return kCodes.back();
}

}  // namespace

HttpError::HttpError(Code code, std::string detail, std::vector<FieldError> errors)
    : std::runtime_error(detail), code_(code), detail_(std::move(detail)), errors_(std::move(errors)) {}

int StatusOf(Code code) noexcept {
    return Info(code).status;
}
const char* TitleOf(Code code) noexcept {
    return Info(code).title;
}

boost::json::object ToProblem(const HttpError& error, const std::string& instance) {
    const auto& info = Info(error.code());
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

void ThrowValidation(std::vector<FieldError> errors) {
    throw HttpError(Code::kBadRequest, "the request has invalid fields", std::move(errors));
}

}  // namespace auction::httperror
