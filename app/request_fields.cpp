#include "app/request_fields.hpp"

#include <algorithm>

namespace auction::app {

void RefuseFieldsClientsCannotSet(const boost::json::object& object, std::initializer_list<std::string_view> writable,
                                  std::span<const std::string_view> read_only,
                                  const std::function<std::string(std::string_view)>& field_name,
                                  domain::FieldErrors& errors) {
    for (const auto& member : object) {
        const std::string_view key = member.key();
        if (std::find(read_only.begin(), read_only.end(), key) != read_only.end()) {
            errors.push_back({field_name(key), "is read-only and cannot be set by a client"});
        } else if (std::find(writable.begin(), writable.end(), key) == writable.end()) {
            errors.push_back({field_name(key), "is not a known field"});
        }
    }
}

}  // namespace auction::app
