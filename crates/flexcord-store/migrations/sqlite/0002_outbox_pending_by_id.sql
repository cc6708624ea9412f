-- The outbox claim walks pending entries in id order. Without this index SQLite scanned the
-- whole table, finished rows included (kept for a week), so every claim got slower as traffic
-- accumulated. A partial index holds only pending rows: the claim's cost tracks the backlog.
CREATE INDEX outbox_pending_by_id ON outbox (id) WHERE state = 'pending';
