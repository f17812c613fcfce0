#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pkg/timeutil/rfc3339.hpp"

namespace auction::domain {

/// The design's limit on one image file: 5 MB, counted as 5 * 1024 * 1024 bytes.
inline constexpr std::size_t kMaxImageBytes = std::size_t{5} * 1024 * 1024;

/// The formats an item image may have, judged by the file's own bytes.
enum class ImageFormat { kPng, kJpeg };

/// PNG (89 50 4E 47 0D 0A 1A 0A) or JPEG (FF D8 FF) by magic bytes; nullopt for anything else. The
/// client's Content-Type and file name are never consulted: they are claims, the bytes are evidence.
std::optional<ImageFormat> SniffImageFormat(std::string_view bytes) noexcept;

/// Bounds on what one image may decode to (a decompression bomb declares huge dimensions in a small file).
inline constexpr std::uint32_t kMaxImageSide = 16384;                      // pixels per side
inline constexpr std::uint64_t kMaxImagePixels = std::uint64_t{64} << 20;  // 64 Mpx, about 256 MB as RGBA

/// What InspectImage found: the dimensions of a well-formed image, or why it is refused (public text).
struct ImageInspection {
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    std::string problem;  // empty when the image is acceptable
};

/// Checks beyond the magic bytes, for a file already sniffed as `format`: the header must be well-formed
/// (PNG: IHDR first, with a valid size; JPEG: a frame header before the scan), the declared dimensions
/// within kMaxImageSide / kMaxImagePixels, and the file must not carry markup a browser could run if it
/// were ever served as HTML or SVG (HTML/JS polyglots: `<script`, `<html`, `<svg`, ...).
ImageInspection InspectImage(std::string_view bytes, ImageFormat format);

std::string_view ContentTypeOf(ImageFormat format) noexcept;  // image/png, image/jpeg
std::string_view ExtensionOf(ImageFormat format) noexcept;    // png, jpg

/// The storage key of an image: `items/{itemId}/{imageId}.{png|jpg}` (the design's key pattern, with the
/// image's own id as the uuid, so a key names exactly one row).
std::string ImageObjectKey(std::string_view item_id, std::string_view image_id, ImageFormat format);

/// An image of an item. The bytes live in object storage under `object_key`; `image_url` is where a
/// client fetches them. `display_order` starts at 1 and grows with each upload to the item.
struct ItemImage {
    std::string id;
    std::string item_id;
    std::string object_key;
    std::string image_url;
    int display_order = 0;
    std::string content_type;
    std::int64_t size_bytes = 0;
    timeutil::Micros created_at = 0;
};

/// The public JSON shape: {id, itemId, imageUrl, displayOrder, contentType, sizeBytes, createdAt}.
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& out, const ItemImage& image);

}  // namespace auction::domain
