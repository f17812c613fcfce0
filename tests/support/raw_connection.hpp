#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace auction::testing {

/// A plain TCP connection to a server on loopback, for requests no HTTP client would send (unparsable
/// bytes, slow or oversized headers, held-open connections).
class RawConnection {
public:
    explicit RawConnection(unsigned short port);
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    bool connected() const { return connected_; }

    /// False when the server has closed (or reset) the connection.
    bool Send(std::string_view data);

    /// Reads until the server closes the connection or `timeout` passes; `closed` tells which.
    std::string ReadAll(std::chrono::milliseconds timeout, bool& closed);

    /// Reads one response (up to the end of a Content-Length body) without waiting for a close.
    std::string ReadResponse(std::chrono::milliseconds timeout);

private:
    int fd_;
    bool connected_ = false;
};

/// The first line of a raw HTTP response.
std::string StatusLine(const std::string& response);

}  // namespace auction::testing
