-- One random number per database, drawn once: outbox entries' Discord nonces mix it with the
-- entry id, so a reset database or a second deployment on the same bot (whose ids also start at
-- 1) never sends a nonce Discord already saw from this bot and answers with that other message.
CREATE TABLE deployment (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    nonce_salt BIGINT  NOT NULL
);
-- The first 64 bits of a random UUID (gen_random_uuid is built in since PostgreSQL 13).
INSERT INTO deployment (id, nonce_salt)
    VALUES (1, ('x' || translate(gen_random_uuid()::text, '-', ''))::bit(64)::bigint);
