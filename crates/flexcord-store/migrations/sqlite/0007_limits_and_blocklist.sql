-- Per-user limits: each user's recent use of every limit (JSON, `flexcord_core::limits::Usage`)
-- lives in their session row, so it is read with the session and written in the same commit
-- under the session's version check: two instances cannot both spend the last allowance.
-- '' = nothing used.
ALTER TABLE sessions ADD COLUMN limit_usage TEXT NOT NULL DEFAULT '';

-- Users staff or operators keep out of support. `noticed_at` is when the user was last told
-- (0 = never), so the notice goes out at most once a day across instances.
CREATE TABLE blocked_users (
    user_id    INTEGER PRIMARY KEY,
    reason     TEXT    NOT NULL,
    blocked_by TEXT    NOT NULL,
    blocked_at INTEGER NOT NULL,
    noticed_at INTEGER NOT NULL DEFAULT 0
);
