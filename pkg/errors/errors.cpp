#include "pkg/errors/errors.hpp"

namespace auction::errors {

Error::Error(Kind kind, std::string detail, std::vector<FieldError> errors)
    : std::runtime_error(detail), kind_(kind), detail_(std::move(detail)), errors_(std::move(errors)) {}

Error Error::PreconditionFailed(std::string detail, std::int64_t current_version) {
    Error error(Kind::kPreconditionFailed, std::move(detail));
    error.current_version_ = current_version;
    return error;
}

void ThrowValidation(std::vector<FieldError> errors) {
    throw Error(Kind::kInvalid, "the request has invalid fields", std::move(errors));
}

}  // namespace auction::errors
