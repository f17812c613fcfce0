#include <boost/beast/http/field.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <optional>

#include "app/handlers.hpp"
#include "pkg/ids/uuid.hpp"

namespace auction::app {

namespace http = boost::beast::http;
using errors::Error;
using errors::Kind;

boost::json::value ParseJsonBody(const RequestContext& ctx) {
    auto it = ctx.request.find(http::field::content_type);
    const std::string_view type = it == ctx.request.end() ? std::string_view() : std::string_view(it->value());
    const auto base = type.substr(0, type.find(';'));
    if (base != "application/json" && base != "application/problem+json") {
        throw Error(Kind::kUnsupportedMediaType, "the request body must be application/json");
    }
    boost::system::error_code ec;
    boost::json::parse_options options;
    options.max_depth = 32;
    auto value = boost::json::parse(ctx.request.body(), ec, {}, options);
    if (ec) {
        throw Error(Kind::kInvalid, "the request body is not valid JSON: " + ec.message());
    }
    return value;
}

namespace {

std::optional<int> ParseInt(const std::string& s) {
    int v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size()) {
        return std::nullopt;
    }
    return v;
}

}  // namespace

Paging ParsePaging(const RequestContext& ctx, domain::FieldErrors& errors) {
    constexpr int kMaxPage = 100000;
    constexpr int kMaxLimit = 100;
    Paging paging;
    paging.cursor = ctx.Query("cursor");
    if (paging.cursor && ctx.Query("page")) {
        errors.push_back({"cursor", "cannot be combined with page: a cursor names its own position"});
    }
    if (auto raw = ctx.Query("page")) {
        auto v = ParseInt(*raw);
        if (!v || *v < 1 || *v > kMaxPage) {
            errors.push_back({"page", "must be an integer from 1 to 100000"});
        } else {
            paging.page = *v;
        }
    }
    if (auto raw = ctx.Query("limit")) {
        auto v = ParseInt(*raw);
        if (!v || *v < 1 || *v > kMaxLimit) {
            errors.push_back({"limit", "must be an integer from 1 to 100"});
        } else {
            paging.limit = *v;
        }
    }
    return paging;
}

ports::ListPaging KeysetPaging(
    const Paging& paging,
    const std::function<std::variant<ports::ListPosition, CursorError>(std::string_view)>& decode) {
    ports::ListPaging out;
    out.limit = paging.limit;
    out.keyset = true;
    if (paging.cursor && !paging.cursor->empty()) {
        auto position = decode(*paging.cursor);
        if (const auto* error = std::get_if<CursorError>(&position)) {
            errors::ThrowValidation({{"cursor", CursorErrorMessage(*error)}});
        }
        out.after = std::move(std::get<ports::ListPosition>(position));
    }
    return out;
}

ports::ListPaging OffsetPaging(const Paging& paging) {
    ports::ListPaging out;
    out.page = paging.page;
    out.limit = paging.limit;
    return out;
}

void AddPagingMembers(boost::json::object& body, const ports::ListPaging& paging, std::int64_t total,
                      std::optional<std::string> next_cursor) {
    if (!paging.keyset) {
        body["page"] = paging.page;
    }
    body["limit"] = paging.limit;
    if (!paging.keyset) {
        body["total"] = total;
        body["totalPages"] = (total + paging.limit - 1) / paging.limit;
    }
    if (next_cursor) {
        body["nextCursor"] = std::move(*next_cursor);
    } else {
        body["nextCursor"] = nullptr;
    }
}

void ThrowIfInvalid(const domain::FieldErrors& errors) {
    if (errors.empty()) {
        return;
    }
    std::vector<errors::FieldError> out;
    out.reserve(errors.size());
    for (const auto& e : errors) {
        out.push_back({e.field, e.message});
    }
    errors::ThrowValidation(std::move(out));
}

void ThrowNotFound(std::string_view resource, std::string_view id) {
    throw Error(Kind::kNotFound, std::string(resource) + " " + std::string(id) + " does not exist");
}

events::EventMeta EventMetaOf(const RequestContext& ctx) {
    return events::EventMeta{ctx.trace.trace_id, ctx.trace.correlation_id};
}

std::string PathId(const RequestContext& ctx, std::string_view name, std::string_view resource) {
    const auto& raw = ctx.PathParam(name);
    if (!ids::IsUuid(raw)) {
        ThrowNotFound(resource, raw);
    }
    std::string id = raw;
    for (auto& c : id) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return id;
}

Response JsonResponse(const RequestContext& ctx, unsigned status, const boost::json::value& body) {
    Response res{static_cast<http::status>(status), ctx.request.version()};
    res.set(http::field::content_type, "application/json");
    res.body() = boost::json::serialize(body);
    return res;
}

Response JsonTextResponse(const RequestContext& ctx, unsigned status, std::string json) {
    Response res{static_cast<http::status>(status), ctx.request.version()};
    res.set(http::field::content_type, "application/json");
    res.body() = std::move(json);
    return res;
}

Response CreatedResponse(const RequestContext& ctx, const boost::json::value& body, std::string location) {
    auto res = JsonResponse(ctx, 201, body);
    res.set(http::field::location, location);
    return res;
}

Response NoContentResponse(const RequestContext& ctx) {
    return Response{http::status::no_content, ctx.request.version()};
}

void RequireSeller(const domain::Item& item, const std::string& user) {
    if (item.seller_id != user) {
        throw Error(Kind::kForbidden, "only the item's seller may do this");
    }
}

}  // namespace auction::app
