-- Comments are listed oldest first per item.
CREATE TABLE IF NOT EXISTS item_comments (
    id          UUID PRIMARY KEY,
    item_id     UUID NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    author_id   VARCHAR(128) NOT NULL,
    content     TEXT NOT NULL CHECK (char_length(content) BETWEEN 1 AND 2000),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS item_comments_item_created_idx ON item_comments (item_id, created_at, id);

DROP TRIGGER IF EXISTS item_comments_set_updated_at ON item_comments;
CREATE TRIGGER item_comments_set_updated_at BEFORE UPDATE ON item_comments
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
