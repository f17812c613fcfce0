#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "internal/middleware/request_context.hpp"
#include "pkg/etag/entity_tag.hpp"

namespace auction::app {

/// The entity tag of a versioned resource's representation (an item's): strong, derived from the version that
/// every change to the row bumps (migration 010). Opaque to clients: "\"v7\"".
std::string ETagOfVersion(std::int64_t version);

/// A request's If-Match and If-None-Match (RFC 9110 §13.1.1-2); an absent header is nullopt.
struct Preconditions {
    std::optional<etag::Condition> if_match;
    std::optional<etag::Condition> if_none_match;
};

/// Reads both headers (several field lines of one are combined); 400 when one is malformed.
Preconditions ParsePreconditions(const middleware::RequestContext& ctx);

enum class PreconditionOutcome { kProceed, kNotModified, kFailed };

/// RFC 9110 §13.2.2 (steps 1 and 3; the service sends no Last-Modified, so the date conditions are ignored) for a
/// resource that exists at `version`: a false If-Match fails; then an If-None-Match that matches (weak
/// comparison) is kNotModified for a read and fails a write.
PreconditionOutcome EvaluatePreconditions(const Preconditions& conditions, std::int64_t version, bool read);

/// For a write, on the locked row inside its transaction: throws 412 with the current version unless the
/// preconditions hold.
void RequirePreconditions(const Preconditions& conditions, std::int64_t version);

/// The answer to a read of a resource at `version`: 304 with its ETag and no body when If-None-Match names it,
/// 412 (thrown) when If-Match does not, else 200 with the JSON and the ETag.
middleware::Response ConditionalJsonResponse(const middleware::RequestContext& ctx, const Preconditions& conditions,
                                             std::int64_t version, std::string json);

/// Sets the ETag of the resource at `version` on a response.
void SetETag(middleware::Response& response, std::int64_t version);

}  // namespace auction::app
