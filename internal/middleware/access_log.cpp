#include "internal/middleware/request_context.hpp"
#include "pkg/logging/logger.hpp"

namespace auction::middleware {

void LogRequest(const RequestContext& ctx, unsigned status, std::chrono::steady_clock::duration elapsed) {
    const auto level = status >= 500 ? logging::Level::kError : logging::Level::kInfo;
    if (!logging::Enabled(level)) {
        return;
    }
    // Whole microseconds, as an integer field.
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
    // Built field by field (logging::Line) rather than as a JSON document: this runs once per request on an
    // I/O thread, and the output is the same.
    logging::Line line(level, "request");
    line.Str("method", std::string_view(ctx.request.method_string()))
        .Str("path", ctx.path)
        .Int("status", status)
        .Int("durationUs", us)
        .Str("traceId", ctx.trace.trace_id)
        .Str("correlationId", ctx.trace.correlation_id);
    if (ctx.user_id) {
        line.Str("userId", *ctx.user_id);
    }
    line.Emit();
}

}  // namespace auction::middleware
