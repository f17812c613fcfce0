#pragma once

#include <string>
#include <string_view>

namespace auction::encoding {

/// SHA-256 of `bytes` (OpenSSL), as lower-case hex.
std::string Sha256Hex(std::string_view bytes);

/// An incremental SHA-256 (for digests of several pieces without concatenating them).
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    /// Adds `bytes` prefixed with their length, so ("ab","c") and ("a","bc") digest differently.
    Sha256& Field(std::string_view bytes);
    /// Lower-case hex of the digest; the object is done after it.
    std::string Hex();

private:
    void* ctx_;  // EVP_MD_CTX, kept out of the header
};

}  // namespace auction::encoding
