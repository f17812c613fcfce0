#include "domain/category.hpp"

#include <boost/json.hpp>

namespace auction::domain {

void tag_invoke(const boost::json::value_from_tag&, boost::json::value& out, const Category& category) {
    boost::json::object o;
    o["id"] = category.id;
    o["name"] = category.name;
    o["slug"] = category.slug;
    if (category.parent_id) {
        o["parentId"] = *category.parent_id;
    } else {
        o["parentId"] = nullptr;
    }
    if (category.children) {
        boost::json::array children;
        for (const auto& child : *category.children) {
            children.push_back(boost::json::value_from(child));
        }
        o["children"] = std::move(children);
    }
    out = std::move(o);
}

}  // namespace auction::domain
