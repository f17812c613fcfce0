#pragma once

#include <atomic>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "infra/postgres/connection.hpp"

namespace auction::postgres {

/// One read statement waiting in a pipeline: sent, then completed with its result or error.
struct PipelineRequest {
    virtual ~PipelineRequest() = default;
    /// `result` is a successful result, or null with `error` set.
    virtual void Complete(std::unique_ptr<PGresult, PgResultDeleter> result, std::exception_ptr error) = 0;

    const char* name = nullptr;  // prepared statement name, or null for an unnamed statement
    std::string sql;
    Params params;
    bool retried = false;  // sent once more after a lost connection
};

class PipelineConnection;

/// Single-statement reads over libpq's pipeline mode, driven non-blocking by Asio on the I/O threads.
///
/// Why: handing each read to a blocking thread costs two thread hand-offs and their context switches per
/// request, which bench/items_bench.sh showed to be the API's largest cost. Here the I/O thread that runs
/// the request sends the statement on a non-blocking connection and is woken by the socket when the result
/// is there; concurrent requests share a connection, many statements per round trip. Writes stay on the
/// pooled blocking connections (DbExecutor): their commits need separate backends to be grouped.
///
/// Each statement is followed by a pipeline sync, so one failing statement never affects another.
/// A lost connection is re-opened in the background; the reads in flight (idempotent) are sent once more
/// on the new connection, and fail (the caller answers 503) only if that fails too.
class PgPipeline {
public:
    PgPipeline(boost::asio::io_context& io, std::string conninfo, int connections,
               std::chrono::milliseconds statement_timeout);
    ~PgPipeline();
    PgPipeline(const PgPipeline&) = delete;
    PgPipeline& operator=(const PgPipeline&) = delete;

    /// Opens the connections (blocking; call at start-up).
    void Start();
    /// Fails what is queued and closes the connections.
    void Stop();

    /// co_await Query(name, sql, params, decode): runs the statement (prepared once per connection under
    /// `name`, or unnamed when `name` is null) and returns decode(result). `decode` runs on the I/O thread.
    template <typename Decode>
    auto Query(const char* name, std::string sql, Params params, Decode decode) {
        using R = std::invoke_result_t<Decode&, const PgResult&>;
        return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>, void(std::exception_ptr, R)>(
            [this](auto handler, const char* n, std::string s, Params p, Decode d) {
                auto guard = boost::asio::make_work_guard(boost::asio::get_associated_executor(handler));
                auto request = std::make_unique<Request<Decode, decltype(handler), decltype(guard)>>(
                    std::move(d), std::move(handler), std::move(guard));
                request->name = n;
                request->sql = std::move(s);
                request->params = std::move(p);
                Submit(std::move(request));
            },
            boost::asio::use_awaitable, name, std::move(sql), std::move(params), std::move(decode));
    }

private:
    template <typename Decode, typename Handler, typename Guard>
    struct Request final : PipelineRequest {
        Request(Decode d, Handler h, Guard g) : decode(std::move(d)), handler(std::move(h)), guard(std::move(g)) {}

        void Complete(std::unique_ptr<PGresult, PgResultDeleter> result, std::exception_ptr error) override {
            using R = std::invoke_result_t<Decode&, const PgResult&>;
            R value{};
            if (!error) {
                try {
                    PgResult wrapped(result.release());
                    value = decode(wrapped);
                } catch (...) {
                    error = std::current_exception();
                }
            }
            auto executor = guard.get_executor();
            boost::asio::post(executor, [h = std::move(handler), error, v = std::move(value)]() mutable {
                std::move(h)(error, std::move(v));
            });
            guard.reset();
        }

        Decode decode;
        Handler handler;
        Guard guard;
    };

    void Submit(std::unique_ptr<PipelineRequest> request);

    boost::asio::io_context& io_;
    std::string conninfo_;
    std::chrono::milliseconds statement_timeout_;
    std::vector<std::shared_ptr<PipelineConnection>> connections_;
    std::atomic<std::size_t> next_{0};
};

}  // namespace auction::postgres
