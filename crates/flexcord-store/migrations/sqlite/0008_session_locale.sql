-- The user's language as their latest Discord interaction gave it (`hi`, `pt-BR`): their DMs
-- carry none, so the bridge answers them in this one. NULL: never told (the default locale).
ALTER TABLE sessions ADD COLUMN locale TEXT;
