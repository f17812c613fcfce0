#pragma once

#include <string>

namespace auction::domain {

/// The link between an item and one of its categories (table item_categories).
struct ItemCategory {
    std::string item_id;
    std::string category_id;
};

}  // namespace auction::domain
