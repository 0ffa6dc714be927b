"""Hub JSON -> rows, in DuckDB SQL: one set-based pass per page, never row by row.

DuckDB parses the page body itself (`from_json`), so ingest costs no Python per model. The
normalisation of messy metadata lives here, in one place:
- dates: ISO 8601 strings as naive UTC, offsets honoured; impossible ones (unparseable, before
  2000, more than a day in the future) NULL, so one bad date cannot move a watermark;
- gated: false -> NULL, else 'auto' / 'manual';
- license: the card's `license` (a string, or the first of a list), else the `license:` tag;
- base_model edges: the card's `base_model` (string or list of strings; URLs reduced to repo
  ids; empty strings, dicts, invalid ids and the model itself ignored) united with the Hub's
  `base_model:<parent>` and `base_model:<relation>:<parent>` tags. Relation: the card's
  `base_model_relation`, else the tag's, else 'unspecified'. Source: 'card' when the card
  names the parent, else 'tag'.
"""

from __future__ import annotations

# The properties a listing or model-info request asks for (`expand`): everything the models
# table stores (file names, config and GGUF summaries serve openness and lineage inference),
# and nothing else (spaces, widget data … would only cost bandwidth).
EXPAND = [
    "author", "sha", "createdAt", "lastModified", "private", "gated", "disabled", "downloads",
    "downloadsAllTime", "likes", "trendingScore", "library_name", "pipeline_tag", "tags",
    "cardData", "siblings", "config", "gguf",
]

_REPO_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9._-]+)?$"

NOW_UTC = "make_timestamp(epoch_us(now()))"


def _hub_time(value: str) -> str:
    """SQL: an ISO 8601 time from the Hub as naive UTC, offsets honoured; impossible ones
    (unparseable, before 2000, or more than a day ahead of now) as NULL."""
    utc = f"make_timestamp(epoch_us(TRY_CAST({value} AS TIMESTAMPTZ)))"
    return (f"CASE WHEN {utc} BETWEEN TIMESTAMP '2000-01-01' AND {NOW_UTC} + INTERVAL 1 DAY "
            f"THEN {utc} END")


# One listing page (a JSON array, parameter 1) as the temp table `page`, one row per model.
# Items that are not objects or have no id keep a NULL id: the caller refuses such a page.
STAGE_PAGE = f"""
CREATE OR REPLACE TEMP TABLE page AS
WITH raw AS (SELECT unnest(from_json(?::JSON, '["JSON"]')) AS j),
items AS (
    SELECT
        coalesce(j->>'id', j->>'modelId') AS id,
        coalesce(j->>'author', CASE WHEN contains(coalesce(j->>'id', ''), '/')
                                    THEN split_part(j->>'id', '/', 1) END) AS author,
        {_hub_time("j->>'createdAt'")} AS created_at,
        {_hub_time("j->>'lastModified'")} AS last_modified,
        j->>'sha' AS sha,
        TRY_CAST(j->>'downloads' AS BIGINT) AS downloads,
        TRY_CAST(j->>'downloadsAllTime' AS BIGINT) AS downloads_all_time,
        TRY_CAST(j->>'likes' AS BIGINT) AS likes,
        TRY_CAST(j->>'trendingScore' AS DOUBLE) AS trending_score,
        j->>'library_name' AS library_name,
        j->>'pipeline_tag' AS pipeline_tag,
        CASE WHEN j->>'gated' IN ('false', 'False') THEN NULL ELSE j->>'gated' END AS gated,
        TRY_CAST(j->>'private' AS BOOLEAN) AS private,
        TRY_CAST(j->>'disabled' AS BOOLEAN) AS disabled,
        CASE WHEN json_type(j->'tags') = 'ARRAY'
             THEN list_filter(from_json(j->'tags', '["VARCHAR"]'), lambda t: t IS NOT NULL)
             ELSE []::VARCHAR[] END AS tags,
        CASE WHEN json_type(j->'cardData') = 'OBJECT' THEN j->'cardData' END AS card_data,
        CASE WHEN json_type(j->'siblings') = 'ARRAY'
             THEN list_filter(from_json(j->'siblings', '[{{"rfilename": "VARCHAR"}}]')
                              .list_transform(lambda s: s.rfilename), lambda f: f IS NOT NULL)
             END AS siblings,
        CASE WHEN json_type(j->'config') = 'OBJECT' THEN j->'config' END AS config,
        CASE WHEN json_type(j->'gguf') = 'OBJECT' THEN j->'gguf' END AS gguf
    FROM raw
)
SELECT
    items.*,
    lower(trim(coalesce(
        CASE json_type(card_data->'license')
            WHEN 'VARCHAR' THEN card_data->>'license'
            WHEN 'ARRAY' THEN card_data->'license'->>0
        END,
        list_extract(list_transform(list_filter(tags, lambda t: starts_with(t, 'license:')),
                                    lambda t: substr(t, 9)), 1)
    ))) AS license,
    CASE WHEN json_type(card_data->'license_name') = 'VARCHAR'
         THEN card_data->>'license_name' END AS license_name,
    CASE WHEN json_type(card_data->'license_link') = 'VARCHAR'
         THEN card_data->>'license_link' END AS license_link
FROM items
QUALIFY row_number() OVER (PARTITION BY id ORDER BY last_modified DESC NULLS LAST) = 1
"""

