-- Version 6: models loses its primary key, like model_tags, edges and snapshots before it. A key
-- index over the Hub's 2M string ids made every insert into models pay for the index's size
-- (100k new models: 1.7 s into 2.2M stored, 0.37 s into 200k; 0.23 s without the index), so the
-- ingest rate fell as the database grew. Ids stay unique by construction: a listing's models are
-- each taken once (its newest listing) and merged on id (crawler/store/ingest.py, MERGE_MODELS).

CREATE TABLE models_without_key AS FROM models;
DROP TABLE models;
ALTER TABLE models_without_key RENAME TO models;
ALTER TABLE models ALTER COLUMN gone SET DEFAULT false;
