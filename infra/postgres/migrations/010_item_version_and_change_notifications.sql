-- Item versions and change notifications, for the API replicas' item caches (and the ETag of the
-- safe-writes rules). Every UPDATE of an item bumps its version, whoever runs it (the API, the worker, an
-- operator's psql). Once per statement, not per row, the changed items go out as NOTIFY auction_item_changed
-- with the payload "id:version,id:version,..." (at most 100 items per notification, well under the 8000-byte
-- limit); a deleted item is sent with the largest bigint as its version. Notifications are delivered when
-- the transaction commits, and not at all when it rolls back. Idempotent like every migration here.
ALTER TABLE items ADD COLUMN IF NOT EXISTS version BIGINT NOT NULL DEFAULT 1;

CREATE OR REPLACE FUNCTION items_bump_version() RETURNS TRIGGER AS $$
BEGIN
    NEW.version = OLD.version + 1;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS items_bump_version ON items;
CREATE TRIGGER items_bump_version BEFORE UPDATE ON items
    FOR EACH ROW EXECUTE FUNCTION items_bump_version();

-- One function for both triggers: each names its transition table items_changed; a deleted item goes out
-- with the largest bigint as its version, so it is newer than anything a cache holds.
CREATE OR REPLACE FUNCTION items_notify_changed() RETURNS TRIGGER AS $$
DECLARE
    payload TEXT;
BEGIN
    FOR payload IN
        SELECT string_agg(id::text || ':' ||
                          CASE WHEN TG_OP = 'DELETE' THEN '9223372036854775807' ELSE version::text END, ',')
        FROM (SELECT id, version, (row_number() OVER () - 1) / 100 AS chunk FROM items_changed) AS rows
        GROUP BY chunk
    LOOP
        PERFORM pg_notify('auction_item_changed', payload);
    END LOOP;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS items_notify_updated ON items;
CREATE TRIGGER items_notify_updated AFTER UPDATE ON items REFERENCING NEW TABLE AS items_changed
    FOR EACH STATEMENT EXECUTE FUNCTION items_notify_changed();
DROP TRIGGER IF EXISTS items_notify_deleted ON items;
CREATE TRIGGER items_notify_deleted AFTER DELETE ON items REFERENCING OLD TABLE AS items_changed
    FOR EACH STATEMENT EXECUTE FUNCTION items_notify_changed();
