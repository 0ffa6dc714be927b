-- Version 2: an interrupted run's cursors get a table of their own, keyed by mode, instead of
-- 'checkpoint:<mode>:<name>' rows in meta that a finished run deleted by prefix; runs count
-- their segments.

CREATE TABLE IF NOT EXISTS checkpoints (
    mode  VARCHAR,    -- family | full | incremental
    name  VARCHAR,    -- e.g. 'listing' (the next page's URL, or 'done'), 'strategy'
    value VARCHAR,
    PRIMARY KEY (mode, name)
);

INSERT INTO checkpoints
SELECT split_part(key, ':', 2), substr(key, length(split_part(key, ':', 2)) + 13), value
FROM meta WHERE key LIKE 'checkpoint:%:%';

DELETE FROM meta WHERE key LIKE 'checkpoint:%';

-- How many times the run was started: 1, plus one per resume after an interruption.
ALTER TABLE crawl_runs ADD COLUMN segments INTEGER DEFAULT 1;
