#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pkg/aws/s3_client.hpp"
#include "support/test_env.hpp"

namespace auction::testing {

/// One part of a multipart/form-data body built by a test.
struct FormPart {
    std::string name;
    std::optional<std::string> filename;
    std::string content_type;  // empty: no Content-Type header in the part
    std::string content;
};

inline constexpr const char* kTestBoundary = "----AuctionTestBoundary7MA4YWxkTrZu0gW";

/// A multipart/form-data body with kTestBoundary, as curl -F or a browser would send it.
std::string MultipartBody(const std::vector<FormPart>& parts);
/// Bytes that start with the PNG (or JPEG) signature, `size` bytes in all.
std::string PngBytes(std::size_t size = 256);
std::string JpegBytes(std::size_t size = 256);

/// POST /api/v1/items/{item}/images with one `image` part (or the given body and Content-Type).
HttpResult UploadImage(HttpClient& client, const std::string& item_id, const std::string& user,
                       const std::string& bytes, const std::string& filename = "photo.png",
                       const std::string& part_type = "image/png", const std::string& trace = "");
HttpResult PostMultipart(HttpClient& client, const std::string& item_id, const std::string& user,
                         const std::string& body, const std::string& content_type);

/// An S3 client with the test configuration (the local s3rver), for checking objects directly.
aws::S3Client& TestS3();
/// Keys stored under items/{item_id}/.
std::vector<std::string> ObjectKeysOfItem(const std::string& item_id);

/// Runs SQL on the test database (setup only: no request data goes into it).
void ExecSql(const std::string& sql);
/// Number of item_images rows of an item.
std::int64_t ImageRowCount(const std::string& item_id);

/// Stops the local S3 server (through scripts/lib.sh) and starts it again when it goes out of scope.
class S3Outage {
public:
    S3Outage();
    ~S3Outage();
    S3Outage(const S3Outage&) = delete;
    S3Outage& operator=(const S3Outage&) = delete;
};

}  // namespace auction::testing
