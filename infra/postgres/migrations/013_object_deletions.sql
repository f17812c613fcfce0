-- Nothing left behind in S3 (README "Images"): when an image row goes, by the image's DELETE, by its item's
-- cascade, or by an operator's SQL, its object key is queued here in the same transaction, and the API replicas
-- delete the objects from S3, retrying until S3 answers (surviving restarts of the API and of S3).
CREATE TABLE IF NOT EXISTS pending_object_deletions (
    object_key       VARCHAR(512) PRIMARY KEY,
    queued_at        TIMESTAMPTZ  NOT NULL DEFAULT now(),
    attempts         INTEGER      NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    last_error       TEXT
);
CREATE INDEX IF NOT EXISTS pending_object_deletions_next_attempt_idx ON pending_object_deletions (next_attempt_at);

CREATE OR REPLACE FUNCTION item_images_queue_object_deletion() RETURNS TRIGGER AS $$
BEGIN
    INSERT INTO pending_object_deletions (object_key) SELECT object_key FROM images_gone
    ON CONFLICT (object_key) DO UPDATE SET next_attempt_at = now();
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS item_images_queue_object_deletion ON item_images;
CREATE TRIGGER item_images_queue_object_deletion AFTER DELETE ON item_images REFERENCING OLD TABLE AS images_gone
    FOR EACH STATEMENT EXECUTE FUNCTION item_images_queue_object_deletion();
