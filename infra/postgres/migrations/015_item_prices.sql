-- Bids that update items in place. A bid.placed changes an item's current_price, bid_count, last_bid_at, version
-- and updated_at. While current_price was in two of items' indexes (001's and 012's price indexes), every such
-- UPDATE was a non-HOT one: PostgreSQL wrote a new row version elsewhere and inserted it into all eleven indexes
-- of items, the two trigram GIN indexes on name and description included, and autovacuum had to clean all eleven
-- after it. That was most of PostgreSQL's CPU in the worker's drain (docs/PERFORMANCE.md).
-- Price-ordered lists now read item_prices: one narrow row per item with its status and current price, and the two
-- indexes those lists use. Statement triggers keep it, in the statement that changes items, so every writer (the
-- worker's bids, the closer, the API, an operator's SQL, and replicas older than this migration) keeps it right.
-- A bid then changes no indexed column of items: a HOT update on the same page (fillfactor leaves room there),
-- plus the narrow row and its three index entries.
-- Idempotent like every migration here; the backfill upserts, so a re-run repairs nothing it need not.
CREATE TABLE IF NOT EXISTS item_prices (
    id            UUID          PRIMARY KEY,
    status        VARCHAR(16)   NOT NULL,
    current_price NUMERIC(18,2) NOT NULL
);

CREATE OR REPLACE FUNCTION item_prices_on_insert() RETURNS TRIGGER AS $$
BEGIN
    INSERT INTO item_prices (id, status, current_price) SELECT id, status, current_price FROM items_added;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION item_prices_on_update() RETURNS TRIGGER AS $$
BEGIN
    UPDATE item_prices p SET status = n.status, current_price = n.current_price FROM items_changed n
    WHERE p.id = n.id AND (p.status <> n.status OR p.current_price <> n.current_price);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION item_prices_on_delete() RETURNS TRIGGER AS $$
BEGIN
    DELETE FROM item_prices p USING items_removed o WHERE p.id = o.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION item_prices_on_truncate() RETURNS TRIGGER AS $$
BEGIN
    TRUNCATE item_prices;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS item_prices_on_insert ON items;
CREATE TRIGGER item_prices_on_insert AFTER INSERT ON items REFERENCING NEW TABLE AS items_added
    FOR EACH STATEMENT EXECUTE FUNCTION item_prices_on_insert();
DROP TRIGGER IF EXISTS item_prices_on_update ON items;
CREATE TRIGGER item_prices_on_update AFTER UPDATE ON items REFERENCING NEW TABLE AS items_changed
    FOR EACH STATEMENT EXECUTE FUNCTION item_prices_on_update();
DROP TRIGGER IF EXISTS item_prices_on_delete ON items;
CREATE TRIGGER item_prices_on_delete AFTER DELETE ON items REFERENCING OLD TABLE AS items_removed
    FOR EACH STATEMENT EXECUTE FUNCTION item_prices_on_delete();
DROP TRIGGER IF EXISTS item_prices_on_truncate ON items;
CREATE TRIGGER item_prices_on_truncate AFTER TRUNCATE ON items
    FOR EACH STATEMENT EXECUTE FUNCTION item_prices_on_truncate();

INSERT INTO item_prices (id, status, current_price) SELECT id, status, current_price FROM items
ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, current_price = EXCLUDED.current_price;
DELETE FROM item_prices p WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.id = p.id);

CREATE INDEX IF NOT EXISTS item_prices_price_id_idx ON item_prices (current_price, id);
CREATE INDEX IF NOT EXISTS item_prices_status_price_id_idx ON item_prices (status, current_price, id);

-- Room on each page for the in-place versions (new pages; existing ones gain it as they are pruned and vacuumed).
ALTER TABLE items SET (fillfactor = 90);
-- Last, so their ACCESS EXCLUSIVE locks are held only from here to the commit (as in 012).
DROP INDEX IF EXISTS items_current_price_idx;
DROP INDEX IF EXISTS items_status_current_price_id_idx;
