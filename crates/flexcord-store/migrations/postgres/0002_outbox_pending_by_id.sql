-- The outbox claim walks pending entries in id order; a partial index of pending rows keeps
-- its cost proportional to the backlog rather than to every finished row kept for a week.
CREATE INDEX outbox_pending_by_id ON outbox (id) WHERE state = 'pending';
