#include "pkg/process/memory_defaults.hpp"

#include <unistd.h>

#include <cstdlib>

namespace auction::process {

void ApplyMemoryDefaults(char** argv) {
    if (std::getenv("GNUTLS_NO_IMPLICIT_INIT") == nullptr && setenv("GNUTLS_NO_IMPLICIT_INIT", "1", 0) == 0) {
        execv("/proc/self/exe", argv);  // returns only when it failed: then go on with GnuTLS initialised
    }
}

}  // namespace auction::process
