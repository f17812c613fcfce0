#include "domain/item_image.hpp"

#include <boost/json.hpp>

namespace auction::domain {

namespace {

constexpr std::string_view kPngMagic("\x89PNG\r\n\x1a\n", 8);
constexpr std::string_view kJpegMagic("\xFF\xD8\xFF", 3);

std::uint32_t Be32(std::string_view b, std::size_t at) {
    return (std::uint32_t{static_cast<unsigned char>(b[at])} << 24) |
           (std::uint32_t{static_cast<unsigned char>(b[at + 1])} << 16) |
           (std::uint32_t{static_cast<unsigned char>(b[at + 2])} << 8) |
           std::uint32_t{static_cast<unsigned char>(b[at + 3])};
}

std::uint32_t Be16(std::string_view b, std::size_t at) {
    return (std::uint32_t{static_cast<unsigned char>(b[at])} << 8) |
           std::uint32_t{static_cast<unsigned char>(b[at + 1])};
}

char Lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool StartsWithNoCase(std::string_view text, std::size_t at, std::string_view prefix) {
    if (text.size() - at < prefix.size()) {
        return false;
    }
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (Lower(text[at + i]) != prefix[i]) {
            return false;
        }
    }
    return true;
}

// Markup that makes a file dangerous if any browser or viewer ever renders it as a document. Long tokens
// are searched everywhere: compressed image data contains 7 given bytes by chance about once in 2^50
// positions. Short ones only where content sniffers look (WHATWG MIME sniffing reads 1445 bytes), since
// "<svg" somewhere in 5 MB of entropy-coded data is not rare enough to refuse a real photo for.
std::optional<std::string_view> FindMarkup(std::string_view bytes) {
    static constexpr std::string_view kAnywhere[] = {"<script", "<iframe", "<!doctype", "<object", "<embed"};
    static constexpr std::string_view kInSniffWindow[] = {"<html", "<svg", "<body", "<head", "<?xml", "<?php"};
    constexpr std::size_t kSniffWindow = 1445;
    for (auto at = bytes.find('<'); at != std::string_view::npos; at = bytes.find('<', at + 1)) {
        for (auto token : kAnywhere) {
            if (StartsWithNoCase(bytes, at, token)) {
                return token;
            }
        }
        if (at < kSniffWindow) {
            for (auto token : kInSniffWindow) {
                if (StartsWithNoCase(bytes, at, token)) {
                    return token;
                }
            }
        }
    }
    for (std::size_t at = 0; (at = bytes.find(':', at)) != std::string_view::npos; ++at) {
        if (at >= 10 && StartsWithNoCase(bytes, at - 10, "javascript")) {
            return "javascript:";
        }
    }
    return std::nullopt;
}

std::string CheckDimensions(ImageInspection& out, std::uint32_t width, std::uint32_t height) {
    out.width = width;
    out.height = height;
    if (width == 0 || height == 0) {
        return "the image declares a zero width or height";
    }
    if (width > kMaxImageSide || height > kMaxImageSide ||
        std::uint64_t{width} * std::uint64_t{height} > kMaxImagePixels) {
        return "the image declares " + std::to_string(width) + "x" + std::to_string(height) + " pixels; at most " +
               std::to_string(kMaxImageSide) + " per side and " + std::to_string(kMaxImagePixels) +
               " in all are accepted";
    }
    return {};
}

// PNG: the signature, then IHDR as the first chunk (length 13): width, height (big-endian), bit depth...
std::string InspectPng(std::string_view b, ImageInspection& out) {
    constexpr std::size_t kIhdrEnd = 8 + 8 + 13 + 4;  // signature, length+type, data, CRC
    if (b.size() < kIhdrEnd || Be32(b, 8) != 13 || b.substr(12, 4) != "IHDR") {
        return "the PNG file does not start with a valid IHDR chunk";
    }
    return CheckDimensions(out, Be32(b, 16), Be32(b, 20));
}

// JPEG: walk the marker segments after SOI up to the first frame header (SOFn), which holds the size.
std::string InspectJpeg(std::string_view b, ImageInspection& out) {
    std::size_t at = 2;
    while (at + 4 <= b.size()) {
        if (static_cast<unsigned char>(b[at]) != 0xFF) {
            return "the JPEG file has a malformed segment before its frame header";
        }
        const auto marker = static_cast<unsigned char>(b[at + 1]);
        if (marker == 0xFF) {
            ++at;  // fill byte
            continue;
        }
        if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
            at += 2;  // markers without a length
            continue;
        }
        if (marker == 0xDA || marker == 0xD9) {
            return "the JPEG file has no frame header before its image data";
        }
        const auto length = Be16(b, at + 2);
        if (length < 2 || at + 2 + length > b.size()) {
            return "the JPEG file has a truncated segment";
        }
        const bool is_frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (is_frame) {
            if (length < 8) {
                return "the JPEG frame header is truncated";
            }
            return CheckDimensions(out, Be16(b, at + 7), Be16(b, at + 5));  // precision, height, width
        }
        at += 2 + length;
    }
    return "the JPEG file ends before its frame header";
}

}  // namespace

ImageInspection InspectImage(std::string_view bytes, ImageFormat format) {
    ImageInspection out;
    out.problem = format == ImageFormat::kPng ? InspectPng(bytes, out) : InspectJpeg(bytes, out);
    if (out.problem.empty()) {
        if (auto token = FindMarkup(bytes)) {
            out.problem = "the image contains markup (" + std::string(*token) +
                          "): files that are also HTML, SVG or script are refused";
        }
    }
    return out;
}

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
