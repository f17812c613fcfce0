#pragma once

#include <boost/json/object.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace auction::httperror {

/// What went wrong, independent of transport; one table maps each code to a status and title.
enum class Code {
    kBadRequest,            // 400: malformed JSON, invalid fields or parameters
    kUnauthorized,          // 401: no caller identity on a write
    kForbidden,             // 403: identified, but not allowed on this resource
    kNotFound,              // 404: unknown id or route
    kMethodNotAllowed,      // 405
    kConflict,              // 409: the write conflicts with the resource's state
    kPayloadTooLarge,       // 413
    kUnsupportedMediaType,  // 415
    kServiceUnavailable,    // 503: overloaded or a dependency is down
    kInternal,              // 500: never carries internals to the client
};

struct FieldError {
    std::string field;
    std::string message;
};

/// The one error type thrown inside a request. `detail` is public text, safe to show a client.
class HttpError : public std::runtime_error {
public:
    HttpError(Code code, std::string detail, std::vector<FieldError> errors = {});

    Code code() const noexcept { return code_; }
    const std::string& detail() const noexcept { return detail_; }
    const std::vector<FieldError>& errors() const noexcept { return errors_; }

private:
    Code code_;
    std::string detail_;
    std::vector<FieldError> errors_;
};

int StatusOf(Code code) noexcept;
const char* TitleOf(Code code) noexcept;

/// RFC 9457 problem details: {"type","title","status","detail","instance"} plus "errors" when present.
boost::json::object ToProblem(const HttpError& error, const std::string& instance);

/// Convenience for the validation failures that carry field errors.
[[noreturn]] void ThrowValidation(std::vector<FieldError> errors);

}  // namespace auction::httperror
