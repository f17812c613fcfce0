// auction-api: HTTP REST API for items and categories, publisher of item.* events.
#include <cstdlib>
#include <iostream>
#include <string_view>

#include "cmd/api/api_app.hpp"
#include "pkg/config/config.hpp"
#include "pkg/logging/logger.hpp"
#include "pkg/process/memory_defaults.hpp"
#include "pkg/process/stop_signals.hpp"

int main(int argc, char** argv) {
    using namespace auction;
    const std::string_view command = argc > 1 ? argv[1] : "";
    if (argc > 2 || (!command.empty() && command != "--config-table")) {
        std::cerr << "usage: auction-api [--config-table]\n";
        return 2;
    }
    if (command == "--config-table") {
        // The variables this program reads (README "Configuration"; scripts/compose_check.py checks against it).
        std::cout << config::ConfigTableJson(config::ApiConfigTable());
        return 0;
    }
    process::ApplyMemoryDefaults(argv);  // may execute the program again, with the same arguments
    // Block the stop signals before any thread starts, then wait for one on the main thread.
    const sigset_t signals = process::BlockStopSignals();

    config::ApiConfig cfg;
    try {
        cfg = config::LoadApiConfig(config::Environment::Load(".env"));
    } catch (const config::ConfigError& e) {
        std::cerr << "auction-api: configuration error: " << e.what() << '\n';
        return 2;
    }
    logging::Init(cfg.service_name, cfg.log_level);
    try {
        api::ApiApp api(cfg);
        const auto port = api.Start();
        logging::Info("API service started successfully", {{"port", port}, {"httpThreads", cfg.http_threads}});
        const int sig = process::WaitForStopSignal(signals);
        if (cfg.shutdown_drain.count() > 0) {
            // Rolling restarts (docs/DEPLOYMENT.md): fail /readyz and keep serving while the load balancer
            // notices and moves away; only then close the listener. A second signal cuts the drain short.
            logging::Info("draining", {{"signal", sig}, {"drainMs", cfg.shutdown_drain.count()}});
            api.BeginDrain();
            if (const auto again = process::WaitForStopSignal(signals, cfg.shutdown_drain)) {
                logging::Info("drain cut short", {{"signal", *again}});
            }
        }
        logging::Info("shutting down", {{"signal", sig}});
        api.Stop();
        logging::Info("API service stopped");
    } catch (const std::exception& e) {
        logging::Error("API service failed", {{"error", e.what()}});
        logging::Shutdown();
        return 1;
    }
    logging::Shutdown();
    return 0;
}
