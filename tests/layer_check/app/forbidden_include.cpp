// A fixture of the LayerCheck.* ctest entries (tests/CMakeLists.txt), never compiled: an app/ file reaching
// into infra/postgres, which cmake/CheckLayerIncludes.cmake must refuse, beside includes it must accept.
#include "app/handlers.hpp"
#include "infra/postgres/pool.hpp"
#include "pkg/logging/logger.hpp"
