#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

namespace auction::postgres {

/// The channel migration 010's triggers notify: payload "id:version,id:version,..." (deleted items carry the
/// largest bigint as their version).
inline constexpr const char* kItemChangedChannel = "auction_item_changed";

/// Calls `on_changed(id, version)` for every item change another statement committed, from its own thread
/// and database connection (LISTEN). `on_listening` runs once LISTEN is in place (after every (re)connect);
/// `on_lost` runs as soon as the connection is found broken: changes may be missed from then until the next
/// `on_listening`. Reconnects with backoff; a quiet connection is checked with a round trip every few seconds.
class ItemChangeListener {
public:
    struct Callbacks {
        std::function<void()> on_listening;
        std::function<void()> on_lost;
        std::function<void(std::string_view id, std::int64_t version)> on_changed;
    };

    ItemChangeListener(std::string conninfo, Callbacks callbacks);
    ~ItemChangeListener();
    ItemChangeListener(const ItemChangeListener&) = delete;
    ItemChangeListener& operator=(const ItemChangeListener&) = delete;

    void Start();
    void Stop();
    /// True while LISTEN is in place.
    bool Listening() const noexcept { return listening_.load(std::memory_order_acquire); }
    /// How many times the connection was (re)established with LISTEN.
    std::uint64_t Connects() const noexcept { return connects_.load(std::memory_order_relaxed); }

    /// Parses one notification payload, calling `on_changed` per well-formed "id:version" entry; returns how
    /// many entries were malformed (skipped).
    static std::size_t ParsePayload(std::string_view payload,
                                    const std::function<void(std::string_view, std::int64_t)>& on_changed);

private:
    void Run();
    /// Waits `d`, or less when Stop wakes it.
    void SleepFor(std::chrono::milliseconds d) const;

    const std::string conninfo_;
    const Callbacks callbacks_;
    std::atomic<bool> listening_{false};
    std::atomic<std::uint64_t> connects_{0};
    std::atomic<bool> stopping_{false};
    std::thread thread_;
    int wake_fd_ = -1;  // eventfd: Stop makes it readable, which ends every wait of the thread
};

}  // namespace auction::postgres
