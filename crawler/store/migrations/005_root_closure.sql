-- Version 5: the lineage below each configured root, written at the end of every successful run
-- so `hf-lineage tree ROOT` reads it instead of walking 1.5M edges generation by generation.
-- Documented edges only (self-loops left out), the rule of analysis.tree: each model once, at its
-- shortest depth, under the smallest of its parents on the level above. Valid only while meta
-- 'root_closure' names the newest run, that run ended ok and edges still has the rows counted.

CREATE TABLE IF NOT EXISTS root_closure (
    root        VARCHAR,   -- a root model the crawl was configured with
    model_id    VARCHAR,   -- the root itself (depth 0) or one of its descendants
    parent      VARCHAR,   -- the model's parent on the tree (NULL for the root)
    depth       INTEGER,   -- shortest distance from the root
    relation    VARCHAR,   -- relation of the edge to that parent (NULL for the root)
    descendants BIGINT,    -- models below this one in the root's tree
    parents     BIGINT,    -- documented parents the model declares (self-loops aside)
    -- copied from models when written (valid as long as the closure: runs write both), so a
    -- tree is read from this table alone instead of joining 45k ids against every model
    license     VARCHAR,
    downloads   BIGINT,
    crawled     BOOLEAN,   -- the model is in models (a parent may not be)
    position    BIGINT     -- place in the tree's display order: by depth, then most descendants,
                           -- most downloads, id (sorting 45k rows on every call costs 0.1 s)
);
