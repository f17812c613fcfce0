#include "pkg/multipart/multipart.hpp"

#include <gtest/gtest.h>

#include <string>

namespace auction::multipart {
namespace {

constexpr std::string_view kBoundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

std::string Body(const std::string& parts) {
    return parts + "--" + std::string(kBoundary) + "--\r\n";
}

std::string FilePart(const std::string& name, const std::string& content, const std::string& extra_headers = "") {
    return "--" + std::string(kBoundary) + "\r\nContent-Disposition: form-data; name=\"" + name +
           "\"; filename=\"photo.png\"\r\nContent-Type: image/png\r\n" + extra_headers + "\r\n" + content + "\r\n";
}

TEST(MultipartBoundary, ReadsTokenAndQuotedBoundaries) {
    bool form = false;
    EXPECT_EQ(BoundaryFromContentType("multipart/form-data; boundary=abc123", form), "abc123");
    EXPECT_TRUE(form);
    EXPECT_EQ(BoundaryFromContentType("Multipart/Form-Data;BOUNDARY=\"a b'()+_,-./:=?\"", form), "a b'()+_,-./:=?");
    EXPECT_EQ(BoundaryFromContentType("multipart/form-data; charset=utf-8; boundary=x", form), "x");
}

TEST(MultipartBoundary, RefusesMissingOrInvalidBoundaries) {
    bool form = false;
    EXPECT_FALSE(BoundaryFromContentType("application/json", form));
    EXPECT_FALSE(form);
    EXPECT_FALSE(BoundaryFromContentType("multipart/mixed; boundary=x", form));
    EXPECT_FALSE(form);
    for (const char* bad :
         {"multipart/form-data", "multipart/form-data;", "multipart/form-data; boundary=",
          "multipart/form-data; boundary=\"\"", "multipart/form-data; boundary=\"ends in space \"",
          "multipart/form-data; boundary=\"unterminated", "multipart/form-data; boundary=a; boundary=b",
          "multipart/form-data; boundary=semi\"quote", "multipart/form-data; boundary=\"back\\\\slash\""}) {
        SCOPED_TRACE(bad);
        EXPECT_FALSE(BoundaryFromContentType(bad, form));
        EXPECT_TRUE(form);
    }
    EXPECT_FALSE(BoundaryFromContentType("multipart/form-data; boundary=" + std::string(71, 'a'), form));
    EXPECT_EQ(BoundaryFromContentType("multipart/form-data; boundary=" + std::string(70, 'a'), form),
              std::string(70, 'a'));
}

TEST(MultipartParse, ReadsFieldsAndFilesWithoutCopying) {
    const std::string body =
        Body("--" + std::string(kBoundary) + "\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n" +
             FilePart("image", std::string("\x89PNG\r\n\x1a\nrest\r\n--almost", 20)));
    const auto result = Parse(body, kBoundary);
    ASSERT_EQ(result.error, Error::kNone);
    ASSERT_EQ(result.parts.size(), 2U);
    EXPECT_EQ(result.parts[0].name, "title");
    EXPECT_FALSE(result.parts[0].filename);
    EXPECT_EQ(result.parts[0].body, "hello");
    EXPECT_EQ(result.parts[1].name, "image");
    EXPECT_EQ(result.parts[1].filename, "photo.png");
    EXPECT_EQ(result.parts[1].content_type, "image/png");
    EXPECT_EQ(result.parts[1].body, std::string_view("\x89PNG\r\n\x1a\nrest\r\n--almost", 20));
    // Views into the body itself.
    EXPECT_GE(result.parts[1].body.data(), body.data());
    EXPECT_LE(result.parts[1].body.data() + result.parts[1].body.size(), body.data() + body.size());
}

TEST(MultipartParse, AcceptsEmptyPartsPaddingAndEpilogue) {
    const std::string body = "--" + std::string(kBoundary) +
                             " \t\r\nContent-Disposition: form-data; name=image\r\n\r\n" + "\r\n--" +
                             std::string(kBoundary) + "--ignored epilogue";
    const auto result = Parse(body, kBoundary);
    ASSERT_EQ(result.error, Error::kNone);
    ASSERT_EQ(result.parts.size(), 1U);
    EXPECT_EQ(result.parts[0].name, "image");
    EXPECT_TRUE(result.parts[0].body.empty());
    EXPECT_EQ(Parse("--" + std::string(kBoundary) + "--", kBoundary).parts.size(), 0U);
}

TEST(MultipartParse, RefusesMalformedBodies) {
    const std::string b(kBoundary);
    const std::string disposition = "Content-Disposition: form-data; name=\"image\"\r\n";
    const std::vector<std::pair<std::string, Error>> cases = {
        {"", Error::kNoOpeningBoundary},
        {"preamble\r\n--" + b + "\r\n" + disposition + "\r\nx\r\n--" + b + "--", Error::kNoOpeningBoundary},
        {"--" + b + "X\r\n" + disposition + "\r\nx\r\n--" + b + "--", Error::kMalformedDelimiter},
        {"--" + b + "\n" + disposition + "\r\nx\r\n--" + b + "--", Error::kMalformedDelimiter},
        {"--" + b + "\r\n" + disposition + "\r\nx\r\n--" + b + "Z\r\n", Error::kMalformedDelimiter},
        {"--" + b + "\r\n" + disposition + "\r\nno closing boundary", Error::kUnterminated},
        {"--" + b + "\r\n" + disposition + "\r\nx\r\n--" + b, Error::kUnterminated},
        {"--" + b + "\r\n" + disposition, Error::kUnterminated},
        {"--" + b + "\r\nContent-Type: image/png\r\n\r\nx\r\n--" + b + "--", Error::kMissingDisposition},
        {"--" + b + "\r\nContent-Disposition: attachment; name=\"image\"\r\n\r\nx\r\n--" + b + "--",
         Error::kMissingDisposition},
        {"--" + b + "\r\nContent-Disposition: form-data; filename=\"a.png\"\r\n\r\nx\r\n--" + b + "--",
         Error::kMissingDisposition},
        {"--" + b + "\r\nContent-Disposition: form-data; name=\"open\r\n\r\nx\r\n--" + b + "--",
         Error::kMissingDisposition},
        {"--" + b + "\r\n" + disposition + disposition + "\r\nx\r\n--" + b + "--", Error::kMalformedHeader},
        {"--" + b + "\r\n" + disposition + " folded\r\n\r\nx\r\n--" + b + "--", Error::kMalformedHeader},
        {"--" + b + "\r\n" + disposition + "no colon\r\n\r\nx\r\n--" + b + "--", Error::kMalformedHeader},
        {"--" + b + "\r\n" + disposition + "Bad Name: x\r\n\r\nx\r\n--" + b + "--", Error::kMalformedHeader},
    };
    for (const auto& [body, expected] : cases) {
        SCOPED_TRACE(body);
        EXPECT_EQ(Parse(body, kBoundary).error, expected);
        EXPECT_NE(Describe(expected), "");
    }
}

TEST(MultipartParse, EnforcesItsLimits) {
    Limits limits;
    limits.max_parts = 2;
    std::string parts;
    for (int i = 0; i < 3; ++i) {
        parts += FilePart("f" + std::to_string(i), "x");
    }
    EXPECT_EQ(Parse(Body(parts), kBoundary, limits).error, Error::kTooManyParts);
    limits.max_parts = 3;
    EXPECT_EQ(Parse(Body(parts), kBoundary, limits).error, Error::kNone);

    Limits small;
    small.max_header_bytes = 128;
    EXPECT_EQ(Parse(Body(FilePart("image", "x", "X-Long: " + std::string(200, 'a') + "\r\n")), kBoundary, small).error,
              Error::kHeaderTooLarge);
    small.max_header_bytes = 4096;
    small.max_headers = 3;
    EXPECT_EQ(Parse(Body(FilePart("image", "x", "A: 1\r\nB: 2\r\n")), kBoundary, small).error, Error::kHeaderTooLarge);
    EXPECT_EQ(Parse(Body(FilePart("image", "x", "A: 1\r\n")), kBoundary, small).error, Error::kNone);
}

}  // namespace
}  // namespace auction::multipart
