#pragma once

#include <string>
#include <utility>
#include <vector>

/// How readiness and metrics reach the HTTP layer: the infrastructure implements these small interfaces, the
/// mains (cmd/) hand them to app::OpsEndpoints, and the HTTP layer never sees a pool, a broker or SQL.
namespace auction::ports {

/// Dependencies' readiness: each pair is a name in `checks` and "ok", "fail" or "unknown".
using CheckResults = std::vector<std::pair<std::string, std::string>>;

/// One or more readiness checks. Blocking, and bounded in time (short connect timeouts).
class ReadinessCheck {
public:
    virtual ~ReadinessCheck() = default;
    virtual CheckResults Check() = 0;
};

/// Writes metric families in the Prometheus text format (pkg/metrics). Blocking (may ask a dependency).
class MetricsSource {
public:
    virtual ~MetricsSource() = default;
    virtual void WriteMetrics(std::string& out) = 0;
};

}  // namespace auction::ports
