#include "infra/postgres/item_change_listener.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>

#include "infra/postgres/connection.hpp"
#include "pkg/logging/logger.hpp"

namespace auction::postgres {

namespace {

// A quiet connection is checked this often: a server that went away without closing the socket is noticed.
constexpr auto kCheckInterval = std::chrono::seconds(5);

}  // namespace

ItemChangeListener::ItemChangeListener(std::string conninfo, Callbacks callbacks)
    : conninfo_(std::move(conninfo)),
      callbacks_(std::move(callbacks)),
      wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

ItemChangeListener::~ItemChangeListener() {
    Stop();
    if (wake_fd_ >= 0) {
        close(wake_fd_);
    }
}

void ItemChangeListener::Start() {
    if (!thread_.joinable()) {
        stopping_ = false;
        std::uint64_t pending = 0;
        (void)!read(wake_fd_, &pending, sizeof pending);  // a Stop before this Start must not end its waits
        thread_ = std::thread([this] { Run(); });
    }
}

void ItemChangeListener::Stop() {
    stopping_ = true;
    if (wake_fd_ >= 0) {
        const std::uint64_t one = 1;
        (void)!write(wake_fd_, &one, sizeof one);
    }
    if (thread_.joinable()) {
        thread_.join();
    }
}

void ItemChangeListener::SleepFor(std::chrono::milliseconds d) const {
    pollfd fd{wake_fd_, POLLIN, 0};
    (void)poll(&fd, 1, static_cast<int>(d.count()));
}

std::size_t ItemChangeListener::ParsePayload(std::string_view payload,
                                             const std::function<void(std::string_view, std::int64_t)>& on_changed) {
    std::size_t malformed = 0;
    while (!payload.empty()) {
        const auto comma = payload.find(',');
        const auto entry = payload.substr(0, comma);
        payload = comma == std::string_view::npos ? std::string_view() : payload.substr(comma + 1);
        const auto colon = entry.rfind(':');
        std::int64_t version = 0;
        if (colon == std::string_view::npos || colon == 0) {
            ++malformed;
            continue;
        }
        const auto digits = entry.substr(colon + 1);
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), version);
        if (ec != std::errc() || end != digits.data() + digits.size()) {
            ++malformed;
            continue;
        }
        on_changed(entry.substr(0, colon), version);
    }
    return malformed;
}

void ItemChangeListener::Run() {
    std::chrono::milliseconds backoff{100};
    while (!stopping_) {
        std::unique_ptr<PgConnection> conn;
        try {
            conn = PgConnection::Connect(conninfo_, std::chrono::seconds(5));
            conn->Exec(std::string("LISTEN ") + kItemChangedChannel);
            listening_.store(true, std::memory_order_release);
            connects_.fetch_add(1, std::memory_order_relaxed);
            callbacks_.on_listening();
            backoff = std::chrono::milliseconds(100);
            auto last_traffic = std::chrono::steady_clock::now();
            while (!stopping_) {
                PGconn* raw = conn->Raw();
                pollfd fds[2] = {{PQsocket(raw), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
                const int ready = poll(fds, 2, 1000);
                if (stopping_) {
                    break;
                }
                if (ready > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
                    if (PQconsumeInput(raw) == 0 || PQstatus(raw) == CONNECTION_BAD) {
                        throw PgError("lost the item change listener's connection", "", "", true);
                    }
                    while (PGnotify* n = PQnotifies(raw)) {
                        const auto malformed = ParsePayload(n->extra, callbacks_.on_changed);
                        if (malformed > 0) {
                            logging::Warn("malformed item change notification", {{"payload", n->extra}});
                        }
                        PQfreemem(n);
                    }
                    last_traffic = std::chrono::steady_clock::now();
                } else if (std::chrono::steady_clock::now() - last_traffic >= kCheckInterval) {
                    conn->Exec("SELECT 1");  // throws when the server is gone
                    last_traffic = std::chrono::steady_clock::now();
                }
            }
        } catch (const std::exception& e) {
            if (listening_.exchange(false)) {
                callbacks_.on_lost();
                logging::Warn("item change listener lost PostgreSQL; the item cache is bypassed until it listens again",
                              {{"error", e.what()}});
            }
            conn.reset();
            SleepFor(backoff);
            backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
            continue;
        }
        if (listening_.exchange(false)) {
            callbacks_.on_lost();
        }
    }
}

}  // namespace auction::postgres
