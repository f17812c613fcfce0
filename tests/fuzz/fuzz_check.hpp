#pragma once

#include <cstdlib>

namespace auction::fuzz {

/// A promise a fuzz target checks beyond memory safety: aborts when it does not hold, so that libFuzzer reports
/// the input and keeps it in the artifacts directory.
inline void Check(bool condition) {
    if (!condition) {
        std::abort();
    }
}

}  // namespace auction::fuzz
