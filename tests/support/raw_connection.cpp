#include "support/raw_connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

namespace auction::testing {

using Clock = std::chrono::steady_clock;

RawConnection::RawConnection(unsigned short port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
}

RawConnection::~RawConnection() {
    ::close(fd_);
}

bool RawConnection::Send(std::string_view data) {
    return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
}

std::string RawConnection::ReadAll(std::chrono::milliseconds timeout, bool& closed) {
    std::string out;
    closed = false;
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        pollfd p{fd_, POLLIN, 0};
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (::poll(&p, 1, static_cast<int>(std::max<long long>(1, left.count()))) <= 0) {
            continue;
        }
        char buf[8192];
        const auto n = ::recv(fd_, buf, sizeof(buf), 0);
        if (n <= 0) {
            closed = true;
            return out;
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

std::string RawConnection::ReadResponse(std::chrono::milliseconds timeout) {
    std::string out;
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        const auto header_end = out.find("\r\n\r\n");
        if (header_end != std::string::npos) {
            const auto cl = out.find("Content-Length: ");
            if (cl != std::string::npos && cl < header_end) {
                const auto length = std::stoul(out.substr(cl + 16));
                if (out.size() >= header_end + 4 + length) {
                    return out;
                }
            }
        }
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) {
            continue;
        }
        char buf[8192];
        const auto n = ::recv(fd_, buf, sizeof(buf), 0);
        if (n <= 0) {
            return out;
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

std::string StatusLine(const std::string& response) {
    return response.substr(0, response.find("\r\n"));
}

}  // namespace auction::testing
