-- One random number per database, drawn once: outbox entries' Discord nonces mix it with the
-- entry id, so a reset database or a second deployment on the same bot (whose ids also start at
-- 1) never sends a nonce Discord already saw from this bot and answers with that other message.
CREATE TABLE deployment (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    nonce_salt INTEGER NOT NULL
);
INSERT INTO deployment (id, nonce_salt) VALUES (1, random());
