#pragma once

#include "infra/postgres/connection.hpp"
#include "pkg/errors/errors.hpp"

namespace auction::postgres {

/// The one place SQLSTATEs become error kinds (as userver's postgres message.cpp does): unique violation ->
/// conflict, foreign key -> invalid naming the field, check/format -> invalid, timeouts, lost connections and
/// serialization failures -> unavailable. Anything else -> internal. (app/problem.cpp maps kinds to statuses.)
/// Messages are public text; the libpq message is never included.
errors::Error MapPgError(const PgError& error);

}  // namespace auction::postgres
