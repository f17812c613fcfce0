#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "app/router.hpp"

namespace auction::app {

struct ServerOptions {
    std::size_t body_limit = 1024 * 1024;  // default; a route may have its own (Router::SetBodyLimit)
    std::size_t header_limit = 16 * 1024;
    std::size_t max_connections = 10000;  // beyond it a new connection is closed at once
    std::size_t max_header_fields = 100;  // more header fields than this: 400 and close
    // From a request's first byte to the end of its header (slowloris bound); idle_timeout covers the wait
    // for that first byte.
    std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
    std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};
};

/// HTTP/1.1 server on Beast with C++20 coroutines, one coroutine per connection (after Beast's
/// advanced_server_flex_awaitable): keep-alive, body/header limits, timeouts, and graceful stop.
class HttpServer {
public:
    HttpServer(boost::asio::io_context& io, Router& router, ServerOptions options);

    /// Binds and starts accepting; returns the bound port (useful with port 0).
    unsigned short Listen(const std::string& address, unsigned short port);
    /// The drain before a stop: the server keeps accepting and answering (a load balancer still sends requests
    /// until it sees /readyz fail), but every answer from now on carries `Connection: close` and ends its
    /// connection, so no client keeps one that is about to go. Idle connections are left alone: closing one
    /// could race a request the client is sending on it.
    void BeginDrain();
    /// Stops accepting and closes idle connections, between requests only: a connection whose next request has
    /// begun to arrive (a byte of it) is busy, is answered with `Connection: close`, then closes.
    void Stop();
    /// Blocks until no connection is open or the timeout passes; true when drained.
    bool WaitDrained(std::chrono::milliseconds timeout);
    std::size_t OpenConnections() const;

private:
    struct Connection {
        boost::beast::tcp_stream* stream = nullptr;
        // From a request's first byte until its answer is written; guarded by the server mutex.
        bool busy = false;
    };

    boost::asio::awaitable<void> Accept();
    boost::asio::awaitable<void> Serve(boost::beast::tcp_stream stream, std::uint64_t id);
    /// The body limit of a request's route (from its request line), else the server's default.
    BodyLimit LimitFor(const Request& header) const;
    void MarkBusy(std::uint64_t id, bool busy);
    void Forget(std::uint64_t id);

    boost::asio::io_context& io_;
    Router& router_;
    ServerOptions options_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::atomic<bool> draining_{false};  // answers carry Connection: close (set by BeginDrain and Stop)
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    std::condition_variable drained_;
    std::unordered_map<std::uint64_t, Connection> connections_;
    std::uint64_t next_id_ = 0;
};

}  // namespace auction::app
