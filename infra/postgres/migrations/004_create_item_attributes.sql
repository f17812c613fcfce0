-- Free key/value metadata; a key appears once per item.
CREATE TABLE IF NOT EXISTS item_attributes (
    id          UUID PRIMARY KEY,
    item_id     UUID NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    key         VARCHAR(100) NOT NULL CHECK (char_length(key) >= 1),
    value       VARCHAR(1000) NOT NULL,
    created_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    UNIQUE (item_id, key)
);

CREATE INDEX IF NOT EXISTS item_attributes_key_value_idx ON item_attributes (key, value);

DROP TRIGGER IF EXISTS item_attributes_set_updated_at ON item_attributes;
CREATE TRIGGER item_attributes_set_updated_at BEFORE UPDATE ON item_attributes
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
