#include "infra/postgres/pipeline.hpp"

#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>

#include "pkg/logging/logger.hpp"

namespace auction::postgres {

namespace asio = boost::asio;

/// One pipelined connection; all of its state lives on its strand.
class PipelineConnection : public std::enable_shared_from_this<PipelineConnection> {
public:
    PipelineConnection(asio::io_context& io, std::string conninfo, std::chrono::milliseconds statement_timeout)
        : strand_(asio::make_strand(io)), conninfo_(std::move(conninfo)), statement_timeout_(statement_timeout) {}

    void Open() { Install(PgConnection::Connect(conninfo_, statement_timeout_)); }

    void Submit(std::unique_ptr<PipelineRequest> request) {
        asio::post(strand_,
                   [self = shared_from_this(), r = std::move(request)]() mutable { self->DoSubmit(std::move(r)); });
    }

    void Close() {
        closed_ = true;
        asio::post(strand_, [self = shared_from_this()] {
            self->Fail(std::make_exception_ptr(PgError("the service is stopping", "", "", true)));
        });
    }

    bool Reconnecting() const { return reconnect_threads_.load() > 0; }

private:
    struct Pending {
        std::unique_ptr<PipelineRequest> request;  // null for a PQsendPrepare
        std::unique_ptr<PGresult, PgResultDeleter> result;
        std::exception_ptr error;
    };

    void Install(std::unique_ptr<PgConnection> conn) {
        PGconn* raw = conn->Raw();
        if (PQsetnonblocking(raw, 1) != 0 || PQenterPipelineMode(raw) != 1) {
            throw PgError("cannot enter pipeline mode", "", "", true);
        }
        const int fd = dup(PQsocket(raw));
        if (fd < 0) {
            throw PgError("cannot watch the database socket", "", "", true);
        }
        socket_.emplace(strand_, fd);
        conn_ = std::move(conn);
        prepared_.clear();
        reading_ = false;
        writing_ = false;
    }

    void DoSubmit(std::unique_ptr<PipelineRequest> request) {
        if (closed_) {
            request->Complete(nullptr, std::make_exception_ptr(PgError("the service is stopping", "", "", true)));
            return;
        }
        if (!conn_) {
            // Reads are idempotent: hold them until the connection is back (bounded by connect_timeout).
            waiting_.push_back(std::move(request));
            Reconnect();
            return;
        }
        PGconn* raw = conn_->Raw();
        const auto& p = request->params;
        std::vector<const char*> values;
        values.reserve(p.size());
        for (const auto& v : p) {
            values.push_back(v ? v->c_str() : nullptr);
        }
        const int n = static_cast<int>(values.size());
        bool ok = true;
        if (request->name != nullptr && prepared_.count(request->name) == 0) {
            ok = PQsendPrepare(raw, request->name, request->sql.c_str(), n, nullptr) == 1 && PQpipelineSync(raw) == 1;
            if (ok) {
                prepared_.insert(request->name);
                pending_.push_back(Pending{});
            }
        }
        if (ok) {
            ok = (request->name != nullptr
                      ? PQsendQueryPrepared(raw, request->name, n, values.data(), nullptr, nullptr, 0)
                      : PQsendQueryParams(raw, request->sql.c_str(), n, nullptr, values.data(), nullptr, nullptr, 0)) ==
                     1 &&
                 PQpipelineSync(raw) == 1;
        }
        if (!ok) {
            auto error = std::make_exception_ptr(ErrorFrom(nullptr, raw));
            request->Complete(nullptr, error);
            Fail(error);
            return;
        }
        pending_.push_back(Pending{std::move(request), nullptr, nullptr});
        Flush();
        ArmRead();
    }

    void Flush() {
        if (!conn_ || writing_) {
            return;
        }
        const int r = PQflush(conn_->Raw());
        if (r < 0) {
            Fail(std::make_exception_ptr(ErrorFrom(nullptr, conn_->Raw())));
        } else if (r == 1) {
            writing_ = true;  // the socket buffer is full: continue when it drains
            socket_->async_wait(asio::posix::stream_descriptor::wait_write,
                                [self = shared_from_this()](boost::system::error_code ec) {
                                    self->writing_ = false;
                                    if (!ec) {
                                        self->Flush();
                                    }
                                });
        }
    }

    void ArmRead() {
        if (!conn_ || reading_ || pending_.empty()) {
            return;
        }
        reading_ = true;
        socket_->async_wait(asio::posix::stream_descriptor::wait_read,
                            [self = shared_from_this()](boost::system::error_code ec) {
                                self->reading_ = false;
                                if (!ec) {
                                    self->OnReadable();
                                }
                            });
    }