COUNT_PAGE = """
SELECT count(*),
       count(*) FILTER (WHERE m.id IS NULL),
       count(*) FILTER (WHERE m.id IS NOT NULL AND m.sha IS DISTINCT FROM p.sha)
FROM page p LEFT JOIN models m USING (id)
"""

_MODEL_COLUMNS = (
    "author, created_at, last_modified, sha, downloads, downloads_all_time, likes, "
    "trending_score, library_name, pipeline_tag, gated, private, disabled, license, "
    "license_name, license_link, card_data, siblings, config, gguf"
)

UPSERT_MODELS = f"""
INSERT INTO models (id, {_MODEL_COLUMNS}, first_seen_run, last_seen_run, gone)
SELECT id, {_MODEL_COLUMNS}, $run_id, $run_id, false FROM page
ON CONFLICT (id) DO UPDATE SET
    {", ".join(f"{c.strip()} = EXCLUDED.{c.strip()}" for c in _MODEL_COLUMNS.split(","))},
    last_seen_run = EXCLUDED.last_seen_run,
    gone = false
"""

DELETE_TAGS = "DELETE FROM model_tags WHERE model_id IN (SELECT id FROM page)"
INSERT_TAGS = """
INSERT INTO model_tags
SELECT DISTINCT id, tag FROM (SELECT id, unnest(tags) AS tag FROM page) WHERE tag <> ''
"""

DELETE_EDGES = "DELETE FROM edges WHERE child IN (SELECT id FROM page)"
# `base_model:<parent>` or `base_model:<relation>:<parent>`, with `rest` the tag after
# 'base_model:': the parent and the relation (NULL in the first form).
RELATION_PREFIX = "'^(finetune|adapter|quantized|merge):'"
TAG_PARENT = (f"CASE WHEN regexp_matches(rest, {RELATION_PREFIX}) "
              "THEN substr(rest, strpos(rest, ':') + 1) ELSE rest END")
TAG_RELATION = (f"CASE WHEN regexp_matches(rest, {RELATION_PREFIX}) "
                "THEN split_part(rest, ':', 1) END")

