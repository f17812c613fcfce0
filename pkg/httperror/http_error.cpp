#include "pkg/httperror/http_error.hpp"

#include <array>
#include <string_view>

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

namespace {

// JSON text must be UTF-8 (RFC 8259), but a detail or instance may quote request bytes that are not (a
// raw byte in the request target, %FF in a path id): each invalid sequence becomes U+FFFD, so the problem
// still parses.
std::string ValidUtf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        if (lead < 0x80) {
            out += static_cast<char>(lead);
            ++i;
            continue;
        }
        std::size_t len = 0;
        unsigned char low = 0x80;  // the second byte's range rules out overlong forms and surrogates
        unsigned char high = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) {
            len = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            len = 3;
            low = lead == 0xE0 ? 0xA0 : 0x80;
            high = lead == 0xED ? 0x9F : 0xBF;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            len = 4;
            low = lead == 0xF0 ? 0x90 : 0x80;
            high = lead == 0xF4 ? 0x8F : 0xBF;
        }
        bool ok = len != 0 && i + len <= text.size();
        for (std::size_t k = 1; ok && k < len; ++k) {
            const auto c = static_cast<unsigned char>(text[i + k]);
            ok = k == 1 ? (c >= low && c <= high) : (c & 0xC0) == 0x80;
        }
        if (ok) {
            out.append(text.substr(i, len));
            i += len;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

}  // namespace

boost::json::object ToProblem(const HttpError& error, const std::string& instance) {
    const auto& info = Info(error.code());
    boost::json::object problem;
    problem["type"] = info.type;
    problem["title"] = info.title;
    problem["status"] = info.status;
    problem["detail"] = ValidUtf8(error.detail());
    problem["instance"] = ValidUtf8(instance);
    if (!error.errors().empty()) {
        boost::json::array errors;
        for (const auto& e : error.errors()) {
            errors.push_back(boost::json::object{{"field", ValidUtf8(e.field)}, {"message", ValidUtf8(e.message)}});
        }
        problem["errors"] = std::move(errors);
    }
    return problem;
}

void ThrowValidation(std::vector<FieldError> errors) {
    throw HttpError(Code::kBadRequest, "the request has invalid fields", std::move(errors));
}

}  // namespace auction::httperror
