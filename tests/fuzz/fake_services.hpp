// In-memory repositories and object storage for the fuzz targets that run the real router and route
// table (app/routes.cpp). Nothing here touches the network or a database: one active item exists
// (kItemId, sold by kSellerId), with one comment, attribute and image; every other id is unknown. Write
// callbacks run on copies of that item, so the handlers' authorization and state rules are exercised.
// The item list records the validated query it gets, for the targets to check.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/handlers.hpp"
#include "app/router.hpp"
#include "pkg/etag/entity_tag.hpp"
#include "pkg/logging/logger.hpp"

namespace auction::fuzz {

inline constexpr std::string_view kItemId = "0190b1f2-7c3a-7d4e-8f5a-6b7c8d9e0f10";
inline constexpr std::string_view kCommentId = "0190b1f2-7c3a-7d4e-8f5a-6b7c8d9e0f11";
inline constexpr std::string_view kAttributeId = "0190b1f2-7c3a-7d4e-8f5a-6b7c8d9e0f12";
inline constexpr std::string_view kImageId = "0190b1f2-7c3a-7d4e-8f5a-6b7c8d9e0f13";
inline constexpr std::string_view kCategoryId = "0190b1f2-7c3a-7d4e-8f5a-6b7c8d9e0f14";
inline constexpr std::string_view kSellerId = "seller-1";

/// abort() makes libFuzzer keep the input as a crash; an assert() would vanish under NDEBUG.
inline void Check(bool condition) {
    if (!condition) {
        std::abort();
    }
}

inline domain::Item FixtureItem() {
    domain::Item item;
    item.id = std::string(kItemId);
    item.name = "Vintage Watch";
    item.description = "A rare vintage watch from 1950";
    item.seller_id = std::string(kSellerId);
    item.currency_code = "USD";
    item.start_price = domain::Money{10000};
    item.current_price = domain::Money{10000};
    item.bid_increment = domain::Money{500};
    item.start_date = 1705312800000000;  // 2024-01-15T10:00:00Z
    item.end_date = 4072413600000000;    // 2099-01-18T10:00:00Z: not ended, so updates reach every rule
    item.category_ids = {std::string(kCategoryId)};
    return item;
}

class FakeItems final : public ports::ItemRepository {
public:
    std::optional<ports::ItemQuery> last_query;

    boost::asio::awaitable<domain::Item> Create(domain::Item item, events::EventMeta,
                                                ports::Idempotent<domain::Item>) override {
        co_return item;
    }
    boost::asio::awaitable<std::optional<domain::Item>> Get(std::string id) override {
        if (id != kItemId) {
            co_return std::nullopt;
        }
        co_return FixtureItem();
    }
    boost::asio::awaitable<ports::ItemPage> List(ports::ItemQuery query) override {
        last_query = query;
        ports::ItemPage page;
        page.items.push_back(FixtureItem());
        page.total = 1;
        page.more = true;  // every answer carries a nextCursor to decode
        co_return page;
    }
    boost::asio::awaitable<std::optional<domain::Item>> Update(std::string id, ports::ItemDecision decide,
                                                               events::EventMeta) override {
        if (id != kItemId) {
            co_return std::nullopt;
        }
        auto item = FixtureItem();
        decide(item, timeutil::NowMicros());
        co_return item;
    }
    boost::asio::awaitable<bool> Delete(std::string id, std::function<void(const domain::Item&)> check,
                                        events::EventMeta) override {
        if (id != kItemId) {
            co_return false;
        }
        check(FixtureItem());
        co_return true;
    }
};

class FakeCategories final : public ports::CategoryRepository {
public:
    boost::asio::awaitable<std::vector<domain::Category>> List() override {
        co_return std::vector<domain::Category>{
            domain::Category{std::string(kCategoryId), "Watches", "watches", {}, {}}};
    }
    boost::asio::awaitable<std::optional<domain::Category>> Get(std::string id) override {
        if (id != kCategoryId) {
            co_return std::nullopt;
        }
        co_return domain::Category{std::string(kCategoryId), "Watches", "watches", {}, std::vector<domain::Category>{}};
    }
};

class FakeComments final : public ports::CommentRepository {
public:
    std::optional<ports::ListPaging> last_paging;

