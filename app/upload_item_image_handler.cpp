#include <boost/beast/http/field.hpp>
#include <exception>

#include "app/handlers.hpp"
#include "domain/item_image.hpp"
#include "pkg/ids/uuid.hpp"
#include "pkg/multipart/multipart.hpp"

namespace auction::app {

namespace {

using errors::Error;
using errors::Kind;

// Room for the boundary lines and part headers around a 5 MB file (and a few small extra fields).
constexpr std::size_t kMultipartOverhead = std::size_t{64} * 1024;

std::string TooLarge() {
    return "the image file exceeds 5 MB (" + std::to_string(domain::kMaxImageBytes) + " bytes)";
}

// The bytes of the request's `image` field (views into the request body, not copies).
std::string_view ImageField(const RequestContext& ctx) {
    auto it = ctx.request.find(boost::beast::http::field::content_type);
    const std::string_view type = it == ctx.request.end() ? std::string_view() : std::string_view(it->value());
    bool is_form_data = false;
    const auto boundary = multipart::BoundaryFromContentType(type, is_form_data);
    if (!is_form_data) {
        throw Error(Kind::kUnsupportedMediaType, "the request body must be multipart/form-data with an image field");
    }
    if (!boundary) {
        throw Error(Kind::kInvalid, "the multipart/form-data Content-Type lacks a valid boundary");
    }
    const auto parsed = multipart::Parse(ctx.request.body(), *boundary);
    if (parsed.error != multipart::Error::kNone) {
        throw Error(Kind::kInvalid, std::string(multipart::Describe(parsed.error)));
    }
    std::optional<std::string_view> image;
    for (const auto& part : parsed.parts) {
        if (part.name == "image") {
            if (image) {
                throw Error(Kind::kInvalid, "the image field appears more than once",
                            {{"image", "send one file per request"}});
            }
            image = part.body;
        }
    }
    if (!image) {
        throw Error(Kind::kInvalid, "the image field is missing", {{"image", "is required"}});
    }
    return *image;
}

}  // namespace

BodyLimit ImageUploadBodyLimit() {
    return BodyLimit{domain::kMaxImageBytes + kMultipartOverhead, Kind::kInvalid, TooLarge()};
}

void RequireImageWrite(const domain::Item& item, const std::string& user) {
    RequireSeller(item, user);
    if (item.status != domain::ItemStatus::kActive) {
        throw Error(Kind::kConflict, "images can only change while the item is active (it is " +
                                         std::string(domain::ToString(item.status)) + ")");
    }
}

// POST /api/v1/items/:id/images: multipart field `image`, PNG or JPEG by its bytes, at most 5 MB. The object
// is stored first, then the row and its event commit together; if that fails the object is deleted again.
boost::asio::awaitable<Response> UploadItemImageHandler(Services& s, RequestContext& ctx) {
    const auto& user = ctx.RequireUser();
    const auto item_id = PathId(ctx, "id", "item");
    // Refuse early (404, 403, 409) so nothing is stored for a request that cannot succeed; the
    // transaction checks again on the locked row.
    std::string lookup_id = item_id;
    const auto item = co_await s.items.Get(std::move(lookup_id));
    if (!item) {
        throw Error(Kind::kNotFound, "item " + item_id + " does not exist");
    }
    RequireImageWrite(*item, user);

    const auto bytes = ImageField(ctx);
    if (bytes.empty()) {
        throw Error(Kind::kInvalid, "the image file is empty", {{"image", "is empty"}});
    }
    if (bytes.size() > domain::kMaxImageBytes) {
        throw Error(Kind::kInvalid, TooLarge(), {{"image", "must be at most 5 MB"}});
    }
    const auto format = domain::SniffImageFormat(bytes);
    if (!format) {
        throw Error(Kind::kInvalid, "the image must be a PNG or JPEG file", {{"image", "must be PNG or JPEG"}});
    }
    // Magic bytes alone let through polyglots and decompression bombs: check the header and the content.
    if (const auto inspection = domain::InspectImage(bytes, *format); !inspection.problem.empty()) {
        throw Error(Kind::kInvalid, inspection.problem, {{"image", inspection.problem}});
    }

    domain::ItemImage image;
    image.id = ids::NewUuidV7();
    image.item_id = item_id;
    image.object_key = domain::ImageObjectKey(item_id, image.id, *format);
    image.image_url = s.storage.PublicUrl(image.object_key);
    image.content_type = std::string(domain::ContentTypeOf(*format));
    image.size_bytes = static_cast<std::int64_t>(bytes.size());

    // Arguments are named locals: GCC 12 destroys temporaries inside co_await expressions twice.
    std::string put_key = image.object_key;
    std::string put_type = image.content_type;
    co_await s.storage.Put(std::move(put_key), bytes, std::move(put_type));  // a failure is a 500, nothing saved

    const std::string key = image.object_key;
    std::function<void(const domain::Item&)> check = [&user](const domain::Item& locked) {
        RequireImageWrite(locked, user);
    };
    events::EventMeta meta{ctx.trace.trace_id, ctx.trace.correlation_id};
    std::optional<domain::ItemImage> saved;
    std::exception_ptr failure;
    try {
        saved = co_await s.images.Create(std::move(image), std::move(check), std::move(meta));
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure || !saved) {
        // The design's rollback: the row did not commit, so its object must not stay behind.
        std::string orphan = key;
        std::string trace = ctx.trace.trace_id;
        co_await DeleteObjectQuietly(s.storage, std::move(orphan), std::move(trace));
        if (failure) {
            std::rethrow_exception(failure);
        }
        throw Error(Kind::kNotFound, "item " + item_id + " does not exist");
    }
    co_return CreatedResponse(ctx, boost::json::value_from(*saved),
                              "/api/v1/items/" + item_id + "/images/" + saved->id);
}

}  // namespace auction::app
