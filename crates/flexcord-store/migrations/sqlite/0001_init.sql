-- flexcord schema v1 (SQLite): sessions, dedupe keys, outbox, embedded cases.
-- Times are milliseconds since the Unix epoch; snowflakes are stored as their 64-bit pattern.

CREATE TABLE sessions (
    user_id                 INTEGER PRIMARY KEY,
    user_name               TEXT    NOT NULL,
    dm_channel              INTEGER NOT NULL,
    state                   TEXT    NOT NULL,
    conversation_sid        TEXT,
    interaction_sid         TEXT,
    interaction_channel_sid TEXT,
    case_id                 INTEGER,
    agent_name              TEXT,
    transcript              TEXT    NOT NULL,
    version                 INTEGER NOT NULL CHECK (version > 0),
    updated_at              INTEGER NOT NULL
);
CREATE INDEX sessions_by_dm_channel ON sessions (dm_channel);
CREATE INDEX sessions_by_conversation ON sessions (conversation_sid)
    WHERE conversation_sid IS NOT NULL;

CREATE TABLE processed_events (
    key        TEXT    PRIMARY KEY,
    created_at INTEGER NOT NULL
);
CREATE INDEX processed_events_by_age ON processed_events (created_at);

-- AUTOINCREMENT: ids are never reused after pruning, so a stale worker can never complete
-- somebody else's entry, and id order stays insertion order.
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    ordering_key TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'dead')),
    created_at   INTEGER NOT NULL,
    due_at       INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    lease_owner  TEXT,
    lease_until  INTEGER,
    last_error   TEXT,
    finished_at  INTEGER
);
CREATE INDEX outbox_pending_by_key ON outbox (ordering_key, id) WHERE state = 'pending';
CREATE INDEX outbox_finished_by_age ON outbox (finished_at) WHERE state <> 'pending';

CREATE TABLE cases (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT    NOT NULL UNIQUE,
    kind            TEXT    NOT NULL,
    title           TEXT    NOT NULL,
    description     TEXT    NOT NULL,
    fields          TEXT    NOT NULL,
    reporter_id     INTEGER NOT NULL,
    reporter_name   TEXT    NOT NULL,
    source_channel  INTEGER NOT NULL,
    source_dm       INTEGER NOT NULL,
    priority        TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    rating          INTEGER CHECK (rating BETWEEN 1 AND 5),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
-- Case numbers users see start at #1001.
INSERT INTO sqlite_sequence (name, seq) VALUES ('cases', 1000);
CREATE INDEX cases_by_reporter ON cases (reporter_id, id);

CREATE TABLE case_notes (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind    TEXT    NOT NULL,
    author  TEXT    NOT NULL,
    body    TEXT    NOT NULL,
    at      INTEGER NOT NULL
);
CREATE INDEX case_notes_by_case ON case_notes (case_id, at, id);
