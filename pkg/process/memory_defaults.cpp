#include "pkg/process/memory_defaults.hpp"

#include <unistd.h>

#include <array>
#include <cstdlib>
#include <string_view>

namespace auction::process {

void ApplyMemoryDefaults(char** argv) {
    if (std::getenv("GNUTLS_NO_IMPLICIT_INIT") != nullptr) {
        return;  // set by the operator, or by this function before the exec
    }
    // The program's own path rather than /proc/self/exe, so that the process keeps its name (ps, pgrep -x).
    std::array<char, 4096> path{};
    const auto length = readlink("/proc/self/exe", path.data(), path.size() - 1);
    if (length <= 0 || static_cast<std::size_t>(length) >= path.size() - 1 ||
        std::string_view(path.data(), static_cast<std::size_t>(length)).ends_with(" (deleted)")) {
        return;  // no path to run again: go on with GnuTLS initialised
    }
    if (setenv("GNUTLS_NO_IMPLICIT_INIT", "1", 0) == 0) {
        execv(path.data(), argv);  // returns only when it failed: then go on with GnuTLS initialised
    }
}

}  // namespace auction::process
