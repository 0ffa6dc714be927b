-- hf-lineage database, schema version 1: the initial tables. Later versions are the files after
-- this one, applied in order by crawler/store/database.py; the whole schema is in docs/schema.md.

CREATE TABLE IF NOT EXISTS meta (
    key   VARCHAR PRIMARY KEY,   -- every key is declared in crawler/store/meta.py
    value VARCHAR
);

CREATE TABLE IF NOT EXISTS models (
    id                 VARCHAR PRIMARY KEY,
    author             VARCHAR,
    created_at         TIMESTAMP,        -- UTC
    last_modified      TIMESTAMP,        -- UTC
    sha                VARCHAR,
    downloads          BIGINT,           -- last 30 days, as the Hub counts them
    downloads_all_time BIGINT,
    likes              BIGINT,
    trending_score     DOUBLE,
    library_name       VARCHAR,
    pipeline_tag       VARCHAR,
    gated              VARCHAR,          -- NULL, 'auto' or 'manual'
    private            BOOLEAN,
    disabled           BOOLEAN,
    license            VARCHAR,          -- declared license id (card YAML, else license: tag)
    license_name       VARCHAR,          -- with license 'other'
    license_link       VARCHAR,
    card_data          JSON,             -- the card YAML as the Hub serves it in listings
    first_seen_run     BIGINT,
    last_seen_run      BIGINT,
    gone               BOOLEAN DEFAULT false  -- no longer on the Hub (deleted, private)
);

-- model_tags, edges and snapshots carry no key index on purpose: an index over tens of millions
-- of tag rows would hold gigabytes in memory. Rows stay unique by construction: a model's
-- rows are replaced as a whole (delete, then insert) in one transaction.
CREATE TABLE IF NOT EXISTS model_tags (
    model_id VARCHAR,
    tag      VARCHAR             -- unique per (model_id, tag)
);

CREATE TABLE IF NOT EXISTS edges (
    child    VARCHAR,
    parent   VARCHAR,
    relation VARCHAR,   -- finetune | adapter | quantized | merge | unspecified
    source   VARCHAR    -- card | tag; unique per (child, parent)
);

CREATE TABLE IF NOT EXISTS cards (
    model_id    VARCHAR PRIMARY KEY,
    sha         VARCHAR,          -- repo sha the card was read at
    fetched_at  TIMESTAMP,
    metadata    JSON,             -- YAML header parsed by huggingface_hub's card classes
    body        VARCHAR,          -- text after the header (truncated past the size cap)
    size_bytes  BIGINT,           -- size of README.md as served
    truncated   BOOLEAN,
    parse_error VARCHAR,          -- why the header did not parse (the card is still stored)
    fetch_error VARCHAR           -- gated, missing, or failed after retries
);

CREATE TABLE IF NOT EXISTS crawl_runs (
    run_id         BIGINT PRIMARY KEY,
    mode           VARCHAR,       -- family | full | incremental
    strategy       VARCHAR,       -- how the family crawl went: 'filters' or 'listing'
    started_at     TIMESTAMP,
    ended_at       TIMESTAMP,
    status         VARCHAR,       -- running | ok | failed | interrupted
    requests       JSON,          -- requests by kind, e.g. {"list": 12, "info": 3, "card": 40}
    retries        BIGINT,
    models_seen    BIGINT,
    models_new     BIGINT,
    models_changed BIGINT,
    models_gone    BIGINT,
    cards_fetched  BIGINT,
    cards_unavailable BIGINT,     -- cards gated, deleted or without README.md (expected)
    errors         BIGINT,        -- failures: cards failed after retries, roots not found
    message        VARCHAR
);

CREATE TABLE IF NOT EXISTS crawl_errors (
    run_id   BIGINT,
    model_id VARCHAR,
    kind     VARCHAR,             -- what failed, e.g. 'root' (a configured root the Hub did not return)
    message  VARCHAR,
    occurred_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS snapshots (
    run_id     BIGINT,
    model_id   VARCHAR,
    taken_at   TIMESTAMP,
    downloads  BIGINT,
    likes      BIGINT            -- unique per (run_id, model_id)
);

-- Internal: a family crawl's breadth-first queue (empty between crawls, kept across a kill).
CREATE TABLE IF NOT EXISTS crawl_frontier (
    model_id   VARCHAR PRIMARY KEY,
    generation INTEGER,
    done       BOOLEAN DEFAULT false
);
