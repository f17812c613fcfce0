#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace auction::multipart {

/// One part of a multipart/form-data body. Every view points into the body (or the Content-Disposition
/// header inside it): nothing is copied, so the body must outlive the parts.
struct Part {
    std::string_view name;                     // Content-Disposition `name`, raw (quotes removed, escapes kept)
    std::optional<std::string_view> filename;  // Content-Disposition `filename`, raw; absent for plain fields
    std::string_view content_type;             // the part's Content-Type header, empty when absent
    std::string_view body;
};

/// Bounds on the work one body may cause.
struct Limits {
    std::size_t max_parts = 16;
    std::size_t max_header_bytes = 4096;  // all header lines of one part together
    std::size_t max_headers = 8;          // header lines per part
};

enum class Error {
    kNone,
    kNoOpeningBoundary,   // the body does not start with --boundary
    kMalformedDelimiter,  // a boundary line followed by something other than CRLF or "--"
    kUnterminated,        // no closing --boundary--
    kHeaderTooLarge,      // a part's headers exceed Limits::max_header_bytes or max_headers
    kMalformedHeader,     // a header line that is not `Name: value`, or folded
    kMissingDisposition,  // no `Content-Disposition: form-data; name="..."`
    kTooManyParts,
};

/// Public text for a parse error (safe to send to a client).
std::string_view Describe(Error error) noexcept;

struct ParseResult {
    std::vector<Part> parts;
    Error error = Error::kNone;
};

/// The boundary of a `multipart/form-data; boundary=...` Content-Type value (media type and parameter
/// names case-insensitive, the value token or quoted). nullopt when the type is multipart/form-data
/// but the boundary is missing or not RFC 2046 conformant (1..70 bchars, not ending in a space).
/// `is_form_data` tells the caller whether the media type itself matched.
std::optional<std::string_view> BoundaryFromContentType(std::string_view content_type, bool& is_form_data) noexcept;

/// Parses a whole multipart/form-data body (RFC 7578 / RFC 2046 section 5.1.1). Strict: the body must
/// start with the first boundary (no preamble) and end with the close delimiter; lines end in CRLF;
/// every part has a form-data Content-Disposition with a name. On error `parts` is unspecified.
ParseResult Parse(std::string_view body, std::string_view boundary, const Limits& limits = {});

}  // namespace auction::multipart
