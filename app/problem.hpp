#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "pkg/errors/errors.hpp"

namespace auction::app {

/// The HTTP status of an error kind: the one table that turns the layers' neutral kinds into statuses.
int StatusOf(errors::Kind kind) noexcept;
const char* TitleOf(errors::Kind kind) noexcept;

/// RFC 9457 problem details: {"type","title","status","detail","instance"} plus "errors" when present.
boost::json::object ToProblem(const errors::Error& error, const std::string& instance);

}  // namespace auction::app
