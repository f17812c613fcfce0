#include "support/image_support.hpp"

#include <iostream>
#include <stdexcept>

#include "infra/postgres/connection.hpp"

namespace auction::testing {

std::string MultipartBody(const std::vector<FormPart>& parts) {
    std::string body;
    for (const auto& p : parts) {
        body += "--";
        body += kTestBoundary;
        body += "\r\nContent-Disposition: form-data; name=\"" + p.name + "\"";
        if (p.filename) {
            body += "; filename=\"" + *p.filename + "\"";
        }
        body += "\r\n";
        if (!p.content_type.empty()) {
            body += "Content-Type: " + p.content_type + "\r\n";
        }
        body += "\r\n";
        body += p.content;
        body += "\r\n";
    }
    body += "--";
    body += kTestBoundary;
    body += "--\r\n";
    return body;
}

namespace {

std::string WithMagic(std::string_view magic, std::size_t size) {
    std::string bytes(magic.substr(0, std::min(magic.size(), size)));
    bytes.reserve(size);
    for (std::size_t i = bytes.size(); i < size; ++i) {
        bytes += static_cast<char>((i * 31 + 7) % 251);  // varied bytes, CRLFs and dashes included
    }
    return bytes;
}

}  // namespace

// The server checks more than the magic bytes (domain::InspectImage): the fixtures start with a real
// header (a 1x1 image) and only then turn into filler.
std::string PngBytes(std::size_t size) {
    // Signature, then IHDR: length 13, width 1, height 1, 8-bit RGB, and a CRC.
    static constexpr char kHeader[] =
        "\x89PNG\r\n\x1a\n"
        "\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90\x77\x53\xde";
    return WithMagic(std::string_view(kHeader, sizeof(kHeader) - 1), size);
}

std::string JpegBytes(std::size_t size) {
    // SOI, a JFIF APP0 segment, then a baseline frame header (SOF0) for 1x1 with three components.
    static constexpr char kHeader[] =
        "\xFF\xD8"
        "\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        "\xFF\xC0\x00\x11\x08\x00\x01\x00\x01\x03\x01\x11\x00\x02\x11\x01\x03\x11\x01";
    return WithMagic(std::string_view(kHeader, sizeof(kHeader) - 1), size);
}

HttpResult PostMultipart(HttpClient& client, const std::string& item_id, const std::string& user,
                         const std::string& body, const std::string& content_type) {
    std::map<std::string, std::string> headers{{"Content-Type", content_type}};
    if (!user.empty()) {
        headers["X-User-ID"] = user;
    }
    return client.Request("POST", "/api/v1/items/" + item_id + "/images", body, std::move(headers));
}

HttpResult UploadImage(HttpClient& client, const std::string& item_id, const std::string& user,
                       const std::string& bytes, const std::string& filename, const std::string& part_type,
                       const std::string& trace) {
    std::map<std::string, std::string> headers{
        {"Content-Type", std::string("multipart/form-data; boundary=") + kTestBoundary}};
    if (!user.empty()) {
        headers["X-User-ID"] = user;
    }
    if (!trace.empty()) {
        headers["X-Trace-Id"] = trace;
    }
    const auto body = MultipartBody({{"image", filename, part_type, bytes}});
    return client.Request("POST", "/api/v1/items/" + item_id + "/images", body, std::move(headers));
}

aws::S3Client& TestS3() {
    static aws::S3Client client(TestApiConfig().aws, aws::S3Options{.threads = 1});
    return client;
}

std::vector<std::string> ObjectKeysOfItem(const std::string& item_id) {
    return TestS3().ListKeys("items/" + item_id + "/");
}

void ExecSql(const std::string& sql) {
    auto conn =
        postgres::PgConnection::Connect(TestApiConfig().postgres.ConnInfo("images-test"), std::chrono::seconds(10));
    conn->Exec(sql);
}

std::int64_t ImageRowCount(const std::string& item_id) {
    auto conn =
        postgres::PgConnection::Connect(TestApiConfig().postgres.ConnInfo("images-test"), std::chrono::seconds(10));
    return conn->ExecParams("SELECT count(*) FROM item_images WHERE item_id = $1::uuid", {item_id}).Int64(0, 0);
}

S3Outage::S3Outage() {
    if (RunScriptFunction("auction_stop_s3") != 0) {
        throw std::runtime_error("auction_stop_s3 failed");
    }
}

S3Outage::~S3Outage() {
    if (RunScriptFunction("auction_start_s3") != 0) {
        std::cerr << "auction_start_s3 failed: later image tests will fail\n";
    }
}

}  // namespace auction::testing
