#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace auction::errors {

/// What went wrong, independent of transport. Every layer throws these kinds; the HTTP boundary alone maps
/// them to statuses (app/problem.cpp, one table), so nothing below it knows HTTP.
enum class Kind {
    kInvalid,               // malformed JSON, invalid fields or parameters
    kUnauthenticated,       // no caller identity on a write
    kForbidden,             // identified, but not allowed on this resource
    kNotFound,              // unknown id or route
    kMethodNotAllowed,      // a known resource, another operation
    kConflict,              // the write conflicts with the resource's state
    kPreconditionFailed,    // the client's condition on the resource's version (If-Match) does not hold
    kTooLarge,              // the request is over its size limit
    kUnsupportedMediaType,  // the body's format is not one the operation takes
    kUnprocessable,  // well-formed, but cannot be processed as sent (an Idempotency-Key reused for another request)
    kUnavailable,    // overloaded or a dependency is down: retry later
    kInternal,       // never carries internals to the client
};

struct FieldError {
    std::string field;
    std::string message;
};

/// The one error type thrown inside a request. `detail` is public text, safe to show a client.
class Error : public std::runtime_error {
public:
    Error(Kind kind, std::string detail, std::vector<FieldError> errors = {});

    /// kPreconditionFailed about a resource whose current version is `current_version`: the client needs it to
    /// retry (the HTTP boundary sends it as the ETag).
    static Error PreconditionFailed(std::string detail, std::int64_t current_version);

    Kind kind() const noexcept { return kind_; }
    const std::string& detail() const noexcept { return detail_; }
    const std::vector<FieldError>& errors() const noexcept { return errors_; }
    const std::optional<std::int64_t>& current_version() const noexcept { return current_version_; }

private:
    Kind kind_;
    std::string detail_;
    std::vector<FieldError> errors_;
    std::optional<std::int64_t> current_version_;
};

/// Convenience for the validation failures that carry field errors.
[[noreturn]] void ThrowValidation(std::vector<FieldError> errors);

/// A failure of a dependency (the database, its pool, object storage, a work queue). The infrastructure
/// throws subclasses; a boundary (the HTTP router, the bid consumer) handles them through this interface
/// without knowing the infrastructure's types. `what()` is for logs only.
class DependencyFailure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;

    /// What a client is told: a kind and public text, never the internal message.
    virtual Error Public() const = 0;
    /// The log line's message, e.g. "database error".
    virtual const char* LogMessage() const noexcept = 0;
    /// Adds the failure's own log fields (e.g. the SQLSTATE) beside "error".
    virtual void AddLogFields(boost::json::object& /*fields*/) const {}
    /// True when the dependency could not be reached at all (connection refused or lost, no free connection):
    /// the failure says nothing about the request, which may be retried as long as the outage lasts.
    virtual bool Unreachable() const noexcept { return false; }
};

}  // namespace auction::errors
