#include "internal/middleware/request_context.hpp"
#include "pkg/logging/logger.hpp"

namespace auction::middleware {

void LogRequest(const RequestContext& ctx, unsigned status) {
    const auto level = status >= 500 ? logging::Level::kError : logging::Level::kInfo;
    if (!logging::Enabled(level)) {
        return;
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - ctx.started).count();
    boost::json::object fields{
        {"method", std::string_view(ctx.request.method_string())},
        {"path", ctx.path},
        {"status", status},
        {"durationMs", static_cast<double>(static_cast<long long>(ms * 1000)) / 1000},
        {"traceId", ctx.trace.trace_id},
        {"correlationId", ctx.trace.correlation_id},
    };
    if (ctx.user_id) {
        fields["userId"] = *ctx.user_id;
    }
    logging::Log(level, "request", std::move(fields));
}

}  // namespace auction::middleware
