-- Items: the auctioned things. Every statement is idempotent so the same files can run through
-- docker-entrypoint-initdb.d and again through the service's own migrator.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE IF NOT EXISTS items (
    id             UUID PRIMARY KEY,
    name           VARCHAR(200)   NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    description    TEXT           NOT NULL DEFAULT '',
    seller_id      VARCHAR(128)   NOT NULL,
    currency_code  CHAR(3)        NOT NULL,
    start_price    NUMERIC(18, 2) NOT NULL CHECK (start_price > 0),
    current_price  NUMERIC(18, 2) NOT NULL CHECK (current_price > 0),
    bid_increment  NUMERIC(18, 2) NOT NULL CHECK (bid_increment > 0),
    start_date     TIMESTAMPTZ    NOT NULL,
    end_date       TIMESTAMPTZ    NOT NULL,
    status         VARCHAR(16)    NOT NULL DEFAULT 'active'
                   CHECK (status IN ('active', 'sold', 'expired', 'cancelled')),
    buyer_id       VARCHAR(128),
    created_at     TIMESTAMPTZ    NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ    NOT NULL DEFAULT now(),
    CHECK (end_date > start_date)
);

CREATE OR REPLACE FUNCTION set_updated_at() RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS items_set_updated_at ON items;
CREATE TRIGGER items_set_updated_at BEFORE UPDATE ON items
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- One index per list filter and sort key; id breaks ties so pages are stable.
CREATE INDEX IF NOT EXISTS items_status_created_idx ON items (status, created_at DESC, id);
CREATE INDEX IF NOT EXISTS items_seller_created_idx ON items (seller_id, created_at DESC, id);
CREATE INDEX IF NOT EXISTS items_created_idx ON items (created_at DESC, id);
CREATE INDEX IF NOT EXISTS items_end_date_idx ON items (end_date, id);
CREATE INDEX IF NOT EXISTS items_current_price_idx ON items (current_price, id);
CREATE INDEX IF NOT EXISTS items_name_trgm_idx ON items USING gin (name gin_trgm_ops);
CREATE INDEX IF NOT EXISTS items_description_trgm_idx ON items USING gin (description gin_trgm_ops);
