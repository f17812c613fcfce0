#pragma once

#include <array>
#include <string_view>

namespace auction::metrics {

/// The kind of a metric family, as its `# TYPE` line names it.
enum class Type { kCounter, kGauge, kHistogram };

std::string_view TypeName(Type type) noexcept;

/// A metric family: its name, type and help text. Every family either program exports is declared once below
/// and written through these declarations (metrics.hpp takes a Family, never a bare name), so a name, type or
/// help text cannot differ between the places that write it. docs/METRICS.md documents each one; a unit test
/// checks that, and an integration test checks that both programs' /metrics expose nothing undeclared.
struct Family {
    std::string_view name;
    Type type;
    std::string_view help;  // our own constant text: no backslashes or line breaks to escape
};

namespace families {

// HTTP server (both programs serve /metrics; the API counts its routes).
inline constexpr Family kHttpRequestsTotal{"auction_http_requests_total", Type::kCounter,
                                           "HTTP requests answered, by route pattern, method and status."};
inline constexpr Family kHttpRequestDurationSeconds{
    "auction_http_request_duration_seconds", Type::kHistogram,
    "Time from routing a request (fully read) to its response, by route pattern and status class."};

// Logging (both programs).
inline constexpr Family kLogDroppedTotal{
    "auction_log_dropped_total", Type::kCounter,
    "Log lines dropped because the log output could not keep up (a warning line says so)."};

// Connection pool and outbox backlog (both programs).
inline constexpr Family kDbPoolMaxOpen{"auction_db_pool_max_open", Type::kGauge,
                                       "Most connections the pool may open (MaxOpenConns)."};
inline constexpr Family kDbPoolOpen{"auction_db_pool_open", Type::kGauge, "Connections open, in use or idle."};
inline constexpr Family kDbPoolInUse{"auction_db_pool_in_use", Type::kGauge, "Connections leased out."};
inline constexpr Family kDbPoolIdle{"auction_db_pool_idle", Type::kGauge, "Idle connections."};
inline constexpr Family kDbPoolWaitCountTotal{"auction_db_pool_wait_count_total", Type::kCounter,
                                              "Acquisitions that had to wait for a connection."};
inline constexpr Family kDbPoolWaitDurationSecondsTotal{"auction_db_pool_wait_duration_seconds_total", Type::kCounter,
                                                        "Total time spent waiting for a connection."};
inline constexpr Family kOutboxBacklog{"auction_outbox_backlog", Type::kGauge,
                                       "Outbox events waiting to be published."};
inline constexpr Family kOutboxOldestEventAgeSeconds{
    "auction_outbox_oldest_event_age_seconds", Type::kGauge,
    "Age of the oldest unpublished outbox event (0 when there is none)."};

// Outbox relay (both programs).
inline constexpr Family kOutboxPublishedTotal{"auction_outbox_published_total", Type::kCounter,
                                              "Outbox events this process's relay published (broker-confirmed)."};
inline constexpr Family kOutboxRelayFailuresTotal{
    "auction_outbox_relay_failures_total", Type::kCounter,
    "Relay rounds that failed on the broker or the database (retried with backoff)."};
inline constexpr Family kOutboxRelayLeader{
    "auction_outbox_relay_leader", Type::kGauge,
    "1 when this process's relay holds the publishing lock (one relay publishes at a time)."};
inline constexpr Family kOutboxPublishLatencySeconds{
    "auction_outbox_publish_latency_seconds", Type::kHistogram,
    "Per published event: from the outbox row's created_at to the broker's confirm."};

// Item cache (API).
inline constexpr Family kItemCacheHitsTotal{"auction_item_cache_hits_total", Type::kCounter,
                                            "GET /api/v1/items/:id answered from the item cache."};
inline constexpr Family kItemCacheMissesTotal{
    "auction_item_cache_misses_total", Type::kCounter,
    "GET /api/v1/items/:id that read the database (not cached, or the cache was bypassed)."};
inline constexpr Family kItemCacheEvictionsTotal{"auction_item_cache_evictions_total", Type::kCounter,
                                                 "Cached items dropped to stay within ITEM_CACHE_BYTES."};
inline constexpr Family kItemCacheInvalidationsTotal{
    "auction_item_cache_invalidations_total", Type::kCounter,
    "Cached items dropped because the item changed (a notification or this replica's write)."};
inline constexpr Family kItemCacheStaleFillsTotal{
    "auction_item_cache_stale_fills_total", Type::kCounter,
    "Database reads not cached because the item may have changed while they ran."};
inline constexpr Family kItemCacheEntries{"auction_item_cache_entries", Type::kGauge, "Items in the cache."};
inline constexpr Family kItemCacheBytes{"auction_item_cache_bytes", Type::kGauge,
                                        "Bytes the cached items take (JSON, key and bookkeeping)."};
inline constexpr Family kItemCacheBudgetBytes{"auction_item_cache_budget_bytes", Type::kGauge, "ITEM_CACHE_BYTES."};
inline constexpr Family kItemCacheEnabled{
    "auction_item_cache_enabled", Type::kGauge,
    "1 while the change notifications are listened to and the cache serves; 0 while bypassed."};

// API housekeeping and group commit.
inline constexpr Family kImageObjectsDeletedTotal{
    "auction_image_objects_deleted_total", Type::kCounter,
    "Image objects this replica deleted from S3 after their rows were deleted."};
inline constexpr Family kImageObjectDeleteFailuresTotal{
    "auction_image_object_delete_failures_total", Type::kCounter,
    "Failed S3 deletes of image objects (each is retried with backoff)."};
inline constexpr Family kImageObjectsPendingDeletion{
    "auction_image_objects_pending_deletion", Type::kGauge,
    "Image objects whose rows are gone, waiting to be deleted from S3."};
inline constexpr Family kPurgedRowsTotal{
    "auction_purged_rows_total", Type::kCounter,
    "Rows this replica purged past their retention (idempotency keys past IDEMPOTENCY_TTL)."};
inline constexpr Family kItemCreateBatchesTotal{
    "auction_item_create_batches_total", Type::kCounter,
    "Group commits of POST /api/v1/items: transactions that carried the creates."};
inline constexpr Family kItemCreateBatchItemsTotal{"auction_item_create_batch_items_total", Type::kCounter,
                                                   "Items those group commits carried."};

// Worker.
inline constexpr Family kWorkerMessagesConsumedTotal{"auction_worker_messages_consumed_total", Type::kCounter,
                                                     "Bid messages received from the broker."};
inline constexpr Family kWorkerMessagesAckedTotal{"auction_worker_messages_acked_total", Type::kCounter,
                                                  "Bid messages acknowledged after their commit."};
inline constexpr Family kWorkerMessagesDeadLetteredTotal{"auction_worker_messages_dead_lettered_total", Type::kCounter,
                                                         "Bid messages sent to the dead-letter queue."};
inline constexpr Family kWorkerMessagesRequeuedTotal{
    "auction_worker_messages_requeued_total", Type::kCounter,
    "Bid messages handed back to the broker for redelivery (e.g. on shutdown)."};
inline constexpr Family kWorkerRetriesTotal{"auction_worker_retries_total", Type::kCounter,
                                            "Database attempts that failed transiently and were retried in-process."};
inline constexpr Family kWorkerBatchesTotal{"auction_worker_batches_total", Type::kCounter,
                                            "Batches handed to the worker pool."};
inline constexpr Family kWorkerMessagesInFlight{"auction_worker_messages_in_flight", Type::kGauge,
                                                "Bid messages received and not yet settled."};
inline constexpr Family kWorkerConsumerConnected{"auction_worker_consumer_connected", Type::kGauge,
                                                 "1 while the consumer's broker connection is up."};
inline constexpr Family kWorkerBidsIgnoredTotal{
    "auction_worker_bids_ignored_total", Type::kCounter,
    "bid.placed events outside their auction's window: acknowledged, changed nothing."};
inline constexpr Family kWorkerLateBidsTotal{
    "auction_worker_late_bids_total", Type::kCounter,
    "Bids applied to an item the closer had expired: a bid.placed that reopened it, or a bid.won that sold it."};
inline constexpr Family kWorkerAuctionsClosedTotal{
    "auction_worker_auctions_closed_total", Type::kCounter,
    "Items this replica's closer expired: without bids, or with bids but no bid.won within the settle timeout."};
inline constexpr Family kWorkerCloseBatchesTotal{"auction_worker_close_batches_total", Type::kCounter,
                                                 "Closer transactions that expired at least one item."};
inline constexpr Family kWorkerCloseFailuresTotal{
    "auction_worker_close_failures_total", Type::kCounter,
    "Closer rounds that failed (database unreachable, ...) and were retried."};
inline constexpr Family kWorkerPurgedRowsTotal{
    "auction_worker_purged_rows_total", Type::kCounter,
    "Bookkeeping rows this replica purged past their retention (BID_DEDUPE_RETENTION)."};
inline constexpr Family kWorkerMessageProcessingSeconds{
    "auction_worker_message_processing_seconds", Type::kHistogram,
    "Per message: from its arrival to its ack, dead-letter or requeue."};
inline constexpr Family kWorkerBatchHandlerSeconds{"auction_worker_batch_handler_seconds", Type::kHistogram,
                                                   "Per batch: time the handler spent (decoding and the database)."};
inline constexpr Family kWorkerQueueMessages{
    "auction_worker_queue_messages", Type::kGauge,
    "Messages ready in the queue, not yet delivered to a consumer (the consumer lag)."};
inline constexpr Family kWorkerQueueConsumers{"auction_worker_queue_consumers", Type::kGauge,
                                              "Consumers attached to the queue."};

/// Every family above, for the checks.
inline constexpr std::array kAll = {
    &kHttpRequestsTotal,
    &kHttpRequestDurationSeconds,
    &kLogDroppedTotal,
    &kDbPoolMaxOpen,
    &kDbPoolOpen,
    &kDbPoolInUse,
    &kDbPoolIdle,
    &kDbPoolWaitCountTotal,
    &kDbPoolWaitDurationSecondsTotal,
    &kOutboxBacklog,
    &kOutboxOldestEventAgeSeconds,
    &kOutboxPublishedTotal,
    &kOutboxRelayFailuresTotal,
    &kOutboxRelayLeader,
    &kOutboxPublishLatencySeconds,
    &kItemCacheHitsTotal,
    &kItemCacheMissesTotal,
    &kItemCacheEvictionsTotal,
    &kItemCacheInvalidationsTotal,
    &kItemCacheStaleFillsTotal,
    &kItemCacheEntries,
    &kItemCacheBytes,
    &kItemCacheBudgetBytes,
    &kItemCacheEnabled,
    &kImageObjectsDeletedTotal,
    &kImageObjectDeleteFailuresTotal,
    &kImageObjectsPendingDeletion,
    &kPurgedRowsTotal,
    &kItemCreateBatchesTotal,
    &kItemCreateBatchItemsTotal,
    &kWorkerMessagesConsumedTotal,
    &kWorkerMessagesAckedTotal,
    &kWorkerMessagesDeadLetteredTotal,
    &kWorkerMessagesRequeuedTotal,
    &kWorkerRetriesTotal,
    &kWorkerBatchesTotal,
    &kWorkerMessagesInFlight,
    &kWorkerConsumerConnected,
    &kWorkerBidsIgnoredTotal,
    &kWorkerLateBidsTotal,
    &kWorkerAuctionsClosedTotal,
    &kWorkerCloseBatchesTotal,
    &kWorkerCloseFailuresTotal,
    &kWorkerPurgedRowsTotal,
    &kWorkerMessageProcessingSeconds,
    &kWorkerBatchHandlerSeconds,
    &kWorkerQueueMessages,
    &kWorkerQueueConsumers,
};

}  // namespace families

}  // namespace auction::metrics
