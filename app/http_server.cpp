#include "app/http_server.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <iterator>
#include <vector>

#include "pkg/logging/logger.hpp"

namespace auction::app {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using errors::Error;
using errors::Kind;

namespace {
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

/// True when the client's next request has begun to arrive: bytes in our buffer or in the socket's. Closing
/// then would make the kernel reset the connection under a request the client has sent.
bool RequestStarted(beast::tcp_stream& stream, const beast::flat_buffer& buffer) {
    if (buffer.size() > 0) {
        return true;
    }
    beast::error_code ec;
    const std::size_t pending = stream.socket().available(ec);
    return !ec && pending > 0;
}
}  // namespace

HttpServer::HttpServer(asio::io_context& io, Router& router, ServerOptions options)
    : io_(io), router_(router), options_(options), acceptor_(io) {}

unsigned short HttpServer::Listen(const std::string& address, unsigned short port) {
    tcp::endpoint endpoint(asio::ip::make_address(address), port);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
    asio::co_spawn(acceptor_.get_executor(), Accept(), asio::detached);
    return acceptor_.local_endpoint().port();
}

asio::awaitable<void> HttpServer::Accept() {
    for (;;) {
        auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(io_), kUseTuple);
        if (ec) {
            if (stopping_ || ec == asio::error::operation_aborted) {
                co_return;
            }
            // Out of descriptors and the like: log, pause briefly, keep serving.
            logging::Warn("accept failed", {{"error", ec.message()}});
            asio::steady_timer pause(io_, std::chrono::milliseconds(50));
            co_await pause.async_wait(kUseTuple);
            continue;
        }
        std::uint64_t id = 0;
        {
            std::lock_guard lock(mutex_);
            if (connections_.size() >= options_.max_connections) {
                beast::error_code ignored;
                socket.close(ignored);  // over the connection limit: refuse rather than queue
                continue;
            }
            id = ++next_id_;
            connections_[id] = Connection{};
        }
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        auto executor = socket.get_executor();
        asio::co_spawn(executor, Serve(beast::tcp_stream(std::move(socket)), id), asio::detached);
    }
}

BodyLimit HttpServer::LimitFor(const Request& header) const {
    if (const auto* route = router_.BodyLimitFor(header.method(), header.target())) {
        return *route;
    }
    return BodyLimit{options_.body_limit, Kind::kTooLarge,
                     "the request body exceeds " + std::to_string(options_.body_limit) + " bytes"};
}

void HttpServer::MarkBusy(std::uint64_t id, bool busy) {
    std::lock_guard lock(mutex_);
    connections_[id].busy = busy;
}

void HttpServer::Forget(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    connections_.erase(id);
    if (connections_.empty()) {
        drained_.notify_all();
    }
}

