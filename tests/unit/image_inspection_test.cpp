// domain::InspectImage without I/O: well-formed headers, dimension bounds (decompression bombs) and
// markup in image files (HTML/JS polyglots). The API's answers are in security_upload_test.cpp.
#include <gtest/gtest.h>

#include <string>

#include "domain/item_image.hpp"

namespace auction {
namespace {

using domain::ImageFormat;
using domain::InspectImage;

std::string Be32(std::uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string Png(std::uint32_t width, std::uint32_t height, const std::string& rest = std::string(64, '\x11')) {
    return std::string("\x89PNG\r\n\x1a\n", 8) + Be32(13) + "IHDR" + Be32(width) + Be32(height) +
           std::string("\x08\x02\x00\x00\x00", 5) + Be32(0) + rest;
}

std::string Jpeg(std::uint16_t width, std::uint16_t height, const std::string& before_frame = "") {
    std::string j("\xFF\xD8", 2);
    j += before_frame;
    j += std::string("\xFF\xC0\x00\x11\x08", 5);
    j += {static_cast<char>(height >> 8), static_cast<char>(height & 0xFF), static_cast<char>(width >> 8),
          static_cast<char>(width & 0xFF)};
    j += std::string("\x03\x01\x11\x00\x02\x11\x01\x03\x11\x01", 10);
    return j + std::string(64, '\x22');
}

TEST(InspectImage, ReadsTheDimensionsOfWellFormedHeaders) {
    auto png = InspectImage(Png(640, 480), ImageFormat::kPng);
    EXPECT_EQ(png.problem, "");
    EXPECT_EQ(png.width, 640U);
    EXPECT_EQ(png.height, 480U);
    // APP0 and a fill byte before the frame header are walked over.
    const std::string app0("\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 18);
    auto jpeg = InspectImage(Jpeg(8000, 6000, app0 + "\xFF"), ImageFormat::kJpeg);
    EXPECT_EQ(jpeg.problem, "");
    EXPECT_EQ(jpeg.width, 8000U);
    EXPECT_EQ(jpeg.height, 6000U);
    EXPECT_EQ(InspectImage(Png(16384, 4096), ImageFormat::kPng).problem, "");  // exactly 64 Mpx
}

TEST(InspectImage, RefusesDimensionsBeyondTheBudget) {
    EXPECT_NE(InspectImage(Png(100000, 100000), ImageFormat::kPng).problem, "");
    EXPECT_NE(InspectImage(Png(16385, 1), ImageFormat::kPng).problem, "");
    EXPECT_NE(InspectImage(Png(16384, 4097), ImageFormat::kPng).problem, "");  // just over 64 Mpx
    EXPECT_NE(InspectImage(Png(0, 1), ImageFormat::kPng).problem, "");
    EXPECT_NE(InspectImage(Png(0xFFFFFFFF, 0xFFFFFFFF), ImageFormat::kPng).problem, "");
    EXPECT_NE(InspectImage(Jpeg(20000, 10), ImageFormat::kJpeg).problem, "");
    EXPECT_NE(InspectImage(Jpeg(10, 0), ImageFormat::kJpeg).problem, "");
}

TEST(InspectImage, RefusesMalformedHeaders) {
    EXPECT_NE(InspectImage(Png(10, 10).substr(0, 30), ImageFormat::kPng).problem, "");
    EXPECT_NE(
        InspectImage(std::string("\x89PNG\r\n\x1a\n", 8) + Be32(13) + "IDAT" + std::string(40, 'x'), ImageFormat::kPng)
            .problem,
        "");
    EXPECT_NE(InspectImage(std::string("\xFF\xD8\xFF\xDA\x00\x02", 6), ImageFormat::kJpeg).problem, "");
    EXPECT_NE(InspectImage(std::string("\xFF\xD8\xFF\xE0\x00\x01xx", 8), ImageFormat::kJpeg).problem, "");
    EXPECT_NE(InspectImage(std::string("\xFF\xD8\x00\x00\x00\x00", 6), ImageFormat::kJpeg).problem, "");
    EXPECT_NE(InspectImage(std::string("\xFF\xD8", 2), ImageFormat::kJpeg).problem, "");
}

TEST(InspectImage, RefusesMarkupAnywhereOrInTheSniffWindow) {
    for (const char* token : {"<script", "<SCRIPT", "<iframe", "<!DOCTYPE", "<object", "<embed", "javascript:"}) {
        // Far beyond the sniffing window.
        std::string rest(100000, '\x11');
        rest.replace(90000, std::string(token).size(), token);
        EXPECT_NE(InspectImage(Png(10, 10, rest), ImageFormat::kPng).problem, "") << token;
    }
    for (const char* token : {"<html", "<svg", "<body", "<head", "<?xml", "<?php"}) {
        EXPECT_NE(InspectImage(Png(10, 10, std::string(token) + std::string(64, 'x')), ImageFormat::kPng).problem, "")
            << token;
        // The same short token deep inside compressed data is chance, not markup.
        std::string rest(100000, '\x11');
        rest.replace(90000, std::string(token).size(), token);
        EXPECT_EQ(InspectImage(Png(10, 10, rest), ImageFormat::kPng).problem, "") << token;
    }
    // Lone '<' and ':' bytes are everywhere in real images.
    EXPECT_EQ(InspectImage(Png(10, 10, std::string(1000, '<') + std::string(1000, ':')), ImageFormat::kPng).problem,
              "");
}

}  // namespace
}  // namespace auction
