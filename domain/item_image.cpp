#include "domain/item_image.hpp"

#include <boost/json.hpp>

namespace auction::domain {

namespace {

constexpr std::string_view kPngMagic("\x89PNG\r\n\x1a\n", 8);
constexpr std::string_view kJpegMagic("\xFF\xD8\xFF", 3);

}  // namespace

std::optional<ImageFormat> SniffImageFormat(std::string_view bytes) noexcept {
    if (bytes.substr(0, kPngMagic.size()) == kPngMagic) {
        return ImageFormat::kPng;
    }
    if (bytes.substr(0, kJpegMagic.size()) == kJpegMagic) {
        return ImageFormat::kJpeg;
    }
    return std::nullopt;
}

std::string_view ContentTypeOf(ImageFormat format) noexcept {
    return format == ImageFormat::kPng ? "image/png" : "image/jpeg";
}

std::string_view ExtensionOf(ImageFormat format) noexcept {
    return format == ImageFormat::kPng ? "png" : "jpg";
}

std::string ImageObjectKey(std::string_view item_id, std::string_view image_id, ImageFormat format) {
    std::string key = "items/";
    key += item_id;
    key += '/';
    key += image_id;
    key += '.';
    key += ExtensionOf(format);
    return key;
}

void tag_invoke(const boost::json::value_from_tag&, boost::json::value& out, const ItemImage& image) {
    boost::json::object o;
    o.reserve(7);
    o["id"] = image.id;
    o["itemId"] = image.item_id;
    o["imageUrl"] = image.image_url;
    o["displayOrder"] = image.display_order;
    o["contentType"] = image.content_type;
    o["sizeBytes"] = image.size_bytes;
    o["createdAt"] = timeutil::FormatRfc3339(image.created_at);
    out = std::move(o);
}

}  // namespace auction::domain
