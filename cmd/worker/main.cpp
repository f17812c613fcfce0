// auction-worker: consumes bid.placed.v1 / bid.won.v1 and updates item state; runs as several replicas.
#include <iostream>
#include <string_view>

#include "cmd/worker/worker_app.hpp"
#include "pkg/config/config.hpp"
#include "pkg/logging/logger.hpp"
#include "pkg/process/memory_defaults.hpp"
#include "pkg/process/stop_signals.hpp"

int main(int argc, char** argv) {
    using namespace auction;
    const std::string_view command = argc > 1 ? argv[1] : "";
    if (argc > 2 || (!command.empty() && command != "--migrate-queues" && command != "--config-table")) {
        std::cerr << "usage: auction-worker [--migrate-queues | --config-table]\n";
        return 2;
    }
    if (command == "--config-table") {
        // The variables this program reads (README "Configuration"; scripts/compose_check.py checks against it).
        std::cout << config::ConfigTableJson(config::WorkerConfigTable());
        return 0;
    }
    process::ApplyMemoryDefaults(argv);  // may execute the program again, with the same arguments
    // Block the stop signals before any thread starts, then wait for one on the main thread.
    const sigset_t signals = process::BlockStopSignals();

    config::WorkerConfig cfg;
    try {
        cfg = config::LoadWorkerConfig(config::Environment::Load(".env"));
    } catch (const config::ConfigError& e) {
        std::cerr << "auction-worker: configuration error: " << e.what() << '\n';
        return 2;
    }
    logging::Init(cfg.service_name, cfg.log_level);
    if (command == "--migrate-queues") {
        // One-off maintenance (docs/DEPLOYMENT.md, "Changing the queue type"), with the workers stopped.
        int status = 0;
        try {
            worker::MigrateQueues(cfg);
        } catch (const std::exception& e) {
            logging::Error("queue migration failed; run it again once the cause is fixed", {{"error", e.what()}});
            status = 1;
        }
        logging::Shutdown();
        return status;
    }
    try {
        worker::WorkerApp worker(cfg);
        worker.Start();
        logging::Info("Worker service started successfully", {{"workerId", cfg.worker_id},
                                                              {"prefetchCount", cfg.prefetch_count},
                                                              {"workerPoolSize", cfg.worker_pool_size},
                                                              {"maxOpenConns", cfg.postgres.max_open_conns},
                                                              {"maxIdleConns", cfg.postgres.max_idle_conns},
                                                              {"healthPort", worker.health_port()}});
        const int sig = process::WaitForStopSignal(signals);
        logging::Info("shutting down", {{"signal", sig}});
        worker.Stop();
        const auto stats = worker.Stats();
        logging::Info("Worker service stopped", {{"received", stats.received},
                                                 {"acked", stats.acked},
                                                 {"deadLettered", stats.dead_lettered},
                                                 {"requeued", stats.requeued},
                                                 {"batches", stats.batches}});
    } catch (const std::exception& e) {
        logging::Error("Worker service failed", {{"error", e.what()}});
        logging::Shutdown();
        return 1;
    }
    logging::Shutdown();
    return 0;
}
