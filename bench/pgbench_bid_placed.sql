-- The worker's per-event transaction for one bid.placed, as a one-commit-per-event consumer would run it:
-- lock the item, record the event for idempotency, raise the price if higher. bench/worker_bench.sh runs
-- this with pgbench to measure the "one commit per event" limit the worker must beat by batching.
-- Committed as the worker commits (infra/postgres/bid_repository.cpp): the price update fires the item-change
-- notification, so the transaction commits asynchronously (not holding the notify lock through an fsync) and a
-- second, synchronous transaction waits for the WAL flush that makes it durable (it writes one WAL record, so its
-- commit flushes: infra/postgres/connection.cpp, PgConnection::Commit).
\set n random(1, :items)
\set cents random(10100, 100000000)
BEGIN;
SET LOCAL synchronous_commit TO off;
SELECT id, currency_code, status, current_price FROM items WHERE id = (SELECT id FROM bench_bid_items WHERE n = :n) FOR UPDATE;
INSERT INTO processed_bid_events (bid_id, event_type, item_id) SELECT gen_random_uuid()::text, 'bid.placed', id FROM bench_bid_items WHERE n = :n ON CONFLICT DO NOTHING;
UPDATE items SET current_price = :cents / 100.0, bid_count = bid_count + 1, last_bid_at = now() WHERE id = (SELECT id FROM bench_bid_items WHERE n = :n) AND status = 'active' AND current_price < :cents / 100.0;
END;
SELECT txid_current(), pg_logical_emit_message(false, 'auction', 'flush');
