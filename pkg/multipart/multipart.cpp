// A small multipart/form-data parser, hand-written on purpose: Boost.Beast has no multipart support,
// and no maintained parser packaged for Debian 12 fits a Beast string body without copying it. It is
// kept strict and bounded (see multipart.hpp) and is fuzzed by tests/fuzz/multipart_fuzz.cpp.
#include "pkg/multipart/multipart.hpp"

#include <algorithm>
#include <functional>
#include <string>

namespace auction::multipart {

namespace {

constexpr std::size_t kMaxBoundary = 70;  // RFC 2046 section 5.1.1

bool IsSpace(char c) noexcept {
    return c == ' ' || c == '\t';
}

std::string_view Trim(std::string_view s) noexcept {
    while (!s.empty() && IsSpace(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && IsSpace(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

char Lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool IEquals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return Lower(x) == Lower(y); });
}

// RFC 9110 tchar.
bool IsTokenChar(char c) noexcept {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        return true;
    }
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view s) noexcept {
    return !s.empty() && std::all_of(s.begin(), s.end(), IsTokenChar);
}

// RFC 2046 bchars.
bool IsBoundaryChar(char c) noexcept {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        return true;
    }
    return std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

/// A `;`-separated parameter list (`; a=b; c="d"`): calls `on_param(name, raw_value)` for each; false
/// when the list is malformed. Quoted values come back without their quotes, escapes left in place.
template <typename F>
bool ForEachParam(std::string_view params, F&& on_param) {
    std::size_t i = 0;
    while (i < params.size()) {
        if (params[i] != ';') {
            return false;
        }
        ++i;
        while (i < params.size() && IsSpace(params[i])) {
            ++i;
        }
        const auto eq = params.find('=', i);
        if (eq == std::string_view::npos) {
            return false;
        }
        const auto name = Trim(params.substr(i, eq - i));
        if (!IsToken(name)) {
            return false;
        }
        i = eq + 1;
        while (i < params.size() && IsSpace(params[i])) {
            ++i;
        }
        std::string_view value;
        if (i < params.size() && params[i] == '"') {
            const auto start = ++i;
            while (i < params.size() && params[i] != '"') {
                if (params[i] == '\\') {
                    ++i;  // quoted-pair: the escaped character cannot end the string
                }
                ++i;
            }
            if (i >= params.size()) {
                return false;  // unterminated quoted string
            }
            value = params.substr(start, i - start);
            ++i;
        } else {
            const auto end = std::min(params.find(';', i), params.size());
            value = Trim(params.substr(i, end - i));
            if (!IsToken(value)) {
                return false;
            }
            i = end;
        }
        while (i < params.size() && IsSpace(params[i])) {
            ++i;
        }
        if (!on_param(name, value)) {
            return false;
        }
    }
    return true;
}

/// Reads `form-data; name="..."; filename="..."` into the part; false when it is not form-data with a name.
bool ParseDisposition(std::string_view value, Part& part) {
    const auto semi = value.find(';');
    if (!IEquals(Trim(value.substr(0, semi)), "form-data")) {
        return false;
    }
    if (semi == std::string_view::npos) {
        return false;  // no name
    }
    bool has_name = false;
    const bool well_formed = ForEachParam(value.substr(semi), [&](std::string_view name, std::string_view v) {
        if (IEquals(name, "name")) {
            if (has_name) {
                return false;
            }
            has_name = true;
            part.name = v;
        } else if (IEquals(name, "filename")) {
            if (part.filename) {
                return false;
            }
            part.filename = v;
        }
        return true;  // other parameters (filename*, ...) are ignored
    });
    return well_formed && has_name;
}

}  // namespace

std::string_view Describe(Error error) noexcept {
    switch (error) {
        case Error::kNone:
            return "ok";
        case Error::kNoOpeningBoundary:
            return "the multipart body does not start with its boundary";
        case Error::kMalformedDelimiter:
            return "a multipart boundary line is malformed";
        case Error::kUnterminated:
            return "the multipart body ends before its closing boundary";
        case Error::kHeaderTooLarge:
            return "the headers of a multipart part are too large";
        case Error::kMalformedHeader:
            return "a multipart part header is malformed";
        case Error::kMissingDisposition:
            return "a multipart part lacks a form-data Content-Disposition with a name";
        case Error::kTooManyParts:
            return "the multipart body has too many parts";
    }
    return "malformed multipart body";
}

std::optional<std::string_view> BoundaryFromContentType(std::string_view content_type, bool& is_form_data) noexcept {
    const auto semi = content_type.find(';');
    is_form_data = IEquals(Trim(content_type.substr(0, semi)), "multipart/form-data");
    if (!is_form_data || semi == std::string_view::npos) {
        return std::nullopt;
    }
    std::optional<std::string_view> boundary;
    bool duplicate = false;
    const bool well_formed =
        ForEachParam(Trim(content_type.substr(semi)), [&](std::string_view name, std::string_view value) {
            if (IEquals(name, "boundary")) {
                duplicate = duplicate || boundary.has_value();
                boundary = value;
            }
            return true;
        });
    if (!well_formed || duplicate || !boundary || boundary->empty() || boundary->size() > kMaxBoundary ||
        boundary->back() == ' ' || !std::all_of(boundary->begin(), boundary->end(), IsBoundaryChar)) {
        return std::nullopt;
    }
    return boundary;
}

ParseResult Parse(std::string_view body, std::string_view boundary, const Limits& limits) {
    ParseResult result;
    const std::string first = "--" + std::string(boundary);
    if (boundary.empty() || body.substr(0, first.size()) != first) {
        result.error = Error::kNoOpeningBoundary;
        return result;
    }
    // Every later delimiter is CRLF + "--" + boundary; the CRLF belongs to the delimiter, not the part.
    const std::string delimiter = "\r\n" + first;
    const std::boyer_moore_horspool_searcher searcher(delimiter.begin(), delimiter.end());
    std::size_t pos = first.size();
    for (;;) {
        // Just after a delimiter: "--" closes the body (the epilogue is ignored), else padding + CRLF.
        if (body.substr(pos, 2) == "--") {
            return result;
        }
        while (pos < body.size() && IsSpace(body[pos])) {
            ++pos;
        }
        if (pos >= body.size()) {
            result.error = Error::kUnterminated;
            return result;
        }
        if (body.substr(pos, 2) != "\r\n") {
            result.error = Error::kMalformedDelimiter;
            return result;
        }
        pos += 2;
        if (result.parts.size() >= limits.max_parts) {
            result.error = Error::kTooManyParts;
            return result;
        }

        Part part;
        bool has_disposition = false;
        const std::size_t header_start = pos;
        const auto window = body.substr(0, std::min(body.size(), header_start + limits.max_header_bytes + 2));
        for (std::size_t count = 0;; ++count) {
            const auto eol = window.find("\r\n", pos);
            if (eol == std::string_view::npos) {
                result.error = window.size() < body.size() ? Error::kHeaderTooLarge : Error::kUnterminated;
                return result;
            }
            const auto line = body.substr(pos, eol - pos);
            pos = eol + 2;
            if (line.empty()) {
                break;
            }
            if (count >= limits.max_headers) {
                result.error = Error::kHeaderTooLarge;
                return result;
            }
            const auto colon = line.find(':');
            if (IsSpace(line.front()) || colon == std::string_view::npos || !IsToken(line.substr(0, colon))) {
                result.error = Error::kMalformedHeader;  // folded lines (obs-fold) are refused too
                return result;
            }
            const auto name = line.substr(0, colon);
            const auto value = Trim(line.substr(colon + 1));
            if (IEquals(name, "content-disposition")) {
                if (has_disposition || !ParseDisposition(value, part)) {
                    result.error = has_disposition ? Error::kMalformedHeader : Error::kMissingDisposition;
                    return result;
                }
                has_disposition = true;
            } else if (IEquals(name, "content-type")) {
                part.content_type = value;
            }
        }
        if (!has_disposition) {
            result.error = Error::kMissingDisposition;
            return result;
        }

        const auto rest = body.substr(pos);
        const auto found = std::search(rest.begin(), rest.end(), searcher);
        if (found == rest.end()) {
            result.error = Error::kUnterminated;
            return result;
        }
        const auto length = static_cast<std::size_t>(found - rest.begin());
        part.body = rest.substr(0, length);
        result.parts.push_back(part);
        pos += length + delimiter.size();
    }
}

}  // namespace auction::multipart
