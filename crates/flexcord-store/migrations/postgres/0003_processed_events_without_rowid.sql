-- SQLite-only step (its processed_events becomes a WITHOUT ROWID table, one b-tree fewer per
-- relay). PostgreSQL tables have no rowid b-tree to drop; the step is kept so both backends
-- count versions alike.
SELECT 1;
