#include "internal/middleware/request_context.hpp"

#include "pkg/errors/errors.hpp"

namespace auction::middleware {

const std::string& RequestContext::PathParam(std::string_view name) const {
    for (const auto& [key, value] : path_params) {
        if (key == name) {
            return value;
        }
    }
    throw errors::Error(errors::Kind::kInternal, "route parameter missing");
}

std::optional<std::string> RequestContext::Query(std::string_view name) const {
    for (const auto& [key, value] : query) {
        if (key == name) {
            return value;
        }
    }
    return std::nullopt;
}

const std::string& RequestContext::RequireUser() const {
    if (!user_id && !identity_error.empty()) {
        throw errors::Error(errors::Kind::kUnauthenticated, identity_error);
    }
    if (!user_id) {
        throw errors::Error(errors::Kind::kUnauthenticated,
                            user_header_malformed
                                ? "the X-User-ID header must be 1 to 128 printable characters without spaces"
                                : "this operation requires the X-User-ID header");
    }
    return *user_id;
}

}  // namespace auction::middleware
