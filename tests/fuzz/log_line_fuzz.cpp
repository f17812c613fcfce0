// libFuzzer target for the log lines' JSON string escaper (logging::AppendJsonString), which every string field
// of every request line goes through: the path and headers a client chose, so any bytes at all. Built and run by
// scripts/fuzz.sh with clang -fsanitize=fuzzer,address,undefined; seeds in tests/fuzz/corpus/log_line/.
//
// Besides memory safety it checks the escaper's promises: the quoted result is valid UTF-8 and parses as one JSON
// string (Boost.JSON, which rejects invalid UTF-8 and raw control characters); text that was valid UTF-8 reads back
// unchanged; appending keeps what the buffer held; and no byte of the result is a raw control character.
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "pkg/encoding/encoding.hpp"
#include "pkg/logging/logger.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using auction::fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    std::string quoted = R"({"k":")";
    const auto prefix = quoted.size();
    auction::logging::AppendJsonString(quoted, input);
    Check(quoted.compare(0, prefix, R"({"k":")") == 0);
    for (std::size_t i = prefix; i < quoted.size(); ++i) {
        Check(static_cast<unsigned char>(quoted[i]) >= 0x20);
    }
    quoted += "\"}";
    Check(auction::encoding::IsValidUtf8(quoted));
    boost::system::error_code ec;
    const auto value = boost::json::parse(quoted, ec);
    Check(!ec && value.is_object() && value.as_object().size() == 1);
    const auto& text = value.as_object().at("k").as_string();
    if (auction::encoding::IsValidUtf8(input)) {
        Check(std::string_view(text) == input);
    } else {
        Check(text.size() >= 3);  // at least one U+FFFD
    }
    return 0;
}
