#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "domain/category.hpp"
#include "domain/item.hpp"
#include "pkg/events/events.hpp"

namespace auction::app {

enum class ItemSort { kCreatedAt, kEndDate, kCurrentPrice };

/// GET /api/v1/items filters, already validated.
struct ItemQuery {
    std::optional<domain::ItemStatus> status;
    std::optional<std::string> seller_id;
    std::optional<std::string> category_id;
    std::optional<domain::Money> min_price;
    std::optional<domain::Money> max_price;
    std::optional<std::string> text;
    ItemSort sort = ItemSort::kCreatedAt;
    bool descending = true;
    int page = 1;
    int limit = 20;
};

struct ItemPage {
    std::vector<domain::Item> items;
    std::int64_t total = 0;
};

/// Item persistence. Every write commits its row changes and its outbox event in one transaction.
/// The callbacks run inside that transaction on the locked row and throw to refuse the write.
class ItemRepository {
public:
    virtual ~ItemRepository() = default;

    virtual boost::asio::awaitable<domain::Item> Create(domain::Item item, events::EventMeta meta) = 0;
    virtual boost::asio::awaitable<std::optional<domain::Item>> Get(std::string id) = 0;
    virtual boost::asio::awaitable<ItemPage> List(ItemQuery query) = 0;
    /// nullopt when the item does not exist.
    virtual boost::asio::awaitable<std::optional<domain::Item>> Update(std::string id,
                                                                       std::function<void(domain::Item&)> decide,
                                                                       events::EventMeta meta) = 0;
    /// false when the item does not exist.
    virtual boost::asio::awaitable<bool> Delete(std::string id, std::function<void(const domain::Item&)> check,
                                                events::EventMeta meta) = 0;
};

class CategoryRepository {
public:
    virtual ~CategoryRepository() = default;

    virtual boost::asio::awaitable<std::vector<domain::Category>> List() = 0;
    /// The category with its direct children; nullopt when unknown.
    virtual boost::asio::awaitable<std::optional<domain::Category>> Get(std::string id) = 0;
};

}  // namespace auction::app
