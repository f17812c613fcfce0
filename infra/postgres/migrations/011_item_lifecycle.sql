-- The item lifecycle (docs: README "Auction lifecycle"): time is part of an item's state.
--   bid_count    bids applied to the item (in its window, above the price at the time); the closer expires an
--                item without bids and waits for bid.won.v1 for one with bids.
--   last_bid_at  when the last of them was applied (the database's clock): the settle timeout counts from the
--                later of endDate and this, so a late bid that reopens an expired item gets a full timeout.
-- Items already past their end when this ships are closed by the worker's closer like any other.
ALTER TABLE items ADD COLUMN IF NOT EXISTS bid_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN IF NOT EXISTS last_bid_at TIMESTAMPTZ;

-- Items whose price moved before bids were counted had bids: they await settlement, not expiry.
UPDATE items SET bid_count = 1 WHERE bid_count = 0 AND current_price > start_price;

-- The closer's scan: active items in end order (small: only the active ones).
CREATE INDEX IF NOT EXISTS idx_items_active_end_date ON items (end_date) WHERE status = 'active';

-- When a bid without any timestamp (neither the envelope's nor the AMQP property) was first received, kept
-- outside the bid's own transaction so a redelivery after a rollback or a crash sees the same time.
CREATE TABLE IF NOT EXISTS bid_receipts (
    bid_id       VARCHAR(128) PRIMARY KEY,
    received_at  TIMESTAMPTZ  NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS bid_receipts_received_at_idx ON bid_receipts (received_at);
