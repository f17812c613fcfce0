-- Many-to-many between items and categories.
CREATE TABLE IF NOT EXISTS item_categories (
    item_id      UUID NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    category_id  UUID NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (item_id, category_id)
);

-- The categoryId list filter walks from category to items.
CREATE INDEX IF NOT EXISTS item_categories_category_idx ON item_categories (category_id, item_id);
