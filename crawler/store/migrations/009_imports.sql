-- Version 9: snapshots imported from dumps of the Hub's listing (hf-lineage import hub-stats).
-- An import is a run like a crawl: a crawl_runs row (mode 'import', started_at and ended_at the
-- snapshot's date) whose id the rows it stored carry (models.first_seen_run / last_seen_run,
-- snapshots.run_id); this table says where that run's data came from.

CREATE TABLE IF NOT EXISTS imports (
    run_id          BIGINT,       -- the crawl_runs row of the import
    source          VARCHAR,      -- the dump's kind: 'hub-stats' (cfahlgren1/hub-stats models)
    file            VARCHAR,      -- the file read (absolute path)
    file_bytes      BIGINT,
    fingerprint     VARCHAR,      -- sha256 of the file's size and Parquet footer: the same file
    as_of           TIMESTAMP,    -- the snapshot's date (UTC): --as-of, else newest_modified
    dated_by        VARCHAR,      -- 'as-of' (given) or 'lastModified' (the newest in the file)
    newest_modified TIMESTAMP,    -- the newest lastModified in the file
    models          BIGINT,       -- models the file lists (a model listed twice once)
    history_only    BOOLEAN,      -- added to the history only (older than the data held)
    columns         VARCHAR[],    -- the file's columns that were read
    missing         VARCHAR[],    -- columns a crawl stores that the file lacks
    imported_at     TIMESTAMP     -- when the import ran (UTC)
);