    void OnReadable() {
        if (!conn_) {
            return;
        }
        PGconn* raw = conn_->Raw();
        if (PQconsumeInput(raw) == 0) {
            Fail(std::make_exception_ptr(ErrorFrom(nullptr, raw)));
            return;
        }
        // Every statement was sent with its own sync: its results, a null, then PGRES_PIPELINE_SYNC.
        int nulls = 0;
        while (!pending_.empty() && PQisBusy(raw) == 0) {
            PGresult* r = PQgetResult(raw);
            if (r == nullptr) {
                if (++nulls > 1) {
                    break;  // nothing more buffered
                }
                continue;  // end of one statement's results; its sync follows
            }
            nulls = 0;
            const auto status = PQresultStatus(r);
            auto& front = pending_.front();
            if (status == PGRES_PIPELINE_SYNC) {
                PQclear(r);
                auto done = std::move(front);
                pending_.pop_front();
                if (done.request) {
                    if (!done.result && !done.error) {
                        done.error = std::make_exception_ptr(PgError("no result for a statement", "", "", false));
                    }
                    done.request->Complete(done.error ? nullptr : std::move(done.result), done.error);
                } else if (done.error) {
                    // The PQsendPrepare failed: the statement after it fails too, and reports the reason.
                    logging::Warn("preparing a pipelined statement failed");
                }
            } else if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
                if (!front.result) {
                    front.result.reset(r);
                } else {
                    PQclear(r);
                }
            } else {
                if (!front.error) {
                    front.error = std::make_exception_ptr(ErrorFrom(r, raw));
                }
                PQclear(r);
            }
        }
        if (PQstatus(raw) != CONNECTION_OK) {
            Fail(std::make_exception_ptr(ErrorFrom(nullptr, raw)));
            return;
        }
        Flush();
        ArmRead();
    }

    // Drops the connection. Statements in flight are reads, so each is sent once more on the new
    // connection (a server restart then costs latency, not errors); a second failure is reported.
    void Fail(std::exception_ptr error) {
        auto pending = std::move(pending_);
        pending_.clear();
        for (auto& p : pending) {
            if (!p.request) {
                continue;
            }
            if (!closed_ && !p.request->retried) {
                p.request->retried = true;
                waiting_.push_back(std::move(p.request));
            } else {
                p.request->Complete(nullptr, error);
            }
        }
        if (closed_) {
            FailWaiting(error);
        }
        if (socket_) {
            boost::system::error_code ignored;
            socket_->close(ignored);
            socket_.reset();
        }
        conn_.reset();
        if (!closed_) {
            Reconnect();
        }
    }

    void FailWaiting(std::exception_ptr error) {
        auto waiting = std::move(waiting_);
        waiting_.clear();
        for (auto& r : waiting) {
            r->Complete(nullptr, error);
        }
    }

    // Connecting blocks, so it happens on a short-lived thread; the result comes back on the strand.
    void Reconnect() {
        if (connecting_ || closed_ || conn_) {
            return;
        }
        connecting_ = true;
        ++reconnect_threads_;
        std::thread([self = shared_from_this()] {
            std::unique_ptr<PgConnection> conn;
            try {
                conn = PgConnection::Connect(self->conninfo_, self->statement_timeout_);
            } catch (const std::exception& e) {
                logging::Warn("pipeline reconnect failed", {{"error", e.what()}});
                std::this_thread::sleep_for(std::chrono::milliseconds(500));
            }
            if (self->closed_) {
                --self->reconnect_threads_;
                return;  // stopping: the io_context may be going away
            }
            asio::post(self->strand_, [self, c = std::move(conn)]() mutable {
                self->connecting_ = false;
                if (c && !self->closed_) {
                    try {
                        self->Install(std::move(c));
                    } catch (const std::exception& e) {
                        logging::Warn("pipeline reconnect failed", {{"error", e.what()}});
                    }
                }
                if (!self->conn_) {
                    self->FailWaiting(std::make_exception_ptr(PgError("the database is unavailable", "", "", true)));
                    return;
                }
                auto waiting = std::move(self->waiting_);
                self->waiting_.clear();
                for (auto& r : waiting) {
                    self->DoSubmit(std::move(r));
                }
            });
            --self->reconnect_threads_;
        }).detach();
    }

    asio::strand<asio::io_context::executor_type> strand_;
    std::string conninfo_;
    std::chrono::milliseconds statement_timeout_;
    std::unique_ptr<PgConnection> conn_;
    std::optional<asio::posix::stream_descriptor> socket_;
    std::deque<Pending> pending_;                            // sent, in order
    std::vector<std::unique_ptr<PipelineRequest>> waiting_;  // to send once connected
    std::unordered_set<std::string> prepared_;
    bool reading_ = false;
    bool writing_ = false;
    bool connecting_ = false;
    std::atomic<bool> closed_{false};
    std::atomic<int> reconnect_threads_{0};
};

PgPipeline::PgPipeline(asio::io_context& io, std::string conninfo, int connections,
                       std::chrono::milliseconds statement_timeout)
    : io_(io), conninfo_(std::move(conninfo)), statement_timeout_(statement_timeout) {
    for (int i = 0; i < connections; ++i) {
        connections_.push_back(std::make_shared<PipelineConnection>(io_, conninfo_, statement_timeout_));
    }
}

PgPipeline::~PgPipeline() = default;

void PgPipeline::Start() {
    for (auto& c : connections_) {
        c->Open();
    }
}

void PgPipeline::Stop() {
    for (auto& c : connections_) {
        c->Close();
    }
    // A reconnect in progress (bounded by connect_timeout) must not outlive the io_context it posts to.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (auto& c : connections_) {
        while (c->Reconnecting() && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
}

void PgPipeline::Submit(std::unique_ptr<PipelineRequest> request) {
    const auto i = next_.fetch_add(1, std::memory_order_relaxed) % connections_.size();
    connections_[i]->Submit(std::move(request));
}

}  // namespace auction::postgres
