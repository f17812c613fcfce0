#pragma once

#include "infra/postgres/connection.hpp"
#include "pkg/httperror/http_error.hpp"

namespace auction::postgres {

/// The one place SQLSTATEs become client-facing errors (as userver's postgres message.cpp does):
/// unique violation -> 409, foreign key -> 400 naming the field, check/format -> 400,
/// timeouts, lost connections and serialization failures -> 503. Anything else -> 500.
/// Messages are public text; the libpq message is never included.
httperror::HttpError MapPgError(const PgError& error);

}  // namespace auction::postgres
