// Image rules without I/O: format sniffing by magic bytes, storage keys, public and request URLs, JSON.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "domain/item_events.hpp"
#include "domain/item_image.hpp"
#include "pkg/aws/s3_client.hpp"
#include "pkg/events/events.hpp"

namespace auction {
namespace {

using domain::ImageFormat;

TEST(SniffImageFormat, JudgesByMagicBytesOnly) {
    EXPECT_EQ(domain::SniffImageFormat(std::string_view("\x89PNG\r\n\x1a\n", 8)), ImageFormat::kPng);
    EXPECT_EQ(domain::SniffImageFormat(std::string_view("\x89PNG\r\n\x1a\nIHDR...", 15)), ImageFormat::kPng);
    EXPECT_EQ(domain::SniffImageFormat("\xFF\xD8\xFF\xE0JFIF"), ImageFormat::kJpeg);
    EXPECT_EQ(domain::SniffImageFormat("\xFF\xD8\xFF"), ImageFormat::kJpeg);
    for (std::string_view other :
         {std::string_view(""), std::string_view("\x89PNG\r\n\x1a", 7), std::string_view("\xFF\xD8"),
          std::string_view("GIF89a"), std::string_view("<svg xmlns=...>"), std::string_view("\x89png\r\n\x1a\n", 8)}) {
        EXPECT_FALSE(domain::SniffImageFormat(other)) << other;
    }
    EXPECT_EQ(domain::ContentTypeOf(ImageFormat::kPng), "image/png");
    EXPECT_EQ(domain::ContentTypeOf(ImageFormat::kJpeg), "image/jpeg");
}

TEST(ImageObjectKey, FollowsTheDesignsPattern) {
    EXPECT_EQ(domain::ImageObjectKey("abc123-def456", "78910-xyz123", ImageFormat::kJpeg),
              "items/abc123-def456/78910-xyz123.jpg");
    EXPECT_EQ(domain::ImageObjectKey("i", "m", ImageFormat::kPng), "items/i/m.png");
}

TEST(ObjectUrl, UsesTheEndpointPathStyleOrTheAwsVirtualHost) {
    config::AwsConfig minio;
    minio.endpoint = "http://localhost:9000";
    minio.bucket = "auction-images";
    EXPECT_EQ(aws::ObjectUrl(minio, "items/abc123/image.jpg"),
              "http://localhost:9000/auction-images/items/abc123/image.jpg");
    minio.endpoint = "http://localhost:9000/";  // a trailing slash does not double
    EXPECT_EQ(aws::ObjectUrl(minio, "items/a/b.png"), "http://localhost:9000/auction-images/items/a/b.png");
    EXPECT_EQ(aws::RequestUrl(minio, "items/a/b.png"), "http://localhost:9000/auction-images/items/a/b.png");
    EXPECT_EQ(aws::RequestUrl(minio, ""), "http://localhost:9000/auction-images");

    config::AwsConfig s3;
    s3.region = "eu-central-1";
    s3.bucket = "auction-images";
    EXPECT_EQ(aws::ObjectUrl(s3, "items/abc123/image.jpg"),
              "https://auction-images.s3.eu-central-1.amazonaws.com/items/abc123/image.jpg");
    EXPECT_EQ(aws::RequestUrl(s3, "items/abc123/image.jpg"), aws::ObjectUrl(s3, "items/abc123/image.jpg"));
    // Keys are URI-encoded per segment (ours never need it, but a key is any string to S3).
    EXPECT_EQ(aws::ObjectUrl(s3, "a b/c+d"), "https://auction-images.s3.eu-central-1.amazonaws.com/a%20b/c%2Bd");
}

TEST(ItemImageJson, HasThePublicFieldsAndTheEventsTheirPayloads) {
    domain::ItemImage image;
    image.id = "0190b6a0-0000-7000-8000-000000000001";
    image.item_id = "0190b6a0-0000-7000-8000-000000000002";
    image.object_key = "items/x/y.png";
    image.image_url = "http://localhost:9000/auction-images/items/x/y.png";
    image.display_order = 3;
    image.content_type = "image/png";
    image.size_bytes = 1234;
    image.created_at = 1705312800000000;  // 2024-01-15T10:00:00Z
    const boost::json::object expected{{"id", image.id},
                                       {"itemId", image.item_id},
                                       {"imageUrl", image.image_url},
                                       {"displayOrder", 3},
                                       {"contentType", "image/png"},
                                       {"sizeBytes", 1234},
                                       {"createdAt", "2024-01-15T10:00:00Z"}};
    EXPECT_EQ(boost::json::value_from(image), boost::json::value(expected));

    const boost::json::object uploaded{{"id", image.id},
                                       {"itemId", image.item_id},
                                       {"imageUrl", image.image_url},
                                       {"createdAt", "2024-01-15T10:00:00Z"}};
    EXPECT_EQ(domain::ImageUploadedPayload(image), uploaded);
    const boost::json::object deleted{{"id", image.id},
                                      {"itemId", image.item_id},
                                      {"imageUrl", image.image_url},
                                      {"deletedAt", "2024-01-15T10:00:01Z"}};
    EXPECT_EQ(domain::ImageDeletedPayload(image, image.created_at + 1000000), deleted);
}

}  // namespace
}  // namespace auction
