-- The Discord gateway session of the instance that holds the gateway (one row): who holds it
-- and the session a restart resumes (session id, last sequence, resume URL).
CREATE TABLE gateway (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    owner       TEXT,
    owner_since INTEGER,
    session_id  TEXT,
    sequence    INTEGER,
    resume_url  TEXT,
    saved_at    INTEGER
);
INSERT INTO gateway (id) VALUES (1);
