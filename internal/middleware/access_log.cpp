#include "internal/middleware/request_context.hpp"
#include "pkg/logging/logger.hpp"

namespace auction::middleware {

void LogRequest(const RequestContext& ctx, unsigned status) {
    const auto level = status >= 500 ? logging::Level::kError : logging::Level::kInfo;
    if (!logging::Enabled(level)) {
        return;
    }
    // Whole microseconds: Boost.JSON would print a fractional millisecond count in exponent form.
    const auto us =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - ctx.started).count();
    boost::json::object fields{
        {"method", std::string_view(ctx.request.method_string())},
        {"path", ctx.path},
        {"status", status},
        {"durationUs", us},
        {"traceId", ctx.trace.trace_id},
        {"correlationId", ctx.trace.correlation_id},
    };
    if (ctx.user_id) {
        fields["userId"] = *ctx.user_id;
    }
    logging::Log(level, "request", std::move(fields));
}

}  // namespace auction::middleware
