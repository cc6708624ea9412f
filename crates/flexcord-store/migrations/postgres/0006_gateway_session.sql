-- The Discord gateway session of the instance that holds the gateway (one row): who holds it
-- and the session a new holder resumes (session id, last sequence, resume URL). Ownership itself
-- is a session-level advisory lock (see gateway_lease.rs); `owner` only names the holder.
CREATE TABLE gateway (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    owner       TEXT,
    owner_since BIGINT,
    session_id  TEXT,
    sequence    BIGINT,
    resume_url  TEXT,
    saved_at    BIGINT
);
INSERT INTO gateway (id) VALUES (1);
