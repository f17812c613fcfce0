// libFuzzer target for the entity-tag list parser of If-Match / If-None-Match (pkg/etag). Built and run by
// scripts/fuzz.sh with clang -fsanitize=fuzzer,address,undefined; seeds in tests/fuzz/corpus/entity_tag/.
//
// The input is one field value. Besides memory safety it checks the parser's promises: a condition is `*` or at
// least one tag, every tag is a well-formed opaque tag, formatting reads back equal, surrounding whitespace and a
// second field line (as the server combines them) change nothing else, and the comparisons agree with each other.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "pkg/etag/entity_tag.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using auction::fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using auction::etag::Condition;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto parsed = auction::etag::ParseCondition(input);
    Check(auction::etag::ParseCondition(" \t" + std::string(input) + "\t ") == parsed);
    if (auction::etag::IsStrongEntityTag(input)) {
        Check(parsed && !parsed->any && parsed->tags.size() == 1 && !parsed->tags[0].weak &&
              parsed->tags[0].opaque == input);
    }
    if (!parsed) {
        return 0;
    }
    const Condition& condition = *parsed;
    Check(condition.any != !condition.tags.empty());
    Check(auction::etag::ParseCondition(auction::etag::FormatCondition(condition)) == condition);
    for (const auto& tag : condition.tags) {
        Check(auction::etag::IsStrongEntityTag(tag.opaque));
        Check(auction::etag::MatchesWeak(condition, tag.opaque));
        Check(auction::etag::MatchesStrong(condition, tag.opaque) || tag.weak);
    }
    for (const std::string_view current : {std::string_view("\"v1\""), std::string_view("\"\"")}) {
        Check(!auction::etag::MatchesStrong(condition, current) || auction::etag::MatchesWeak(condition, current));
    }
    if (!condition.any) {
        // Two field lines of one header, joined as the server joins them: the lists concatenate.
        const auto twice = auction::etag::ParseCondition(std::string(input) + ", " + std::string(input));
        Check(twice && twice->tags.size() == 2 * condition.tags.size());
    }
    return 0;
}
