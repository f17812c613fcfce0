-- Idempotency for the worker: one row per applied bid event, written in the transaction that applies it,
-- so a redelivered or duplicated event is recognised and changes nothing twice.
CREATE TABLE IF NOT EXISTS processed_bid_events (
    bid_id        VARCHAR(128) NOT NULL,
    event_type    VARCHAR(32)  NOT NULL CHECK (event_type IN ('bid.placed', 'bid.won')),
    item_id       UUID         NOT NULL,
    processed_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    PRIMARY KEY (bid_id, event_type)
);

CREATE INDEX IF NOT EXISTS processed_bid_events_processed_at_idx ON processed_bid_events (processed_at);
