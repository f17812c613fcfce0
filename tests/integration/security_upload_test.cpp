// Hostile image uploads against the real API and S3: files that lie about their type, polyglots (an image
// that is also HTML/JS), SVG with script, and decompression bombs (a header that claims huge dimensions).
// Each gets a 400 problem naming the `image` field, and nothing is stored. docs/SECURITY.md cites these.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "domain/item_image.hpp"
#include "support/api_assertions.hpp"
#include "support/image_support.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

std::string Be32(std::uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

// A PNG whose IHDR declares width x height (the pixel data need not exist for the header to lie).
std::string PngDeclaring(std::uint32_t width, std::uint32_t height) {
    std::string png("\x89PNG\r\n\x1a\n", 8);
    png += Be32(13) + "IHDR" + Be32(width) + Be32(height) + std::string("\x08\x02\x00\x00\x00", 5) + Be32(0);
    png += std::string(200, '\x11');
    return png;
}

// A JPEG whose baseline frame header declares width x height.
std::string JpegDeclaring(std::uint16_t width, std::uint16_t height) {
    std::string jpeg("\xFF\xD8\xFF\xC0\x00\x11\x08", 7);
    jpeg += static_cast<char>(height >> 8);
    jpeg += static_cast<char>(height & 0xFF);
    jpeg += static_cast<char>(width >> 8);
    jpeg += static_cast<char>(width & 0xFF);
    jpeg += std::string("\x03\x01\x11\x00\x02\x11\x01\x03\x11\x01", 10);
    jpeg += std::string(200, '\x22');
    return jpeg;
}

class SecurityUpload : public ::testing::Test {
protected:
    void SetUp() override {
        client_ = std::make_unique<HttpClient>(ApiServer::Shared().port());
        seller_ = UniqueUser("up");
        auto res = client_->PostJson("/api/v1/items", SampleItem(), seller_);
        ASSERT_EQ(res.status, 201) << res.body;
        item_id_ = std::string(res.Json().at("id").as_string());
    }

    // 400 problem with an `image` field error whose detail mentions `why`; nothing stored.
    void ExpectRefused(const std::string& bytes, const std::string& part_type, const std::string& why) {
        auto res = UploadImage(*client_, item_id_, seller_, bytes, "photo.png", part_type);
        ExpectProblem(res, 400);
        if (res.Header("content-type") == "application/problem+json") {
            EXPECT_TRUE(HasFieldError(res, "image")) << res.body;
            EXPECT_NE(std::string(res.Json().at("detail").as_string()).find(why), std::string::npos) << res.body;
        }
        EXPECT_EQ(ImageRowCount(item_id_), 0);
        EXPECT_TRUE(ObjectKeysOfItem(item_id_).empty());
    }

    std::unique_ptr<HttpClient> client_;
    std::string seller_;
    std::string item_id_;
};

TEST_F(SecurityUpload, HtmlOrSvgClaimingToBeAnImageIsRefused) {
    ExpectRefused("<html><body><script>alert(document.cookie)</script></body></html>", "image/png",
                  "must be a PNG or JPEG");
    ExpectRefused(
        "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\">"
        "<script>alert(1)</script></svg>",
        "image/svg+xml", "must be a PNG or JPEG");
    ExpectRefused("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>", "image/png",
                  "must be a PNG or JPEG");
    ExpectRefused("GIF89a\x01\x00\x01\x00<script>alert(1)</script>", "image/gif", "must be a PNG or JPEG");
}

TEST_F(SecurityUpload, PolyglotsThatAreAlsoHtmlOrScriptAreRefused) {
    // A valid JPEG header with a comment segment holding HTML, as in the classic JPEG/HTML polyglot.
    std::string jpeg_html = JpegBytes(64);
    const std::string html = "<html><script>alert(1)</script></html>";
    jpeg_html.insert(2, std::string("\xFF\xFE", 2) + static_cast<char>(0) + static_cast<char>(html.size() + 2) + html);
    ExpectRefused(jpeg_html, "image/jpeg", "markup");
    // A valid PNG with a script appended after the image data (GIFAR-style trailer).
    ExpectRefused(PngBytes(300) + "<script src=//evil.example/x.js></script>", "image/png", "markup");
    // Script hidden deep inside a large file, far past the sniffing window, is still found.
    std::string deep = JpegBytes(2 * 1024 * 1024);
    deep.replace(1024 * 1024, 8, "<SCRIPT>");
    ExpectRefused(deep, "image/jpeg", "markup");
    ExpectRefused(PngBytes(300) + "javascript:alert(1)", "image/png", "markup");
}

TEST_F(SecurityUpload, HeadersClaimingHugeDimensionsAreRefused) {
    ExpectRefused(PngDeclaring(100000, 100000), "image/png", "100000x100000");
    ExpectRefused(PngDeclaring(16384, 16384), "image/png", "16384x16384");  // 268 Mpx: over the pixel budget
    ExpectRefused(PngDeclaring(0, 10), "image/png", "zero");
    ExpectRefused(PngDeclaring(0xFFFFFFFF, 1), "image/png", "pixels");
    ExpectRefused(JpegDeclaring(65535, 65535), "image/jpeg", "65535x65535");
    // A header that is cut short or malformed is not an image.
    ExpectRefused(std::string("\x89PNG\r\n\x1a\n", 8) + "garbage-not-ihdr-chunk-at-all!!", "image/png", "IHDR");
    ExpectRefused(std::string("\xFF\xD8\xFF\xDA\x00\x02", 6) + std::string(100, 'x'), "image/jpeg", "frame header");
    ExpectRefused(std::string("\xFF\xD8\xFF\xE0\xFF\xFF", 6), "image/jpeg", "truncated");
    // Sizes within the limits are accepted (a 8000x6000 camera photo).
    auto ok = UploadImage(*client_, item_id_, seller_, JpegDeclaring(8000, 6000), "camera.jpg", "image/jpeg");
    EXPECT_EQ(ok.status, 201) << ok.body;
}

TEST_F(SecurityUpload, AFileLyingAboutItsTypeIsStoredAsWhatItReallyIs) {
    // The part's Content-Type and file name are claims; the bytes decide (SPEC: "judged by the file's
    // bytes"). A JPEG sent as image/png is stored and served as image/jpeg with a .jpg key, so the claim
    // cannot make storage serve it under another type.
    auto res = UploadImage(*client_, item_id_, seller_, JpegBytes(), "evil.png", "image/png");
    ASSERT_EQ(res.status, 201) << res.body;
    EXPECT_EQ(res.Json().at("contentType").as_string(), "image/jpeg");
    const auto keys = ObjectKeysOfItem(item_id_);
    ASSERT_EQ(keys.size(), 1U);
    EXPECT_EQ(keys[0].substr(keys[0].size() - 4), ".jpg");
    auto object = TestS3().HeadObject(keys[0]);
    ASSERT_TRUE(object);
    EXPECT_EQ(object->content_type, "image/jpeg");
    // And a file name with a path or script in it goes nowhere: the key is the server's own.
    auto sneaky = UploadImage(*client_, item_id_, seller_, PngBytes(), "../../etc/<script>.html", "text/html");
    ASSERT_EQ(sneaky.status, 201) << sneaky.body;
    const auto url = std::string(sneaky.Json().at("imageUrl").as_string());
    EXPECT_EQ(url.find(".."), std::string::npos);
    EXPECT_EQ(url.find("script"), std::string::npos);
    EXPECT_EQ(url.substr(url.size() - 4), ".png");
}

}  // namespace
}  // namespace auction::testing
