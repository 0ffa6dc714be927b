-- Version 3: what a listing shows of a repo's files and configuration, canonical repo names,
-- and the evidence and results of lineage inference.

-- From the listing (expand siblings, config, gguf): no extra requests.
ALTER TABLE models ADD COLUMN siblings VARCHAR[];  -- the repo's file names
ALTER TABLE models ADD COLUMN config JSON;         -- the Hub's summary of config.json
ALTER TABLE models ADD COLUMN gguf JSON;           -- the Hub's summary of a GGUF repo

-- The parent as the card or tag wrote it, when that is not its canonical id; whether the Hub's
-- base_model tags name it (a card's old spelling of a parent is not tagged: the tag has the new).
ALTER TABLE edges ADD COLUMN parent_declared VARCHAR;
ALTER TABLE edges ADD COLUMN tagged BOOLEAN;

-- Names of repos as written somewhere (cards, tags, files), and the repo they name today.
CREATE TABLE IF NOT EXISTS aliases (
    alias      VARCHAR PRIMARY KEY,  -- as written
    canonical  VARCHAR,              -- the repo's id; NULL when it could not be resolved
    how        VARCHAR,              -- tag | case | hub | not_found | invalid
    learned_at TIMESTAMP
);

-- Parents that base_model does not state, inferred from other evidence (crawler/lineage).
CREATE TABLE IF NOT EXISTS inferred_edges (
    child           VARCHAR,
    parent          VARCHAR,         -- canonical id when resolved, else the name as written
    relation        VARCHAR,         -- finetune | adapter | quantized | merge | unspecified
    source          VARCHAR,         -- the strongest evidence: card_text, adapter, mergekit …
    rule            VARCHAR,         -- the rule within it, e.g. card_text.trainer
    evidence        VARCHAR,         -- the exact text found
    confidence      DOUBLE,
    resolved        BOOLEAN,         -- the parent is a known repo
    parent_declared VARCHAR,         -- the name as the evidence wrote it
    supporting      VARCHAR[],       -- other rules that named the same parent
    inferred_at     TIMESTAMP        -- unique per (child, parent)
);

-- Files read for inference (adapter_config.json, mergekit_config.yml, config.json, a GGUF
-- header), fetched only when the repo's sha changed, like cards.
CREATE TABLE IF NOT EXISTS model_files (
    model_id    VARCHAR,
    filename    VARCHAR,
    sha         VARCHAR,             -- the repo commit it was read at
    content     VARCHAR,             -- the text; for a .gguf file its header as JSON
    fetched_at  TIMESTAMP,
    fetch_error VARCHAR,
    PRIMARY KEY (model_id, filename)
);

-- A crawl killed before this version left its stage with the old columns: widen it.
ALTER TABLE IF EXISTS staged_listing ADD COLUMN IF NOT EXISTS siblings VARCHAR[];
ALTER TABLE IF EXISTS staged_listing ADD COLUMN IF NOT EXISTS config JSON;
ALTER TABLE IF EXISTS staged_listing ADD COLUMN IF NOT EXISTS gguf JSON;