# Every (child, parent) the card or the tags of a `page` name, parents made canonical through
# `aliases`: (child, parent, relation, source, parent_declared, tagged).
EDGES_OF_PAGE = f"""
WITH tag_edges AS (
    SELECT child, {TAG_PARENT} AS parent, {TAG_RELATION} AS relation
    FROM (SELECT id AS child, substr(tag, 12) AS rest
          FROM (SELECT id, unnest(tags) AS tag FROM page)
          WHERE starts_with(tag, 'base_model:'))
),
card_values AS (
    SELECT id AS child,
           CASE json_type(card_data->'base_model')
               WHEN 'VARCHAR' THEN [card_data->>'base_model']
               WHEN 'ARRAY' THEN list_transform(
                   from_json(card_data->'base_model', '["JSON"]'),
                   lambda v: CASE WHEN json_type(v) = 'VARCHAR' THEN v->>'$' END)
           END AS parents,
           CASE WHEN card_data->>'base_model_relation'
                     IN ('finetune', 'adapter', 'quantized', 'merge')
                THEN card_data->>'base_model_relation' END AS relation
    FROM page WHERE card_data IS NOT NULL
),
card_edges AS (
    SELECT child, relation,
           regexp_replace(regexp_replace(trim(raw),
               '^(https?://)?(www\\.)?huggingface\\.co/', ''), '(/tree/.*|/+)$', '') AS parent
    FROM (SELECT child, relation, unnest(parents) AS raw FROM card_values)
    WHERE raw IS NOT NULL
),
named AS (
    SELECT child, parent AS declared, relation, true AS in_card, false AS in_tags
    FROM card_edges
    UNION ALL
    SELECT child, parent, relation, false, true FROM tag_edges
),
canonical AS (
    SELECT n.*, coalesce(a.canonical, n.declared) AS parent
    FROM named n LEFT JOIN aliases a ON a.alias = n.declared AND a.canonical IS NOT NULL
    WHERE regexp_matches(n.declared, '{_REPO_ID}')
)
SELECT child, parent,
       coalesce(max(relation) FILTER (WHERE in_card), max(relation) FILTER (WHERE in_tags),
                'unspecified') AS relation,
       CASE WHEN bool_or(in_card) THEN 'card' ELSE 'tag' END AS source,
       min(declared) FILTER (WHERE declared <> parent) AS parent_declared,
       bool_or(in_tags) AS tagged
FROM canonical
WHERE parent <> child
GROUP BY child, parent
"""

INSERT_EDGES = ("INSERT INTO edges (child, parent, relation, source, parent_declared, tagged) "
                + EDGES_OF_PAGE)

INSERT_SNAPSHOTS = """
INSERT INTO snapshots
SELECT $run_id, id, $now, downloads, likes FROM page
WHERE id NOT IN (SELECT model_id FROM snapshots WHERE run_id = $run_id)
"""

# Refreshing downloads and likes: a light listing (only these properties) updates stored models.
COUNT_EXPAND = ["downloads", "downloadsAllTime", "likes", "trendingScore"]
STAGE_COUNTS = """
CREATE OR REPLACE TEMP TABLE counts AS
SELECT j->>'id' AS id,
       TRY_CAST(j->>'downloads' AS BIGINT) AS downloads,
       TRY_CAST(j->>'downloadsAllTime' AS BIGINT) AS downloads_all_time,
       TRY_CAST(j->>'likes' AS BIGINT) AS likes,
       TRY_CAST(j->>'trendingScore' AS DOUBLE) AS trending_score
FROM (SELECT unnest(from_json(?::JSON, '["JSON"]')) AS j)
WHERE j->>'id' IN (SELECT id FROM models)
QUALIFY row_number() OVER (PARTITION BY j->>'id') = 1
"""
UPDATE_COUNTS = """
UPDATE models SET downloads = c.downloads, downloads_all_time = c.downloads_all_time,
                  likes = c.likes, trending_score = c.trending_score
FROM counts c WHERE models.id = c.id
"""
DELETE_COUNT_SNAPSHOTS = """
DELETE FROM snapshots WHERE run_id = $run_id AND model_id IN (SELECT id FROM counts)
"""
INSERT_COUNT_SNAPSHOTS = """
INSERT INTO snapshots SELECT $run_id, id, $now, downloads, likes FROM counts
"""

# A family crawl over a full listing keeps pages here, then builds the graph locally.
KEEP_STAGED = """
CREATE TABLE IF NOT EXISTS staged_listing AS SELECT * FROM page WITH NO DATA;
INSERT INTO staged_listing BY NAME SELECT * FROM page;
"""
