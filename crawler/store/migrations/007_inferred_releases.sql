-- Version 7: release attributions, the kind of inferred lineage that names a family or release
-- rather than a repo ("a low-rank adapter for LLaMA-7b", "the weights diff against the base
-- LLaMA": the LLaMA-1 wave's cards). Kept apart from documented edges and from inferred_edges
-- (crawler/lineage/inference/families).
CREATE TABLE IF NOT EXISTS inferred_releases (
    child       VARCHAR,
    family      VARCHAR,   -- the roots file's family key (llama, deepseek …)
    release     VARCHAR,   -- the release, e.g. 'LLaMA 1'; NULL when the card names the family only
    root        VARCHAR,   -- the release's root of the stated size (huggyllama/llama-7b), or NULL
    size        VARCHAR,   -- '7B' …, as the card states it (or the model's own name does)
    relation    VARCHAR,   -- finetune | adapter | quantized | merge | unspecified
    rule        VARCHAR,   -- card_family.<context>: the phrasing that stated it
    evidence    VARCHAR,   -- the exact text found
    confidence  DOUBLE,
    inferred_at TIMESTAMP  -- one row per (child, family)
);
