-- Image metadata; the bytes live in S3/MinIO under object_key.
CREATE TABLE IF NOT EXISTS item_images (
    id             UUID PRIMARY KEY,
    item_id        UUID NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    object_key     VARCHAR(512) NOT NULL UNIQUE,
    image_url      VARCHAR(1024) NOT NULL,
    content_type   VARCHAR(64) NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg')),
    size_bytes     BIGINT NOT NULL CHECK (size_bytes > 0 AND size_bytes <= 5242880),
    display_order  INTEGER NOT NULL DEFAULT 0,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS item_images_item_order_idx ON item_images (item_id, display_order, created_at);

DROP TRIGGER IF EXISTS item_images_set_updated_at ON item_images;
CREATE TRIGGER item_images_set_updated_at BEFORE UPDATE ON item_images
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
