// libFuzzer target for the hand-written multipart/form-data parser (pkg/multipart). Built and run by
// scripts/fuzz.sh with clang -fsanitize=fuzzer,address,undefined; seeds in tests/fuzz/corpus/multipart/.
//
// Input layout: the first line is the Content-Type header value, the rest is the body. Besides memory
// safety it checks the parser's promises: parts are views into the body, within the limits.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pkg/multipart/multipart.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using auction::fuzz::Check;

bool Inside(std::string_view part, std::string_view whole) {
    return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto eol = input.find('\n');
    const auto content_type = input.substr(0, eol);
    const auto body = eol == std::string_view::npos ? std::string_view() : input.substr(eol + 1);

    bool is_form_data = false;
    const auto boundary = auction::multipart::BoundaryFromContentType(content_type, is_form_data);
    if (boundary) {
        Check(is_form_data && !boundary->empty() && boundary->size() <= 70 && Inside(*boundary, content_type));
    }
    // Also parse with a boundary taken from the body's first line, so bodies are explored even when the
    // header line is garbage.
    const auto first_line = body.substr(0, body.find('\r'));
    const auto body_boundary = first_line.size() > 2 ? first_line.substr(2, 70) : std::string_view("x");
    auction::multipart::Limits limits;
    limits.max_parts = 4;
    limits.max_header_bytes = 256;
    limits.max_headers = 4;
    for (const auto b : {boundary.value_or(std::string_view("x")), body_boundary}) {
        const auto result = auction::multipart::Parse(body, b, limits);
        if (result.error == auction::multipart::Error::kNone) {
            Check(result.parts.size() <= limits.max_parts);
            for (const auto& part : result.parts) {
                Check(Inside(part.body, body) && Inside(part.name, body) && Inside(part.content_type, body));
                Check(!part.filename || Inside(*part.filename, body));
            }
        }
        Check(!auction::multipart::Describe(result.error).empty());
    }
    return 0;
}
