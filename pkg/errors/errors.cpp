#include "pkg/errors/errors.hpp"

namespace auction::errors {

Error::Error(Kind kind, std::string detail, std::vector<FieldError> errors)
    : std::runtime_error(detail), kind_(kind), detail_(std::move(detail)), errors_(std::move(errors)) {}

void ThrowValidation(std::vector<FieldError> errors) {
    throw Error(Kind::kInvalid, "the request has invalid fields", std::move(errors));
}

}  // namespace auction::errors
