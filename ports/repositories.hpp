#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "domain/category.hpp"
#include "domain/item.hpp"
#include "domain/item_attribute.hpp"
#include "domain/item_comment.hpp"
#include "domain/item_image.hpp"
#include "pkg/events/events.hpp"
#include "ports/idempotency.hpp"

namespace auction::ports {

/// Where a keyset page starts: right after the row with this sort key value and id (the last row of the page
/// before). The value is in the sort key's unit: microseconds since the Unix epoch for times, cents for prices.
struct ListPosition {
    std::int64_t key = 0;
    std::string id;

    friend bool operator==(const ListPosition&, const ListPosition&) = default;
};

/// How a list is paged, already validated. Offset paging (`page`) counts the matching rows; keyset paging
/// (a cursor) starts after a position, or at the first row, and counts nothing, so a page costs the same at
/// any depth.
struct ListPaging {
    int page = 1;  // offset paging only, from 1
    int limit = 20;
    bool keyset = false;
    std::optional<ListPosition> after;  // keyset paging; nullopt: from the first row
};

enum class ItemSort { kCreatedAt, kEndDate, kCurrentPrice };

/// GET /api/v1/items filters, sort and paging, already validated.
struct ItemQuery {
    std::optional<domain::ItemStatus> status;
    std::optional<std::string> seller_id;
    std::optional<std::string> category_id;
    std::optional<domain::Money> min_price;
    std::optional<domain::Money> max_price;
    std::optional<std::string> text;
    ItemSort sort = ItemSort::kCreatedAt;
    bool descending = true;
    ListPaging paging;
};

struct ItemPage {
    std::vector<domain::Item> items;
    std::int64_t total = 0;  // offset paging only: the matching rows
    bool more = false;       // rows follow the page's last one
};

/// How an update decides, on the locked item at `now`, the database's clock at the start of the transaction (the one
/// clock of the lifecycle rules); it changes the item, or throws to refuse.
using ItemDecision = std::function<void(domain::Item& item, timeutil::Micros now)>;

/// Item persistence. Every write commits its row changes and its outbox event in one transaction.
/// The callbacks run inside that transaction on the locked row and throw to refuse the write.
class ItemRepository {
public:
    virtual ~ItemRepository() = default;

    /// With an Idempotency-Key claim, the answer is stored in the item's transaction (and the create does not share
    /// a group commit).
    virtual boost::asio::awaitable<domain::Item> Create(domain::Item item, events::EventMeta meta,
                                                        Idempotent<domain::Item> idempotency = {}) = 0;
    virtual boost::asio::awaitable<std::optional<domain::Item>> Get(std::string id) = 0;
    virtual boost::asio::awaitable<ItemPage> List(ItemQuery query) = 0;
    /// nullopt when the item does not exist.
    virtual boost::asio::awaitable<std::optional<domain::Item>> Update(std::string id, ItemDecision decide,
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

/// The outcome of deleting one of an item's sub-resources (a comment, an attribute). A value-initialized
/// result never claims a deletion.
enum class ChildDeleteResult { kItemNotFound, kNotFound, kDeleted };

struct CommentPage {
    std::vector<domain::ItemComment> comments;
    std::int64_t total = 0;  // offset paging only: the item's comments
    bool more = false;       // comments follow the page's last one
};

/// Comments of an item. A write locks the item row (FOR SHARE: comments on one item do not wait for each
/// other, but an item update or delete waits for them) and commits the comment with its outbox event.
class CommentRepository {
public:
    virtual ~CommentRepository() = default;

    /// One page, oldest first (created_at, id; a keyset position's key is created_at); nullopt when the item
    /// does not exist.
    virtual boost::asio::awaitable<std::optional<CommentPage>> List(std::string item_id, ListPaging paging) = 0;
    /// Stores the comment, stamping created_at, with item.comment.created.v1; nullopt when the item does not exist.
    virtual boost::asio::awaitable<std::optional<domain::ItemComment>> Create(
        domain::ItemComment comment, events::EventMeta meta, Idempotent<domain::ItemComment> idempotency = {}) = 0;
    /// Deletes the comment with item.comment.deleted.v1. `check` runs inside the transaction on the locked item
    /// and the comment, and throws to refuse.
    virtual boost::asio::awaitable<ChildDeleteResult> Delete(
        std::string item_id, std::string comment_id,
        std::function<void(const domain::Item&, const domain::ItemComment&)> check, events::EventMeta meta) = 0;
};

/// Attributes of an item. A write locks the item row (FOR NO KEY UPDATE, which every other writer's lock
/// conflicts with), so the per-item limit and key checks cannot race, and commits the rows with their events.
class AttributeRepository {
public:
    virtual ~AttributeRepository() = default;

    /// Ordered by key; nullopt when the item does not exist.
    virtual boost::asio::awaitable<std::optional<std::vector<domain::ItemAttribute>>> List(std::string item_id) = 0;
    /// nullopt unless the attribute exists under that item.
    virtual boost::asio::awaitable<std::optional<domain::ItemAttribute>> Get(std::string item_id,
                                                                             std::string attribute_id) = 0;
    /// Stores all attributes or none, stamping created_at, with one item.attribute.created.v1 each. `check` runs
    /// inside the transaction on the locked item and its current keys, and throws to refuse. nullopt when the
    /// item does not exist.
    virtual boost::asio::awaitable<std::optional<std::vector<domain::ItemAttribute>>> Create(
        std::string item_id, std::vector<domain::ItemAttribute> attributes,
        std::function<void(const domain::Item&, const std::vector<std::string>&)> check, events::EventMeta meta,
        Idempotent<std::vector<domain::ItemAttribute>> idempotency = {}) = 0;
    /// Deletes the attribute with item.attribute.deleted.v1; `check` as for Create.
    virtual boost::asio::awaitable<ChildDeleteResult> Delete(
        std::string item_id, std::string attribute_id,
        std::function<void(const domain::Item&, const domain::ItemAttribute&)> check, events::EventMeta meta) = 0;
};

struct ImageDeleteResult {
    ChildDeleteResult outcome = ChildDeleteResult::kNotFound;
    std::optional<domain::ItemImage> image;  // the deleted row, when outcome is kDeleted
};

/// Image metadata of an item (the bytes live in object storage). A write locks the item row FOR UPDATE,
/// runs `check` on it (which throws to refuse), and commits the row with its outbox event.
class ImageRepository {
public:
    virtual ~ImageRepository() = default;

    /// By display order; nullopt when the item does not exist.
    virtual boost::asio::awaitable<std::optional<std::vector<domain::ItemImage>>> List(std::string item_id) = 0;
    /// Stores the image with the next display order and item.image.uploaded.v1, stamping created_at;
    /// nullopt when the item does not exist.
    virtual boost::asio::awaitable<std::optional<domain::ItemImage>> Create(
        domain::ItemImage image, std::function<void(const domain::Item&)> check, events::EventMeta meta,
        Idempotent<domain::ItemImage> idempotency = {}) = 0;
    /// Deletes the image (only under that item) with item.image.deleted.v1.
    virtual boost::asio::awaitable<ImageDeleteResult> Delete(std::string item_id, std::string image_id,
                                                             std::function<void(const domain::Item&)> check,
                                                             events::EventMeta meta) = 0;
};

}  // namespace auction::ports
