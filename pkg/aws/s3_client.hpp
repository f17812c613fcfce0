#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/config/config.hpp"
#include "pkg/errors/errors.hpp"
#include "pkg/executor/blocking_pool.hpp"

namespace auction::aws {

/// A failed S3 call: a transport failure (`status() == 0`) or an unexpected HTTP status. The message is
/// for logs only; clients get a generic "storage failure".
class S3Error : public errors::DependencyFailure {
public:
    S3Error(const std::string& message, long status) : errors::DependencyFailure(message), status_(status) {}
    long status() const noexcept { return status_; }

    errors::Error Public() const override { return errors::Error(errors::Kind::kInternal, "storage failure"); }
    const char* LogMessage() const noexcept override { return "object storage failure"; }
    void AddLogFields(boost::json::object& fields) const override { fields["status"] = status_; }

private:
    long status_;
};

/// Where a client fetches an object (the design's two URL forms):
/// `{AWS_ENDPOINT}/{AWS_BUCKET}/{key}` when an endpoint is set (MinIO, the local server), else
/// `https://{bucket}.s3.{region}.amazonaws.com/{key}`.
std::string ObjectUrl(const config::AwsConfig& config, std::string_view key);

/// The URL requests for an object go to: path-style under the endpoint when one is set, else the
/// bucket's virtual-hosted AWS endpoint (empty key: the bucket itself).
std::string RequestUrl(const config::AwsConfig& config, std::string_view key);

/// Object storage as the handlers see it; the API wires S3Client, tests may wire a fake.
class ObjectStorage {
public:
    virtual ~ObjectStorage() = default;
    /// Stores `bytes` (not copied: they must stay alive until the call completes) under `key`.
    virtual boost::asio::awaitable<void> Put(std::string key, std::string_view bytes, std::string content_type) = 0;
    /// Removes the object; removing a missing object succeeds (S3 semantics).
    virtual boost::asio::awaitable<void> Delete(std::string key) = 0;
    virtual std::string PublicUrl(std::string_view key) const = 0;
};

struct S3Options {
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(5)};
    std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};  // whole call, upload included
    int threads = 4;                                                      // concurrent S3 calls
    std::size_t queue_limit = 256;  // calls waiting for a thread before new ones fail fast
};

struct ObjectInfo {
    std::int64_t size = 0;
    std::string content_type;
};

/// A small S3 client on libcurl, signing with libcurl's AWS SigV4 (plus the x-amz-content-sha256 header
/// S3 requires, which curl 7.88 does not add). Every curl result and HTTP status is checked in one place
/// (Perform). The awaitable calls run the blocking transfers on a bounded pool of their own threads and
/// resume on the caller's executor; the blocking calls are for setup and tests.
class S3Client final : public ObjectStorage {
public:
    explicit S3Client(config::AwsConfig config, S3Options options = {});
    ~S3Client() override;
    S3Client(const S3Client&) = delete;
    S3Client& operator=(const S3Client&) = delete;

    boost::asio::awaitable<void> Put(std::string key, std::string_view bytes, std::string content_type) override;
    boost::asio::awaitable<void> Delete(std::string key) override;
    std::string PublicUrl(std::string_view key) const override { return ObjectUrl(config_, key); }

    void PutObject(const std::string& key, std::string_view bytes, const std::string& content_type) const;
    void DeleteObject(const std::string& key) const;
    /// Creates the bucket; an existing bucket owned by us is fine.
    void CreateBucket() const;
    /// nullopt when there is no such object.
    std::optional<ObjectInfo> HeadObject(const std::string& key) const;
    /// Keys under `prefix` (first 1000; enough for tests and checks).
    std::vector<std::string> ListKeys(const std::string& prefix) const;

    /// Finishes calls in flight, then stops the threads.
    void Stop() { pool_.Stop(); }

private:
    struct Reply {
        long status = 0;
        std::string body;
        std::string content_type;
        std::int64_t content_length = -1;
    };

    Reply Perform(const char* method, const std::string& url, std::string_view body, const std::string& content_type,
                  std::initializer_list<long> expected) const;

    config::AwsConfig config_;
    S3Options options_;
    std::string sigv4_;
    executor::BlockingPool pool_;
};

}  // namespace auction::aws
