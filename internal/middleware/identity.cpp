#include "domain/validation.hpp"
#include "internal/middleware/request_context.hpp"

namespace auction::middleware {

// X-User-ID is trusted as set by the gateway in front of the service (see docs/SECURITY.md).
void ExtractIdentity(RequestContext& ctx) {
    auto it = ctx.request.find("X-User-ID");
    if (it == ctx.request.end()) {
        return;
    }
    if (domain::IsValidUserId(it->value())) {
        ctx.user_id = std::string(it->value());
    } else {
        ctx.user_header_malformed = true;
    }
}

}  // namespace auction::middleware
