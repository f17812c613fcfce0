-- Transactional outbox: a change and its event commit together; the relay publishes rows with
-- publisher confirms and deletes them only after the broker confirmed. id orders events per item,
-- because every writer locks the item row before it inserts its event.
CREATE TABLE IF NOT EXISTS outbox_events (
    id              BIGSERIAL PRIMARY KEY,
    event_id        UUID        NOT NULL UNIQUE,
    exchange        VARCHAR(128) NOT NULL,
    routing_key     VARCHAR(128) NOT NULL,
    aggregate_id    VARCHAR(128) NOT NULL,
    correlation_id  VARCHAR(128) NOT NULL,
    body            TEXT        NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
