#include "pkg/aws/s3_client.hpp"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>
#include <mutex>

#include "pkg/encoding/encoding.hpp"

namespace auction::aws {

namespace {

constexpr std::size_t kMaxReplyBytes = std::size_t{1024} * 1024;  // error documents and listings; objects are not read

struct CurlDeleter {
    void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct SlistDeleter {
    void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};

void InitCurlOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            throw S3Error("curl_global_init failed", 0);
        }
    });
}

// One easy handle per thread, reset before each call: the handle keeps its connection cache, so
// consecutive calls on a pool thread reuse the TCP/TLS connection to the endpoint. libcurl is initialised at the
// first call, not when the client is made: its initialisation initialises OpenSSL (configuration, providers,
// error strings), about 2 MiB of resident memory that a replica which never touches S3 does not need
// (docs/PERFORMANCE.md, "Memory: where it goes and what was cut").
CURL* ThreadHandle() {
    InitCurlOnce();
    thread_local std::unique_ptr<CURL, CurlDeleter> handle(curl_easy_init());
    if (!handle) {
        throw S3Error("curl_easy_init failed", 0);
    }
    curl_easy_reset(handle.get());
    return handle.get();
}

std::size_t AppendReply(char* data, std::size_t size, std::size_t count, void* user) {
    auto* out = static_cast<std::string*>(user);
    const std::size_t n = size * count;
    if (out->size() + n > kMaxReplyBytes) {
        return 0;  // curl fails the transfer with CURLE_WRITE_ERROR
    }
    out->append(data, n);
    return n;
}

std::string Sha256Hex(std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
        throw S3Error("SHA-256 failed", 0);
    }
    return encoding::LowerHex(std::string_view(reinterpret_cast<const char*>(digest.data()), length));
}

// URI-encodes a key for a URL path, keeping '/' (S3 keys are paths) and RFC 3986 unreserved characters.
std::string EncodePath(std::string_view key, bool keep_slash = true) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(key.size());
    for (char ch : key) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
            out += ch;
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0x0f];
        }
    }
    return out;
}

std::string_view TrimSlash(std::string_view s) {
    while (!s.empty() && s.back() == '/') {
        s.remove_suffix(1);
    }
    return s;
}

// The <Code> of an S3 error document, for logs.
std::string ErrorCode(const std::string& body) {
    const auto start = body.find("<Code>");
    const auto end = body.find("</Code>");
    if (start == std::string::npos || end == std::string::npos || end < start) {
        return "";
    }
    return body.substr(start + 6, end - start - 6);
}

}  // namespace

std::string ObjectUrl(const config::AwsConfig& c, std::string_view key) {
    if (!c.endpoint.empty()) {
        return std::string(TrimSlash(c.endpoint)) + "/" + c.bucket + "/" + EncodePath(key);
    }
    return "https://" + c.bucket + ".s3." + c.region + ".amazonaws.com/" + EncodePath(key);
}

std::string RequestUrl(const config::AwsConfig& c, std::string_view key) {
    if (!c.endpoint.empty()) {
        auto url = std::string(TrimSlash(c.endpoint)) + "/" + c.bucket;
        return key.empty() ? url : url + "/" + EncodePath(key);
    }
    return ObjectUrl(c, key);
}

S3Client::S3Client(config::AwsConfig config, S3Options options)
    : config_(std::move(config)),
      options_(options),
      sigv4_("aws:amz:" + config_.region + ":s3"),
      pool_("S3", options.threads, options.queue_limit) {}

S3Client::~S3Client() {
    pool_.Stop();
}