    boost::asio::awaitable<std::optional<ports::CommentPage>> List(std::string item_id,
                                                                   ports::ListPaging paging) override {
        // The handler validated paging before asking the store.
        Check(paging.page >= 1 && paging.page <= 100000 && paging.limit >= 1 && paging.limit <= 100);
        Check(!paging.after || paging.keyset);
        last_paging = paging;
        if (item_id != kItemId) {
            co_return std::nullopt;
        }
        // One comment, and more after it: every answer carries a nextCursor to decode.
        co_return ports::CommentPage{{Comment()}, 1, true};
    }
    boost::asio::awaitable<std::optional<domain::ItemComment>> Create(domain::ItemComment comment, events::EventMeta,
                                                                      ports::Idempotent<domain::ItemComment>) override {
        if (comment.item_id != kItemId) {
            co_return std::nullopt;
        }
        co_return comment;
    }
    boost::asio::awaitable<ports::ChildDeleteResult> Delete(
        std::string item_id, std::string comment_id,
        std::function<void(const domain::Item&, const domain::ItemComment&)> check, events::EventMeta) override {
        if (item_id != kItemId) {
            co_return ports::ChildDeleteResult::kItemNotFound;
        }
        if (comment_id != kCommentId) {
            co_return ports::ChildDeleteResult::kNotFound;
        }
        check(FixtureItem(), Comment());
        co_return ports::ChildDeleteResult::kDeleted;
    }

private:
    static domain::ItemComment Comment() {
        return domain::ItemComment{std::string(kCommentId), std::string(kItemId), "commenter-1", "Nice watch", 0};
    }
};

class FakeAttributes final : public ports::AttributeRepository {
public:
    boost::asio::awaitable<std::optional<std::vector<domain::ItemAttribute>>> List(std::string item_id) override {
        if (item_id != kItemId) {
            co_return std::nullopt;
        }
        co_return std::vector<domain::ItemAttribute>{Attribute()};
    }
    boost::asio::awaitable<std::optional<domain::ItemAttribute>> Get(std::string item_id,
                                                                     std::string attribute_id) override {
        if (item_id != kItemId || attribute_id != kAttributeId) {
            co_return std::nullopt;
        }
        co_return Attribute();
    }
    boost::asio::awaitable<std::optional<std::vector<domain::ItemAttribute>>> Create(
        std::string item_id, std::vector<domain::ItemAttribute> attributes,
        std::function<void(const domain::Item&, const std::vector<std::string>&)> check, events::EventMeta,
        ports::Idempotent<std::vector<domain::ItemAttribute>>) override {
        if (item_id != kItemId) {
            co_return std::nullopt;
        }
        check(FixtureItem(), std::vector<std::string>{Attribute().key});
        co_return attributes;
    }
    boost::asio::awaitable<ports::ChildDeleteResult> Delete(
        std::string item_id, std::string attribute_id,
        std::function<void(const domain::Item&, const domain::ItemAttribute&)> check, events::EventMeta) override {
        if (item_id != kItemId) {
            co_return ports::ChildDeleteResult::kItemNotFound;
        }
        if (attribute_id != kAttributeId) {
            co_return ports::ChildDeleteResult::kNotFound;
        }
        check(FixtureItem(), Attribute());
        co_return ports::ChildDeleteResult::kDeleted;
    }

private:
    static domain::ItemAttribute Attribute() {
        return domain::ItemAttribute{std::string(kAttributeId), std::string(kItemId), "brand", "Omega", 0};
    }
};

class FakeImages final : public ports::ImageRepository {
public:
    boost::asio::awaitable<std::optional<std::vector<domain::ItemImage>>> List(std::string item_id) override {
        if (item_id != kItemId) {
            co_return std::nullopt;
        }
        co_return std::vector<domain::ItemImage>{Image()};
    }
    boost::asio::awaitable<std::optional<domain::ItemImage>> Create(domain::ItemImage image,
                                                                    std::function<void(const domain::Item&)> check,
                                                                    events::EventMeta,
                                                                    ports::Idempotent<domain::ItemImage>) override {
        if (image.item_id != kItemId) {
            co_return std::nullopt;
        }
        check(FixtureItem());
        co_return image;
    }
    boost::asio::awaitable<ports::ImageDeleteResult> Delete(std::string item_id, std::string image_id,
                                                            std::function<void(const domain::Item&)> check,
                                                            events::EventMeta) override {
        if (item_id != kItemId) {
            co_return ports::ImageDeleteResult{ports::ChildDeleteResult::kItemNotFound, std::nullopt};
        }
        if (image_id != kImageId) {
            co_return ports::ImageDeleteResult{};
        }
        check(FixtureItem());
        co_return ports::ImageDeleteResult{ports::ChildDeleteResult::kDeleted, Image()};
    }

private:
    static domain::ItemImage Image() {
        domain::ItemImage image;
        image.id = std::string(kImageId);
        image.item_id = std::string(kItemId);
        image.object_key = "items/" + image.item_id + "/" + image.id + ".png";
        image.image_url = "http://storage.invalid/" + image.object_key;
        image.display_order = 1;
        image.content_type = "image/png";
        image.size_bytes = 68;
        return image;
    }
};

class FakeStorage final : public aws::ObjectStorage {
public:
    boost::asio::awaitable<void> Put(std::string, std::string_view, std::string) override { co_return; }
    boost::asio::awaitable<void> Delete(std::string) override { co_return; }
    std::string PublicUrl(std::string_view key) const override { return "http://storage.invalid/" + std::string(key); }
};

/// The real router with the real route table over the fakes; built once per process.
struct World {
    FakeItems items;
    FakeCategories categories;
    FakeComments comments;
    FakeAttributes attributes;
    FakeImages images;
    FakeStorage storage;
    app::Services services{items, categories, comments, attributes, images, storage, nullptr};
    app::Router router;

