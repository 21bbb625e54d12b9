-- The emulator's store. Instants are milliseconds since the Unix epoch (BIGINT), lists are
-- JSON text, so that the same queries run on PostgreSQL with its own migration.

CREATE TABLE webhooks (
    -- increasing and never reused (SPEC §6: webhook ids are increasing integers)
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id TEXT NOT NULL,
    label TEXT,
    status TEXT NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    resource_ids TEXT NOT NULL,
    api_version TEXT NOT NULL,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_until BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE deliveries (
    -- creation order: the list's order and its cursor position
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    webhook_id BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    resource_id TEXT,
    payload TEXT NOT NULL,
    -- 1 for a test event: sent whatever the webhook's status (SPEC §6)
    is_test INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    -- scheduled attempts made so far: the index into the retry schedule
    attempts_made INTEGER NOT NULL DEFAULT 0,
    -- when the next scheduled attempt is due; NULL when none is scheduled
    next_attempt_at BIGINT,
    -- manual attempts asked for through the API and not yet made
    manual_pending INTEGER NOT NULL DEFAULT 0,
    -- 1 while the engine holds the row for an attempt; cleared at start-up
    claimed INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX deliveries_manual ON deliveries (manual_pending) WHERE manual_pending > 0;
CREATE INDEX deliveries_by_webhook ON deliveries (webhook_id, seq);

CREATE TABLE attempts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    delivery_seq BIGINT NOT NULL REFERENCES deliveries (seq) ON DELETE CASCADE,
    attempted_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    response_status_code INTEGER NOT NULL,
    response_body TEXT,
    duration_ms BIGINT NOT NULL,
    trigger_type TEXT NOT NULL,
    url TEXT NOT NULL
);

CREATE INDEX attempts_by_delivery ON attempts (delivery_seq, seq);