asio::awaitable<void> HttpServer::Serve(beast::tcp_stream stream, std::uint64_t id) {
    {
        std::lock_guard lock(mutex_);
        connections_[id].stream = &stream;
    }
    beast::flat_buffer buffer;
    for (;;) {
        // Between requests. Once the server stops, the connection ends here, unless the next request has begun
        // to arrive: that one is still answered (with Connection: close).
        if (stopping_ && !RequestStarted(stream, buffer)) {
            break;
        }
        http::request_parser<http::string_body> parser;
        // Beast checks Content-Length against the limit while parsing the header, before we know the route:
        // allow the largest route limit there, then narrow it to this request's route once the header is in.
        parser.body_limit(std::max(options_.body_limit, router_.LargestBodyLimit()));
        parser.header_limit(static_cast<std::uint32_t>(options_.header_limit));
        stream.expires_after(options_.idle_timeout);
        beast::error_code ec;
        if (buffer.size() == 0) {
            // An idle keep-alive connection may wait idle_timeout for its next request's first byte; from
            // then on the whole header must arrive within header_timeout (a client trickling bytes cannot
            // hold the connection open forever).
            auto [fec, first_bytes] = co_await stream.async_read_some(buffer.prepare(4096), kUseTuple);
            buffer.commit(first_bytes);
            ec = fec;
        }
        if (!ec) {
            // From its first byte the request is in flight: a stop lets it finish and never closes the
            // connection under it.
            MarkBusy(id, true);
        }
        stream.expires_after(options_.header_timeout);
        if (!ec) {
            auto [hec, header_bytes] = co_await http::async_read_header(stream, buffer, parser, kUseTuple);
            ec = hec;
        }
        bool too_many_fields = false;
        if (!ec && static_cast<std::size_t>(std::distance(parser.get().begin(), parser.get().end())) >
                       options_.max_header_fields) {
            // Beast bounds the header's bytes, not its field count; many tiny fields still cost work per field.
            too_many_fields = true;
            ec = http::error::header_limit;
        }
        if (!ec) {
            const auto limit = LimitFor(parser.get());
            const auto length = parser.content_length();
            if (length && *length > limit.bytes) {
                ec = http::error::body_limit;
            } else {
                parser.body_limit(limit.bytes);
            }
        }
        if (!ec) {
            stream.expires_after(options_.request_timeout);
            auto [bec, body_bytes] = co_await http::async_read(stream, buffer, parser, kUseTuple);
            ec = bec;
        }
        if (ec) {
            // end_of_stream is the client's normal close; timeouts and cancellation close quietly too.
            std::optional<Error> answer;
            if (ec == http::error::body_limit) {
                const auto limit = LimitFor(parser.get());
                answer.emplace(limit.code, limit.detail);
            } else if (ec == http::error::header_limit) {
                answer.emplace(Kind::kInvalid, too_many_fields
                                                   ? "the request has more than " +
                                                         std::to_string(options_.max_header_fields) + " header fields"
                                                   : "the request headers are too large");
            } else if (ec != http::error::end_of_stream &&
                       ec.category() == http::make_error_code(http::error::bad_target).category()) {
                answer.emplace(Kind::kInvalid, "the request is not valid HTTP/1.1");
            }
            if (answer) {
                auto res = Router::Problem(parser.get(), *answer);
                router_.CountRefused(parser.get(), res.result_int());  // refused requests count in the metrics too
                res.prepare_payload();
                stream.expires_after(options_.request_timeout);
                co_await http::async_write(stream, res, kUseTuple);
                // Closing with unread request bytes would make the kernel send RST, and the client could
                // lose our answer: half-close, then discard what is still coming for a bounded while.
                beast::error_code ignored;
                stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
                stream.expires_after(std::chrono::seconds(1));
                // On the heap, only here: a local array would sit in every connection's coroutine frame (GCC keeps
                // every local that lives across a co_await in the frame), 16 KiB per open connection.
                std::vector<char> sink(16384);
                for (std::size_t drained = 0; drained < 8 * options_.body_limit;) {
                    auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), kUseTuple);
                    if (rec) {
                        break;
                    }
                    drained += n;
                }
            }
            break;
        }
        Request request = parser.release();
        Response res = co_await router_.Handle(std::move(request));
        if (draining_) {
            res.keep_alive(false);  // draining or stopping: tell the client this connection ends here
        }
        res.prepare_payload();
        if (res.result() == http::status::not_modified) {
            // prepare_payload says Content-Length: 0, but a 304 may only repeat the 200's length (RFC 9110 §8.6).
            res.erase(http::field::content_length);
        }
        stream.expires_after(options_.request_timeout);
        auto [wec, written] = co_await http::async_write(stream, res, kUseTuple);
        MarkBusy(id, false);  // only now: a stop that came during the write must not cancel it
        if (wec || !res.keep_alive()) {
            break;
        }
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.close();
    Forget(id);
}

void HttpServer::BeginDrain() {
    draining_ = true;
}

void HttpServer::Stop() {
    draining_ = true;
    stopping_ = true;
    asio::post(acceptor_.get_executor(), [this] {
        beast::error_code ignored;
        acceptor_.close(ignored);
    });
    std::lock_guard lock(mutex_);
    for (auto& [id, conn] : connections_) {
        if (conn.busy || conn.stream == nullptr) {
            continue;
        }
        // Idle keep-alive connections wait in read: cancel it on the connection's strand, after checking
        // there that the connection still exists (it may have ended in the meantime), is still idle, and has
        // no request bytes waiting in the socket (their read completes instead, and the request is answered).
        asio::post(conn.stream->get_executor(), [this, conn_id = id] {
            std::lock_guard inner(mutex_);
            auto it = connections_.find(conn_id);
            if (it == connections_.end() || it->second.busy || it->second.stream == nullptr) {
                return;
            }
            const beast::flat_buffer no_bytes;
            if (!RequestStarted(*it->second.stream, no_bytes)) {
                it->second.stream->cancel();
            }
        });
    }
}

bool HttpServer::WaitDrained(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return drained_.wait_for(lock, timeout, [this] { return connections_.empty(); });
}

std::size_t HttpServer::OpenConnections() const {
    std::lock_guard lock(mutex_);
    return connections_.size();
}

}  // namespace auction::app