    World() {
        // Only errors are logged: one access-log line per input would dominate the run time.
        logging::Init("auction-fuzz", "error");
        app::RegisterRoutes(router, services);
    }

    /// Runs one request through Router::Handle to completion.
    middleware::Response Handle(middleware::Request request) {
        items.last_query.reset();
        comments.last_paging.reset();
        boost::asio::io_context io;
        std::optional<middleware::Response> out;
        boost::asio::co_spawn(io, router.Handle(std::move(request)),
                              [&out](std::exception_ptr error, middleware::Response response) {
                                  Check(!error);  // Handle promises never to throw
                                  out = std::move(response);
                              });
        io.run();
        Check(out.has_value());
        return std::move(*out);
    }
};

inline World& TheWorld() {
    static World* world = new World();  // never destroyed: the logger's thread outlives LLVMFuzzerTestOneInput
    return *world;
}

/// A trace id echoed on a response is 1..128 safe characters (or a generated UUID).
inline bool SafeEchoedId(std::string_view id) {
    if (id.empty() || id.size() > 128) {
        return false;
    }
    for (unsigned char c : id) {
        const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
                        c == '_' || c == '.' || c == ':';
        if (!ok) {
            return false;
        }
    }
    return true;
}

/// Promises every response keeps, whatever the request: trace ids echoed and safe, no 5xx (the fakes never
/// fail, so a 500 is a bug), problems as RFC 9457 JSON with the status inside, JSON bodies that parse
/// (the API's only other bodies are the embedded docs page and its assets), 304s without a body and 304s and 412s
/// with the current ETag. Returns the parsed JSON body
/// (null when there is none).
inline boost::json::value CheckResponse(const middleware::Response& res) {
    const unsigned status = res.result_int();
    Check(status >= 200 && status < 500);
    Check(SafeEchoedId(res["X-Trace-Id"]) && SafeEchoedId(res["X-Correlation-Id"]));
    const auto type = res[boost::beast::http::field::content_type];
    if (status == 304 || status == 412) {
        // Conditional requests: the client learns the current entity tag either way.
        Check(auction::etag::IsStrongEntityTag(res[boost::beast::http::field::etag]));
    }
    if (status == 304) {
        Check(res.body().empty() && type.empty());
        return nullptr;
    }
    if (status == 204 || (status < 400 && type != "application/json")) {
        Check(status != 204 || res.body().empty());
        return nullptr;
    }
    boost::system::error_code ec;
    auto body = boost::json::parse(res.body(), ec);
    Check(!ec && body.is_object());
    if (status >= 400) {
        Check(type == "application/problem+json");
        const auto& problem = body.get_object();
        const auto* code = problem.if_contains("status");
        Check(code != nullptr && code->is_int64() && code->get_int64() == status);
        Check(problem.contains("title") && problem.contains("detail") && problem.contains("instance"));
        if (status == 405) {
            Check(!res[boost::beast::http::field::allow].empty());
        }
    }
    return body;
}

}  // namespace auction::fuzz
