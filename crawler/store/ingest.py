"""Hub JSON -> rows, in DuckDB SQL: one set-based pass per page, never row by row.

DuckDB parses the page body itself (`from_json`), so ingest costs no Python per model. The
normalisation of messy metadata lives here, in one place:
- dates: ISO 8601 strings as naive UTC, offsets honoured; impossible ones (unparseable, before
  2000, more than a day in the future) NULL, so one bad date cannot move a watermark;
- gated: false -> NULL, else 'auto' / 'manual';
- license: the card's `license` (a string, or the first of a list), else the `license:` tag;
- base_model edges: the card's `base_model` (string or list of strings; URLs reduced to repo
  ids; empty strings, dicts, invalid ids, placeholders such as `None` and the model itself
  ignored: what was declared stays in card_data and the tags) united with the Hub's
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
# What cards put where a parent's name belongs without naming any repo (a real 2026 capture of
# 15k models holds 17 edges to `None`): never an edge. What was declared stays in the model's
# card_data and tags; the view declared_parents_refused lists it (analysis/lineage.sql).
NOT_A_PARENT = ("none", "null", "nil", "nan", "n/a", "na", "unknown", "undefined", "tbd",
                "todo", "model", "base_model", "base-model", "your-model", "your_model",
                "model_name", "model-name", "repo_name", "default", "true", "false")
_NOT_A_PARENT_SQL = ", ".join(f"'{name}'" for name in NOT_A_PARENT)

NOW_UTC = "make_timestamp(epoch_us(now()))"


def hub_time(value: str) -> str:
    """SQL: an ISO 8601 time from the Hub as naive UTC, offsets honoured; impossible ones
    (unparseable, before 2000, or more than a day ahead of now) as NULL.

    The Hub's own shape (`2023-04-03T12:00:00.000Z`) is cast straight to TIMESTAMP; any other
    goes through TIMESTAMPTZ, which honours offsets and zone names but costs several times
    more (a listing holds two times per model)."""
    hub_shape = (f"length({value}) = 24 AND ends_with({value}, 'Z') "
                 f"AND substr({value}, 11, 1) = 'T' AND substr({value}, 20, 1) = '.'")
    utc = (f"CASE WHEN {hub_shape} THEN TRY_CAST({value} AS TIMESTAMP) "
           f"ELSE make_timestamp(epoch_us(TRY_CAST({value} AS TIMESTAMPTZ))) END")
    return plausible_time(utc)


def plausible_time(utc: str) -> str:
    """SQL: the naive UTC TIMESTAMP `utc`, or NULL when impossible (before 2000, or more than
    a day ahead of now): one bad date must not move a watermark."""
    return (f"CASE WHEN {utc} BETWEEN TIMESTAMP '2000-01-01' AND {NOW_UTC} + INTERVAL 1 DAY "
            f"THEN {utc} END")


# A listing item's fields and their types: DuckDB parses a page once, straight into these
# columns (`from_json` into a struct; a list or struct of another shape becomes NULL). Scalars
# are read as text and cast with TRY_CAST, so `true` is no download count and `12` no boolean;
# JSON-typed fields keep their text, checked below for the JSON type the table stores.
ITEM_FIELDS = {
    "id": "VARCHAR", "modelId": "VARCHAR", "author": "VARCHAR", "sha": "VARCHAR",
    "createdAt": "VARCHAR", "lastModified": "VARCHAR", "private": "VARCHAR", "gated": "VARCHAR",
    "disabled": "VARCHAR", "downloads": "VARCHAR", "downloadsAllTime": "VARCHAR",
    "likes": "VARCHAR", "trendingScore": "VARCHAR", "library_name": "VARCHAR",
    "pipeline_tag": "VARCHAR", "tags": "VARCHAR[]", "cardData": "JSON",
    "siblings": "STRUCT(rfilename VARCHAR)[]", "config": "JSON", "gguf": "JSON",
}
_ITEMS_TYPE = "[{" + ", ".join(f'"{k}": "{v}"' for k, v in ITEM_FIELDS.items()) + "}]"
# The card fields the models table keeps apart, parsed once per card.
_CARD_TYPE = '{"license": "JSON", "license_name": "JSON", "license_link": "JSON"}'

NO_ID = "the Hub sent a listing item that is not a model (no id)"


def _object(value: str) -> str:
    """SQL: the JSON text `value` when it is an object, else NULL (minified JSON text from
    from_json starts with its type's first character)."""
    return f"CASE WHEN starts_with({value}, '{{') THEN {value} END"


def _string(value: str) -> str:
    """SQL: the JSON text `value` unquoted when it is a string, else NULL."""
    return f"CASE WHEN starts_with({value}, '\"') THEN {value}->>'$' END"


def _rows(pages: str) -> str:
    """SQL: the models of listing pages as rows typed as the models table stores them.

    `pages` is a FROM clause with a column `body` (a page: a JSON array) and a column `since`
    (keep only models listed after it; NULL keeps all); its other columns are carried along.
    Each page is parsed once. An item that is not an object or has no id fails the statement
    (NO_ID): such a page is not the Hub's answer and is refused whole."""
    return f"""
WITH items AS (
    SELECT * EXCLUDE (body), unnest(from_json(body, '{_ITEMS_TYPE}')) AS i FROM {pages}
),
typed AS (
    SELECT
        * EXCLUDE (i),
        coalesce(i.id, i.modelId, error('{NO_ID}')) AS id,
        coalesce(i.author, CASE WHEN contains(coalesce(i.id, ''), '/')
                                THEN split_part(i.id, '/', 1) END) AS author,
        {hub_time("i.createdAt")} AS created_at,
        {hub_time("i.lastModified")} AS last_modified,
        i.sha,
        TRY_CAST(i.downloads AS BIGINT) AS downloads,
        TRY_CAST(i.downloadsAllTime AS BIGINT) AS downloads_all_time,
        TRY_CAST(i.likes AS BIGINT) AS likes,
        TRY_CAST(i.trendingScore AS DOUBLE) AS trending_score,
        i.library_name,
        i.pipeline_tag,
        CASE WHEN i.gated IN ('false', 'False') THEN NULL ELSE i.gated END AS gated,
        TRY_CAST(i.private AS BOOLEAN) AS private,
        TRY_CAST(i.disabled AS BOOLEAN) AS disabled,
        coalesce(list_filter(i.tags, lambda t: t IS NOT NULL), []::VARCHAR[]) AS tags,
        {_object("i.cardData")} AS card_data,
        list_filter(list_transform(i.siblings, lambda s: s.rfilename),
                    lambda f: f IS NOT NULL) AS siblings,
        {_object("i.config")} AS config,
        {_object("i.gguf")} AS gguf
    FROM items
),
changed AS (
    SELECT * FROM typed WHERE NOT coalesce(last_modified <= since, false)
)
SELECT * EXCLUDE (since) FROM ({with_licenses("changed")})
"""


def with_licenses(rows: str) -> str:
    """SQL: the rows of `rows` (a FROM clause with `card_data` and `tags`) with the columns
    license, license_name and license_link: the card's license (a string, or the first of a
    list), else the `license:` tag (an empty one is no license); each card parsed once."""
    return f"""
SELECT
    * EXCLUDE (c),
    lower(coalesce(
        nullif(trim(CASE WHEN starts_with(c.license, '"') THEN c.license->>'$'
                         WHEN starts_with(c.license, '[') THEN c.license->>0 END), ''),
        list_extract(list_filter(list_transform(list_filter(tags, lambda t: starts_with(t,
               'license:')), lambda t: trim(substr(t, 9))), lambda t: t <> ''), 1)
    )) AS license,
    {_string("c.license_name")} AS license_name,
    {_string("c.license_link")} AS license_link
FROM (SELECT *, from_json(card_data, '{_CARD_TYPE}') AS c FROM {rows})
"""


# The newest listing of each model wins when it was listed twice (edited while listed).
NEWEST_FIRST = "row_number() OVER (PARTITION BY id ORDER BY last_modified DESC NULLS LAST) = 1"

# One page (parameter $body) as the temp table `page`: single model-info answers. The body is
# read from a subquery, not handed to from_json directly: DuckDB folds a constant argument at
# planning time, which parses the page twice.
PAGE_ROWS = _rows("(SELECT $body AS body, NULL::TIMESTAMP AS since)")
STAGE_PAGE = f"CREATE OR REPLACE TEMP TABLE page AS {PAGE_ROWS} QUALIFY {NEWEST_FIRST}"
# Several pages (a family batch's children) into `page`, one statement each: a batch's pages
# together can weigh hundreds of megabytes, more than DuckDB's buffer pool holds as one string.
EMPTY_PAGE = f"CREATE OR REPLACE TEMP TABLE page AS {PAGE_ROWS} LIMIT 0"
ADD_PAGE = f"INSERT INTO page {PAGE_ROWS}"

# Listing pages staged on disk (crawler/store/stage.py): the files $files, read in parallel,
# all staged with the same `since` ($since, recorded in `staged_pages`). A scalar rather than a
# join with `staged_pages`: the join doubled the cost of parsing the pages.
STAGED_PAGES_TABLE = "CREATE TABLE IF NOT EXISTS staged_pages (seq INTEGER, since TIMESTAMP)"
STAGED_FILES = "(SELECT content AS body, $since::TIMESTAMP AS since FROM read_text($files))"
STAGED_ROWS = _rows(STAGED_FILES)

# What staging checks on a page (file $file): that it parses and every item is a model.
# A light parse: only these fields.
_CHECK_TYPE = '{"id": "VARCHAR", "modelId": "VARCHAR"}'
PAGE_CHECK = f"""
SELECT count(*), count(*) FILTER (WHERE coalesce(i.id, i.modelId) IS NULL)
FROM (SELECT unnest(from_json(content, '[{_CHECK_TYPE}]')) AS i FROM read_text($file))
"""
# The same, with the span of the page's lastModified (an incremental crawl stops at its
# watermark).
_SUMMARY_TYPE = '{"id": "VARCHAR", "modelId": "VARCHAR", "lastModified": "VARCHAR"}'
PAGE_SUMMARY = f"""
SELECT count(*),
       count(*) FILTER (WHERE coalesce(i.id, i.modelId) IS NULL),
       min({hub_time("i.lastModified")}),
       max({hub_time("i.lastModified")})
FROM (SELECT unnest(from_json(content, '[{_SUMMARY_TYPE}]')) AS i FROM read_text($file))
"""

# A page against the stored models: (rows, models seen for the first time this run, new
# models, models whose sha changed since an earlier run).
COUNT_PAGE = """
SELECT count(*),
       count(*) FILTER (WHERE m.last_seen_run IS DISTINCT FROM $run_id),
       count(*) FILTER (WHERE m.id IS NULL),
       count(*) FILTER (WHERE m.id IS NOT NULL AND m.last_seen_run IS DISTINCT FROM $run_id
                        AND m.sha IS DISTINCT FROM p.sha)
FROM {page} p LEFT JOIN models m USING (id)
"""

# A model this run stored from a newer listing (pages applied in parts) keeps it: the page's
# older listing of it is left out, as NEWEST_FIRST leaves it out within a part.
DROP_OLDER_LISTINGS = """
DELETE FROM page WHERE id IN (
    SELECT p.id FROM page p JOIN models m USING (id)
    WHERE m.last_seen_run = $run_id AND m.last_modified IS NOT NULL
      AND (p.last_modified IS NULL OR p.last_modified < m.last_modified))
"""

_MODEL_COLUMNS = (
    "author, created_at, last_modified, sha, downloads, downloads_all_time, likes, "
    "trending_score, library_name, pipeline_tag, gated, private, disabled, license, "
    "license_name, license_link, card_data, siblings, config, gguf"
)
# The columns of a model's row that a listing gives (besides its id).
MODEL_COLUMNS = tuple(name.strip() for name in _MODEL_COLUMNS.split(","))

# A page's models into the table: inserted (every model new), or merged on id (models has no
# key index: migration 006; a page holds each model once).
INSERT_MODELS = f"""
INSERT INTO models (id, {_MODEL_COLUMNS}, first_seen_run, last_seen_run, gone)
SELECT id, {_MODEL_COLUMNS}, $run_id, $run_id, false FROM page
"""
MERGE_MODELS = f"""
MERGE INTO models USING page ON models.id = page.id
WHEN MATCHED THEN UPDATE SET
    {", ".join(f"{c.strip()} = page.{c.strip()}" for c in _MODEL_COLUMNS.split(","))},
    last_seen_run = $run_id,
    gone = false
WHEN NOT MATCHED THEN INSERT (id, {_MODEL_COLUMNS}, first_seen_run, last_seen_run, gone)
    VALUES (page.id, {", ".join(f"page.{c.strip()}" for c in _MODEL_COLUMNS.split(","))},
            $run_id, $run_id, false)
"""

DELETE_TAGS = "DELETE FROM model_tags WHERE model_id IN (SELECT id FROM page)"


def tags_of(page: str) -> str:
    """SQL: the (model, tag) rows of the models of `page`, each tag once."""
    return (f"SELECT id, tag FROM (SELECT id, unnest(list_distinct(tags)) AS tag FROM {page}) "
            "WHERE tag <> ''")


INSERT_TAGS = f"INSERT INTO model_tags {tags_of('page')}"

DELETE_EDGES = "DELETE FROM edges WHERE child IN (SELECT id FROM page)"
# `base_model:<parent>` or `base_model:<relation>:<parent>`, with `rest` the tag after
# 'base_model:': the parent and the relation (NULL in the first form).
RELATION_PREFIX = "'^(finetune|adapter|quantized|merge):'"
TAG_PARENT = (f"CASE WHEN regexp_matches(rest, {RELATION_PREFIX}) "
              "THEN substr(rest, strpos(rest, ':') + 1) ELSE rest END")
TAG_RELATION = (f"CASE WHEN regexp_matches(rest, {RELATION_PREFIX}) "
                "THEN split_part(rest, ':', 1) END")

# The relations a `base_model:<relation>:<parent>` tag, a card's `base_model_relation` or the
# Hub's `baseModels` can state.
RELATIONS = ("finetune", "adapter", "quantized", "merge")


def edges_of(page: str = "page", derived: str = "") -> str:
    """SQL: every (child, parent) the card or the tags of the models in `page` name, parents
    made canonical through `aliases`: (child, parent, relation, source, parent_declared,
    tagged).

    `derived` (optional) is a FROM clause of (child, parent, relation) the Hub derived beside
    the tags (an imported dump's `baseModels`): they count as tags, their relation after the
    card's and the tags' own."""
    extra = (f"UNION ALL SELECT child, parent, relation, 3 FROM {derived}" if derived else "")
    return f"""
WITH tag_edges AS (
    SELECT child, {TAG_PARENT} AS parent, {TAG_RELATION} AS relation
    FROM (SELECT id AS child, substr(tag, 12) AS rest
          FROM (SELECT id, unnest(tags) AS tag FROM {page})
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
           CASE WHEN card_data->>'base_model_relation' IN {RELATIONS}
                THEN card_data->>'base_model_relation' END AS relation
    FROM {page} WHERE card_data IS NOT NULL
),
card_edges AS (
    SELECT child, relation,
           regexp_replace(regexp_replace(trim(raw),
               '^(https?://)?(www\\.)?huggingface\\.co/', ''), '(/tree/.*|/+)$', '') AS parent
    FROM (SELECT child, relation, unnest(parents) AS raw FROM card_values)
    WHERE raw IS NOT NULL
),
-- rank: 1 the card names the parent, 2 a tag, 3 what the Hub derived beside the tags
named AS (
    SELECT child, parent AS declared, relation, 1 AS rank FROM card_edges
    UNION ALL
    SELECT child, parent, relation, 2 FROM tag_edges
    {extra}
),
canonical AS (
    SELECT n.*, coalesce(a.canonical, n.declared) AS parent
    FROM named n LEFT JOIN aliases a ON a.alias = n.declared AND a.canonical IS NOT NULL
    WHERE regexp_matches(n.declared, '{_REPO_ID}')
      AND lower(n.declared) NOT IN ({_NOT_A_PARENT_SQL})
)
SELECT child, parent,
       coalesce(max(relation) FILTER (WHERE rank = 1), max(relation) FILTER (WHERE rank = 2),
                max(relation) FILTER (WHERE rank = 3), 'unspecified') AS relation,
       CASE WHEN bool_or(rank = 1) THEN 'card' ELSE 'tag' END AS source,
       min(declared) FILTER (WHERE declared <> parent) AS parent_declared,
       bool_or(rank > 1) AS tagged
FROM canonical
WHERE parent <> child
GROUP BY child, parent
"""


EDGES_OF_PAGE = edges_of()
EDGE_COLUMNS = "child, parent, relation, source, parent_declared, tagged"
INSERT_EDGES = f"INSERT INTO edges ({EDGE_COLUMNS}) {EDGES_OF_PAGE}"

# A model has one snapshot per run: models stored before may have theirs already.
INSERT_SNAPSHOTS = "INSERT INTO snapshots SELECT $run_id, id, $now, downloads, likes FROM page"
INSERT_MISSING_SNAPSHOTS = INSERT_SNAPSHOTS + """
WHERE id NOT IN (SELECT model_id FROM snapshots WHERE run_id = $run_id)
"""

# Refreshing downloads and likes: a light listing (only these properties) updates stored models,
# many pages at a time: its pages into the temp table `counts` (one statement per page), then
# one pass over the models. Models it lists are marked seen by the run, so the stored models a
# whole listing left out can be asked about (crawler/modes/absence.py).
COUNT_EXPAND = ["downloads", "downloadsAllTime", "likes", "trendingScore"]
_COUNT_TYPE = ('[{"id": "VARCHAR", "modelId": "VARCHAR", "downloads": "VARCHAR", '
               '"downloadsAllTime": "VARCHAR", "likes": "VARCHAR", "trendingScore": "VARCHAR"}]')
_COUNT_ROWS = f"""
SELECT coalesce(i.id, i.modelId) AS id,
       TRY_CAST(i.downloads AS BIGINT) AS downloads,
       TRY_CAST(i.downloadsAllTime AS BIGINT) AS downloads_all_time,
       TRY_CAST(i.likes AS BIGINT) AS likes,
       TRY_CAST(i.trendingScore AS DOUBLE) AS trending_score
FROM (SELECT unnest(from_json(body, '{_COUNT_TYPE}')) AS i FROM (SELECT $body AS body))
"""
EMPTY_COUNTS = f"CREATE OR REPLACE TEMP TABLE counts AS {_COUNT_ROWS} LIMIT 0"
ADD_COUNTS = f"INSERT INTO counts {_COUNT_ROWS}"
# each model once (the listing's last word on it), and only stored models
KEEP_STORED_COUNTS = """
CREATE OR REPLACE TEMP TABLE counts AS
SELECT c.* FROM counts c SEMI JOIN models m ON m.id = c.id
QUALIFY row_number() OVER (PARTITION BY c.id) = 1
"""
UPDATE_COUNTS = """
UPDATE models SET downloads = c.downloads, downloads_all_time = c.downloads_all_time,
                  likes = c.likes, trending_score = c.trending_score, last_seen_run = $run_id
FROM counts c WHERE models.id = c.id
"""
DELETE_COUNT_SNAPSHOTS = """
DELETE FROM snapshots WHERE run_id = $run_id AND model_id IN (SELECT id FROM counts)
"""
INSERT_COUNT_SNAPSHOTS = """
INSERT INTO snapshots SELECT $run_id, id, $now, downloads, likes FROM counts
"""
