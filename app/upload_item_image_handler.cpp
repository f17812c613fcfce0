#include <boost/beast/http/field.hpp>
#include <exception>

#include <boost/json/serialize.hpp>

#include "app/handlers.hpp"
#include "domain/item_image.hpp"
#include "pkg/encoding/digest.hpp"
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

// The upload's stand-in in an Idempotency-Key fingerprint: a digest of its parsed parts (names, file names, types
// and bytes), since a client's boundary changes on every retry; the raw body when it does not parse (the request
// then fails with its 400 anyway).
std::string MultipartDigest(const RequestContext& ctx) {
    auto it = ctx.request.find(boost::beast::http::field::content_type);
    const std::string_view type = it == ctx.request.end() ? std::string_view() : std::string_view(it->value());
    bool is_form_data = false;
    const auto boundary = multipart::BoundaryFromContentType(type, is_form_data);
    const std::string_view body = ctx.request.body();
    if (!is_form_data || !boundary) {
        return std::string(body);
    }
    const auto parsed = multipart::Parse(body, *boundary);
    if (parsed.error != multipart::Error::kNone) {
        return std::string(body);
    }
    encoding::Sha256 digest;
    for (const auto& part : parsed.parts) {
        digest.Field(part.name).Field(part.filename.value_or("")).Field(part.filename ? "f" : "-");
        digest.Field(part.content_type).Field(part.body);
    }
    return digest.Hex();
}

ports::StoredAnswer ImageCreated(const domain::ItemImage& image) {
    return CreatedAnswer(boost::json::serialize(boost::json::value_from(image)),
                         "/api/v1/items/" + image.item_id + "/images/" + image.id);
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
    std::function<std::string()> digest = [&ctx] { return MultipartDigest(ctx); };
    co_return co_await Idempotently(
        s, ctx, std::move(digest),
        [&s, &ctx, &user, &item_id](std::optional<ports::IdempotencyClaim> claim) -> boost::asio::awaitable<Response> {
            // Refuse early (404, 403, 409) so nothing is stored for a request that cannot succeed; the
            // transaction checks again on the locked row.
            std::string lookup_id = item_id;
            const auto item = co_await s.items.Get(std::move(lookup_id));
            if (!item) {
                ThrowNotFound("item", item_id);
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

            std::string put_key = image.object_key;
            std::string put_type = image.content_type;
            co_await s.storage.Put(std::move(put_key), bytes,
                                   std::move(put_type));  // a failure is a 500, nothing saved

            const std::string key = image.object_key;
            std::function<void(const domain::Item&)> check = [&user](const domain::Item& locked) {
                RequireImageWrite(locked, user);
            };
            auto meta = EventMetaOf(ctx);
            std::optional<domain::ItemImage> saved;
            std::exception_ptr failure;
            try {
                ports::Idempotent<domain::ItemImage> idempotency{std::move(claim), ImageCreated};
                saved = co_await s.images.Create(std::move(image), std::move(check), std::move(meta),
                                                 std::move(idempotency));
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
                ThrowNotFound("item", item_id);
            }
            co_return AnswerResponse(ctx, ImageCreated(*saved));
        });
}

}  // namespace auction::app