S3Client::Reply S3Client::Perform(const char* method, const std::string& url, std::string_view body,
                                  const std::string& content_type, std::initializer_list<long> expected) const {
    CURL* h = ThreadHandle();
    std::array<char, CURL_ERROR_SIZE> error{};
    Reply reply;
    CURLcode rc = CURLE_OK;
    auto set = [&](CURLoption option, auto value) {
        if (rc == CURLE_OK) {
            rc = curl_easy_setopt(h, option, value);
        }
    };
    const std::string method_name(method);
    set(CURLOPT_URL, url.c_str());
    set(CURLOPT_ERRORBUFFER, error.data());
    set(CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: we run on many threads
    set(CURLOPT_PROTOCOLS_STR, "http,https");
    set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
    set(CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
    set(CURLOPT_AWS_SIGV4, sigv4_.c_str());
    set(CURLOPT_USERNAME, config_.access_key.c_str());
    set(CURLOPT_PASSWORD, config_.secret_key.c_str());
    set(CURLOPT_WRITEFUNCTION, &AppendReply);
    set(CURLOPT_WRITEDATA, &reply.body);
    if (method_name == "HEAD") {
        set(CURLOPT_NOBODY, 1L);
    } else if (method_name == "PUT") {
        // POSTFIELDS sends the caller's bytes in place (no copy, unlike COPYPOSTFIELDS) and is what curl's
        // SigV4 hashes; CUSTOMREQUEST makes the request a PUT.
        set(CURLOPT_CUSTOMREQUEST, "PUT");
        set(CURLOPT_POSTFIELDS, body.empty() ? "" : body.data());
        set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    } else if (method_name != "GET") {
        set(CURLOPT_CUSTOMREQUEST, method);
    }
    // S3 requires the payload hash in x-amz-content-sha256, signed; curl signs every header we pass.
    std::unique_ptr<curl_slist, SlistDeleter> headers;
    auto add_header = [&headers](const std::string& line) {
        curl_slist* next = curl_slist_append(headers.get(), line.c_str());
        if (next == nullptr) {
            throw S3Error("curl_slist_append failed", 0);
        }
        static_cast<void>(headers.release());
        headers.reset(next);
    };
    add_header("x-amz-content-sha256: " + Sha256Hex(body));
    if (!content_type.empty()) {
        add_header("Content-Type: " + content_type);
    }
    set(CURLOPT_HTTPHEADER, headers.get());
    if (rc == CURLE_OK) {
        rc = curl_easy_perform(h);
    }
    if (rc != CURLE_OK) {
        throw S3Error(std::string(method) + " " + url + ": " + curl_easy_strerror(rc) +
                          (error[0] != '\0' ? std::string(" (") + error.data() + ")" : std::string()),
                      0);
    }
    curl_off_t length = -1;
    const char* type = nullptr;
    if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status) != CURLE_OK ||
        curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) != CURLE_OK ||
        curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &type) != CURLE_OK) {
        throw S3Error(std::string(method) + " " + url + ": curl_easy_getinfo failed", 0);
    }
    reply.content_length = length;
    reply.content_type = type != nullptr ? type : "";
    if (std::find(expected.begin(), expected.end(), reply.status) == expected.end()) {
        const auto code = ErrorCode(reply.body);
        throw S3Error(std::string(method) + " " + url + ": HTTP " + std::to_string(reply.status) +
                          (code.empty() ? std::string() : " " + code),
                      reply.status);
    }
    return reply;
}

void S3Client::PutObject(const std::string& key, std::string_view bytes, const std::string& content_type) const {
    Perform("PUT", RequestUrl(config_, key), bytes, content_type, {200});
}

void S3Client::DeleteObject(const std::string& key) const {
    Perform("DELETE", RequestUrl(config_, key), {}, "", {200, 204});
}

void S3Client::CreateBucket() const {
    std::string body;
    if (config_.endpoint.empty() && config_.region != "us-east-1") {
        body = "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>" +
               config_.region + "</LocationConstraint></CreateBucketConfiguration>";
    }
    const auto url = RequestUrl(config_, "");
    const auto reply = Perform("PUT", url, body, body.empty() ? "" : "application/xml", {200, 409});
    if (reply.status == 409) {
        // Exists already (s3rver says BucketAlreadyExists even for its own): fine if we can reach it.
        Perform("HEAD", url, {}, "", {200});
    }
}

std::optional<ObjectInfo> S3Client::HeadObject(const std::string& key) const {
    const auto reply = Perform("HEAD", RequestUrl(config_, key), {}, "", {200, 404});
    if (reply.status == 404) {
        return std::nullopt;
    }
    return ObjectInfo{reply.content_length, reply.content_type};
}

std::vector<std::string> S3Client::ListKeys(const std::string& prefix) const {
    const auto reply = Perform("GET", RequestUrl(config_, "") + "?prefix=" + EncodePath(prefix, false), {}, "", {200});
    std::vector<std::string> keys;
    for (std::size_t pos = 0;;) {
        const auto start = reply.body.find("<Key>", pos);
        const auto end = reply.body.find("</Key>", start);
        if (start == std::string::npos || end == std::string::npos) {
            return keys;
        }
        keys.push_back(reply.body.substr(start + 5, end - start - 5));
        pos = end;
    }
}

boost::asio::awaitable<void> S3Client::Put(std::string key, std::string_view bytes, std::string content_type) {
    auto work = [this, key = std::move(key), bytes, content_type = std::move(content_type)] {
        PutObject(key, bytes, content_type);
        return true;
    };
    co_await pool_.Run(std::move(work));
}

boost::asio::awaitable<void> S3Client::Delete(std::string key) {
    auto work = [this, key = std::move(key)] {
        DeleteObject(key);
        return true;
    };
    co_await pool_.Run(std::move(work));
}

}  // namespace auction::aws
