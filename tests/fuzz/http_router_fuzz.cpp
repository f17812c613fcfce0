// libFuzzer target for the HTTP front of the API: raw bytes go through Beast's request parser with the
// server's limits and steps (app/http_server.cpp: header first, then the route's body limit), and a request
// that parses runs through the real Router::Handle and route table (app/router.cpp, app/routes.cpp):
// target parsing, query decoding, trace ids, X-User-ID, 404/405, path ids, JSON and multipart bodies, and
// the handlers' rules, over in-memory repositories (fake_services.hpp). Built and run by scripts/fuzz.sh;
// seeds in tests/fuzz/corpus/http_router/.
//
// Checked beyond memory safety: the parser never yields more body than the limit; every response (and
// every early problem answer the server would send) echoes safe trace ids, is never a 5xx, and has a JSON
// body that parses (RFC 9457 problems carry their status); 405s name the allowed methods; a route-specific
// body limit only exists for the image upload route; an item answer carries an ETag, a 304 or 412 too.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "app/idempotency.hpp"
#include "tests/fuzz/fake_services.hpp"

namespace {

namespace http = boost::beast::http;
using auction::fuzz::Check;
using auction::fuzz::CheckResponse;
using auction::fuzz::TheWorld;

// app::ServerOptions defaults (the API's configuration uses the same unless HTTP_BODY_LIMIT is set).
constexpr std::size_t kBodyLimit = 1024 * 1024;
constexpr std::uint32_t kHeaderLimit = 16 * 1024;

// The problem the server answers before routing (HttpServer::Serve), checked like any response.
void CheckEarlyAnswer(const auction::middleware::Request& partial, const auction::errors::Error& error) {
    auto res = auction::app::Router::Problem(partial, error);
    Check(res.result_int() == 400 || res.result_int() == 413);
    CheckResponse(res);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto& world = TheWorld();
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    http::request_parser<http::string_body> parser;
    parser.body_limit(std::max(kBodyLimit, world.router.LargestBodyLimit()));
    parser.header_limit(kHeaderLimit);
    parser.eager(false);  // stop after the header, as async_read_header does

    boost::beast::error_code ec;
    std::string_view rest = input;
    // Like Beast's read loop: hand over what is there; when the parser wants more, the client has closed.
    auto feed = [&] {
        while (!ec && !parser.is_done() && !(parser.is_header_done() && !parser.eager())) {
            const auto used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
            rest.remove_prefix(used);
            if (ec == http::error::need_more) {
                ec = {};
            }
            if (!ec && used == 0) {
                // Nothing more to give: as Beast's read does at the end of the stream.
                if (parser.got_some()) {
                    parser.put_eof(ec);
                } else {
                    ec = http::error::end_of_stream;
                }
                break;
            }
        }
    };
    feed();

    std::size_t limit = kBodyLimit;
    if (!ec && parser.is_header_done()) {
        const auto& header = parser.get();
        const auto* route_limit = world.router.BodyLimitFor(header.method(), header.target());
        if (route_limit != nullptr) {
            // Only the image upload has a limit of its own.
            Check(header.method() == http::verb::post && header.target().find("/images") != std::string_view::npos);
            limit = route_limit->bytes;
        }
        const auto length = parser.content_length();
        if (length && *length > limit) {
            CheckEarlyAnswer(header, route_limit != nullptr
                                         ? auction::errors::Error(route_limit->code, route_limit->detail)
                                         : auction::errors::Error(auction::errors::Kind::kTooLarge,
                                                                  "the request body is too large"));
            return 0;
        }
        parser.body_limit(limit);
        parser.eager(true);
        feed();
    }
    if (ec) {
        if (ec == http::error::body_limit || ec == http::error::header_limit ||
            (ec.category() == http::make_error_code(http::error::bad_target).category() &&
             ec != http::error::end_of_stream)) {
            CheckEarlyAnswer(parser.get(), auction::errors::Error(auction::errors::Kind::kInvalid, "bad request"));
        }
        return 0;
    }
    if (!parser.is_done()) {
        return 0;
    }
    auto request = parser.release();
    Check(request.body().size() <= limit);
    // The Idempotency-Key parser: what it accepts is 1..255 printable ASCII characters; a POST with a key it refuses
    // is a 400 (checked below through the answer).
    std::optional<bool> key_ok;
    if (auto key = request.find("Idempotency-Key"); key != request.end()) {
        const auto parsed = auction::app::ParseIdempotencyKey(std::string_view(key->value()));
        key_ok = parsed.has_value();
        if (parsed) {
            Check(!parsed->empty() && parsed->size() <= 255);
            for (const unsigned char c : *parsed) {
                Check(c >= 0x20 && c <= 0x7E);
            }
        }
    }
    const bool is_post = request.method() == http::verb::post;
    const bool is_read = request.method() == http::verb::get;
    const bool identified = request.find("X-User-ID") != request.end();
    const auto res = world.Handle(std::move(request));
    const auto body = CheckResponse(res);
    const unsigned status = res.result_int();
    // An item (GET, POST and PUT answer with one) always comes with its entity tag.
    if (status < 300 && body.is_object() && body.get_object().contains("sellerId")) {
        Check(auction::etag::IsStrongEntityTag(res[http::field::etag]));
    }
    // A POST under a malformed Idempotency-Key changes nothing.
    if (is_post && key_ok == false && status < 300) {
        Check(false);
    }
    // Every write needs the caller's identity: no anonymous request changes anything.
    Check(is_read || identified || status >= 400);
    return 0;
}
