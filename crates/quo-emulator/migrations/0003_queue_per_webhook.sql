-- The engine's queue, per webhook: deliveries waiting for a scheduled attempt that no attempt
-- holds, in due order. The dispatcher reads it only for webhooks with free slots, so a dead
-- endpoint's backlog is never stepped over, and the next due time of a webhook is one probe.
CREATE INDEX deliveries_queue ON deliveries (webhook_id, next_attempt_at)
    WHERE next_attempt_at IS NOT NULL AND claimed = 0;
-- Deliveries held by an attempt whose outcome is not yet committed (at most `max_in_flight`):
-- "is anything in flight" and the release at start-up read this, not the table.
CREATE INDEX deliveries_claimed ON deliveries (webhook_id) WHERE claimed = 1;
