-- Idempotency-Key on POST (README "Retries"; draft-ietf-httpapi-idempotency-key-header). One row per user and key:
-- while a request holds it, `token` is its claim and `lease_until` bounds it (a request whose process died frees
-- the key when the lease ends); the answer (status, headers, body) is written by the request's own transaction, so
-- a key is never completed without its change, nor a change committed without its key. Rows older than
-- IDEMPOTENCY_TTL are purged by the API.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    user_id       VARCHAR(128) NOT NULL,
    idem_key      VARCHAR(255) NOT NULL,
    fingerprint   CHAR(64)     NOT NULL,  -- SHA-256 (hex) of the method, the path and the body's digest
    token         UUID         NOT NULL,
    lease_until   TIMESTAMPTZ,
    created_at    TIMESTAMPTZ  NOT NULL DEFAULT now(),
    completed_at  TIMESTAMPTZ,
    status        INTEGER,
    content_type  TEXT,
    location      TEXT,
    etag          TEXT,
    body          TEXT,
    PRIMARY KEY (user_id, idem_key)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_created_at_idx ON idempotency_keys (created_at);
