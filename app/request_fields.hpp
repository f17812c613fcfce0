#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "domain/validation.hpp"

namespace auction::app {

/// The members of a request's JSON object that a client may not send, refused the one way every decoder words it:
/// a field the client sees but never sets "is read-only and cannot be set by a client" (property-level
/// authorization), any other field not in `writable` "is not a known field". `field_name` names the field in the
/// error (an attribute's fields are `attributes[i].key`).
void RefuseFieldsClientsCannotSet(const boost::json::object& object, std::initializer_list<std::string_view> writable,
                                  std::span<const std::string_view> read_only,
                                  const std::function<std::string(std::string_view)>& field_name,
                                  domain::FieldErrors& errors);

}  // namespace auction::app
