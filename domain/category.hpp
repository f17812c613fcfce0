#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

namespace auction::domain {

/// A node of the category tree; `children` is filled only when a single category is fetched.
struct Category {
    std::string id;
    std::string name;
    std::string slug;
    std::optional<std::string> parent_id;
    std::optional<std::vector<Category>> children;
};

void tag_invoke(const boost::json::value_from_tag&, boost::json::value& out, const Category& category);

}  // namespace auction::domain
