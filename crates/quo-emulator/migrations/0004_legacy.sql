-- Quo's legacy webhooks (`/v1/webhooks`) and their delivery queue. Kept apart from the new
-- system's tables: the legacy system has no delivery history, only a queue of attempts to make.

CREATE TABLE legacy_webhooks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    -- `WH` + hex, as Quo's legacy ids
    id TEXT NOT NULL UNIQUE,
    user_id TEXT,
    org_id TEXT NOT NULL,
    label TEXT,
    status TEXT NOT NULL,
    url TEXT NOT NULL,
    -- the legacy signing key: base64, no prefix
    signing_key TEXT NOT NULL,
    events TEXT NOT NULL,
    resource_ids TEXT NOT NULL,
    -- the payload version it receives (`v4` for webhooks made through the API)
    api_version TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE legacy_deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id TEXT NOT NULL REFERENCES legacy_webhooks (id) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    -- pending, success or failed
    status TEXT NOT NULL,
    attempts_made INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    claimed INTEGER NOT NULL DEFAULT 0,
    last_status_code INTEGER,
    created_at BIGINT NOT NULL
);

CREATE INDEX legacy_deliveries_due ON legacy_deliveries (next_attempt_at)
    WHERE next_attempt_at IS NOT NULL;
