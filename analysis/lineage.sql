-- Lineage views and macros over the crawler's tables (documented in docs/schema.md).
-- Applied by analysis.lineage.install(conn), which first creates the config tables from the roots
-- config the crawl stored (analysis/roots.py): lineage_families(family, label, position),
-- lineage_releases(family, release, released, license, model_id, naming_prefix, position),
-- lineage_organisations(organisation, family), lineage_config(key, value), and
-- lineage_events(name, date, family, note) from crawler/events.toml (analysis/events.py); after
-- this file it fills organisation_releases(model_id, family, release, discovered) from the view
-- organisation_models (analysis/releases.py: releases discovered from model names).
-- Everything here is TEMP: it lives in the connection, so a read-only database works and nothing
-- is written to the crawl. Recursive queries use USING KEY plus a check against the rows already
-- found (recurring.*), so each (start, model) pair is visited once: cycles cannot loop, merges
-- with shared ancestors are counted once, and the first visit is at the shortest depth.

-- The inferred edges the lineage uses when inference is on (analysis/edges.py: the macro
-- inferred_min_confidence() holds the switch as a literal, NULL when off): parents the crawler
-- inferred (inferred_edges) for children that have no documented parent at all, resolved to a
-- known repo, with confidence at or above the threshold; and the release attributions
-- (inferred_releases) that name a root of the stated size, as an edge to that root (source
-- card_family). A TEMP table, filled once per install, so the recursive views do not redo the
-- anti-join at every generation; empty when off.
CREATE OR REPLACE TEMP TABLE lineage_inferred AS
SELECT i.child, i.parent, coalesce(i.relation, 'unspecified') AS relation, i.source, i.rule,
       i.confidence
FROM inferred_edges i
WHERE inferred_min_confidence() IS NOT NULL
  AND i.resolved AND i.confidence >= inferred_min_confidence() AND i.child <> i.parent
  AND NOT EXISTS (SELECT 1 FROM edges e WHERE e.child = i.child)
UNION ALL
SELECT r.child, r.root, coalesce(r.relation, 'unspecified'), 'card_family', r.rule,
       r.confidence
FROM inferred_releases r
WHERE inferred_min_confidence() IS NOT NULL
  AND r.root IS NOT NULL AND r.confidence >= inferred_min_confidence() AND r.child <> r.root
  AND NOT EXISTS (SELECT 1 FROM edges e WHERE e.child = r.child)
  AND NOT EXISTS (SELECT 1 FROM inferred_edges i WHERE i.child = r.child AND i.parent = r.root);

-- Models attributed to a release (or only to a family) that no edge places: the attribution
-- names no root of the stated size, or the root is not in the crawl. With inference on they
-- hang below their release at depth 1 (root_reach, model_roots), their descendants below them.
CREATE OR REPLACE TEMP TABLE lineage_attributed AS
SELECT r.child, r.family, r.release, r.rule, r.confidence
FROM inferred_releases r
WHERE inferred_min_confidence() IS NOT NULL AND r.confidence >= inferred_min_confidence()
  AND (r.root IS NULL OR r.root NOT IN (SELECT id FROM models))
  AND r.family IN (SELECT family FROM lineage_families)
  AND NOT EXISTS (SELECT 1 FROM edges e WHERE e.child = r.child);

-- Every edge the lineage views read: the declared edges without self-loops (self-loops are
-- listed by the self_loops view), documented, with their source (card or tag); with inference
-- on, also lineage_inferred (documented false, source the evidence's: card_text, repo_name …,
-- with its rule and confidence).
CREATE OR REPLACE TEMP VIEW lineage_edges AS
SELECT child, parent, coalesce(relation, 'unspecified') AS relation, source,
       true AS documented, NULL::DOUBLE AS confidence, NULL::VARCHAR AS rule
FROM edges
WHERE child <> parent
UNION ALL
SELECT child, parent, relation, source, false, confidence, rule
FROM lineage_inferred
WHERE inferred_min_confidence() IS NOT NULL;

-- Parents declared that name no repo, kept out of `edges` by the crawl (crawler/store/ingest.py:
-- `None`, `null`, a local path, a URL to another site, a malformed name): for audit, from what
-- the crawl kept of them, the card's base_model and the base_model: tags.
CREATE OR REPLACE TEMP VIEW declared_parents_refused AS
WITH declared AS (
    SELECT m.id AS child, 'card' AS source, unnest(CASE json_type(m.card_data->'base_model')
        WHEN 'VARCHAR' THEN [m.card_data->>'base_model']
        WHEN 'ARRAY' THEN list_transform(from_json(m.card_data->'base_model', '["JSON"]'),
                                         lambda v: CASE WHEN json_type(v) = 'VARCHAR'
                                                        THEN v->>'$' ELSE v::VARCHAR END)
        ELSE [(m.card_data->'base_model')::VARCHAR] END) AS declared
    FROM models m WHERE (m.card_data->'base_model') IS NOT NULL
    UNION ALL
    SELECT t.model_id, 'tag', regexp_replace(substr(t.tag, 12),
                                             '^(finetune|adapter|quantized|merge):', '')
    FROM model_tags t WHERE starts_with(t.tag, 'base_model:')
)
SELECT d.child, d.source, d.declared
FROM declared d
WHERE d.declared IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM edges e WHERE e.child = d.child
                  AND (e.parent = d.declared OR e.parent_declared = d.declared
                       OR e.parent = regexp_replace(regexp_replace(trim(d.declared),
                           '^(https?://)?(www\.)?huggingface\.co/', ''), '(/tree/.*|/+)$', '')));

CREATE OR REPLACE TEMP VIEW self_loops AS
SELECT child AS model_id, relation, source FROM edges WHERE child = parent;

-- Parents never crawled: typos, deleted or private repos, or roots outside the crawl.
CREATE OR REPLACE TEMP VIEW missing_parents AS
SELECT e.child, e.parent, e.relation
FROM lineage_edges e
WHERE NOT EXISTS (SELECT 1 FROM models m WHERE m.id = e.parent);

-- One relation per model, so a merge with three parents counts once. When a model's edges
-- disagree (the card says one thing, tags another) the most specific relation wins.
CREATE OR REPLACE TEMP VIEW model_relation AS
SELECT child AS model_id,
       arg_min(relation, CASE relation WHEN 'merge' THEN 0 WHEN 'adapter' THEN 1
                         WHEN 'quantized' THEN 2 WHEN 'finetune' THEN 3 ELSE 4 END) AS relation,
       count(*) AS parents
FROM lineage_edges
GROUP BY child;

-- Every model's ancestors: depth is the shortest distance, relation_path the relations met
-- walking up that shortest path (the model's own relation first). Whole-graph: to look at one
-- model use ancestors_of(id), which starts from it instead of computing every model's closure.
CREATE OR REPLACE TEMP VIEW ancestors AS
WITH RECURSIVE up(model_id, ancestor, depth, relation_path) USING KEY (model_id, ancestor) AS (
    SELECT child, parent, 1, [relation] FROM lineage_edges
    UNION
    SELECT u.model_id, e.parent, any_value(u.depth) + 1,
           min(list_append(u.relation_path, e.relation))
    FROM up u JOIN lineage_edges e ON e.child = u.ancestor
    WHERE NOT EXISTS (SELECT 1 FROM recurring.up r
                      WHERE r.model_id = u.model_id AND r.ancestor = e.parent)
    GROUP BY u.model_id, e.parent
)
SELECT model_id, ancestor, depth, relation_path FROM up WHERE ancestor <> model_id;

CREATE OR REPLACE TEMP MACRO ancestors_of(start_id) AS TABLE
WITH RECURSIVE up(ancestor, depth, relation_path) USING KEY (ancestor) AS (
    SELECT parent, 1, [relation] FROM lineage_edges WHERE child = start_id
    UNION
    SELECT e.parent, any_value(u.depth) + 1, min(list_append(u.relation_path, e.relation))
    FROM up u JOIN lineage_edges e ON e.child = u.ancestor
    WHERE e.parent <> start_id
      AND NOT EXISTS (SELECT 1 FROM recurring.up r WHERE r.ancestor = e.parent)
    GROUP BY e.parent
)
SELECT ancestor, depth, relation_path,
       EXISTS (SELECT 1 FROM models m WHERE m.id = ancestor) AS crawled
FROM up;

-- Every model below start_id once, at its shortest depth; parent is the parent on that path
-- (the smallest id when several parents are equally close), relation_path runs top-down.
CREATE OR REPLACE TEMP MACRO descendants(start_id) AS TABLE
WITH RECURSIVE down(model_id, parent, depth, relation_path) USING KEY (model_id) AS (
    SELECT child, parent, 1, [relation] FROM lineage_edges WHERE parent = start_id
    UNION
    SELECT e.child, min(e.parent), any_value(d.depth) + 1,
           arg_min(list_append(d.relation_path, e.relation), e.parent)
    FROM down d JOIN lineage_edges e ON e.parent = d.model_id
    WHERE e.child <> start_id
      AND NOT EXISTS (SELECT 1 FROM recurring.down r WHERE r.model_id = e.child)
    GROUP BY e.child
)
SELECT model_id, parent, depth, relation_path FROM down;

-- License taxonomy: kind and restrictiveness rank (permissive 0 < copyleft 1 < community and
-- custom terms 2 < non-commercial or no-derivatives 3), whether OSI approved, and whether it is
-- a Llama community license.
CREATE OR REPLACE TEMP TABLE license_kinds AS
SELECT license, kind,
       CASE kind WHEN 'permissive' THEN 0 WHEN 'copyleft' THEN 1 WHEN 'community' THEN 2
                 WHEN 'custom' THEN 2 WHEN 'non-commercial' THEN 3 END AS rank,
       osi_approved,
       license LIKE 'llama%' AS llama_community
FROM (VALUES
    ('apache-2.0', 'permissive', true), ('mit', 'permissive', true),
    ('bsd', 'permissive', true), ('bsd-2-clause', 'permissive', true),
    ('bsd-3-clause', 'permissive', true), ('bsd-3-clause-clear', 'permissive', false),
    ('bsl-1.0', 'permissive', true), ('isc', 'permissive', true), ('zlib', 'permissive', true),
    ('unlicense', 'permissive', true), ('afl-3.0', 'permissive', true),
    ('ecl-2.0', 'permissive', true), ('artistic-2.0', 'permissive', true),
    ('ms-pl', 'permissive', true), ('ncsa', 'permissive', true),
    ('postgresql', 'permissive', true), ('upl-1.0', 'permissive', true),
    ('cc0-1.0', 'permissive', false), ('cc-by-2.0', 'permissive', false),
    ('cc-by-2.5', 'permissive', false), ('cc-by-3.0', 'permissive', false),
    ('cc-by-4.0', 'permissive', false), ('wtfpl', 'permissive', false),
    ('pddl', 'permissive', false), ('odc-by', 'permissive', false),
    ('cdla-permissive-1.0', 'permissive', false), ('cdla-permissive-2.0', 'permissive', false),
    ('gpl', 'copyleft', true), ('gpl-2.0', 'copyleft', true), ('gpl-3.0', 'copyleft', true),
    ('lgpl', 'copyleft', true), ('lgpl-2.1', 'copyleft', true), ('lgpl-3.0', 'copyleft', true),
    ('lgpl-lr', 'copyleft', false), ('agpl-3.0', 'copyleft', true),
    ('mpl-2.0', 'copyleft', true), ('epl-1.0', 'copyleft', true), ('epl-2.0', 'copyleft', true),
    ('eupl-1.1', 'copyleft', true), ('eupl-1.2', 'copyleft', true),
    ('osl-3.0', 'copyleft', true), ('cc-by-sa-3.0', 'copyleft', false),
    ('cc-by-sa-4.0', 'copyleft', false), ('odbl', 'copyleft', false),
    ('gfdl', 'copyleft', false), ('cdla-sharing-1.0', 'copyleft', false),
    ('lppl-1.3c', 'copyleft', true),
    ('llama2', 'community', false), ('llama3', 'community', false),
    ('llama3.1', 'community', false), ('llama3.2', 'community', false),
    ('llama3.3', 'community', false), ('llama4', 'community', false),
    ('gemma', 'community', false), ('openrail', 'community', false),
    ('openrail++', 'community', false), ('bigscience-openrail-m', 'community', false),
    ('creativeml-openrail-m', 'community', false),
    ('bigscience-bloom-rail-1.0', 'community', false),
    ('bigcode-openrail-m', 'community', false), ('apple-amlr', 'community', false),
    ('deepfloyd-if-license', 'community', false), ('other', 'custom', false),
    ('cc-by-nc-2.0', 'non-commercial', false), ('cc-by-nc-3.0', 'non-commercial', false),
    ('cc-by-nc-4.0', 'non-commercial', false), ('cc-by-nc-nd-3.0', 'non-commercial', false),
    ('cc-by-nc-nd-4.0', 'non-commercial', false), ('cc-by-nc-sa-2.0', 'non-commercial', false),
    ('cc-by-nc-sa-3.0', 'non-commercial', false), ('cc-by-nc-sa-4.0', 'non-commercial', false),
    ('cc-by-nd-4.0', 'non-commercial', false),
    ('fair-noncommercial-research-license', 'non-commercial', false)
) AS t(license, kind, osi_approved);

-- License ids as real cards write them, mapped to the Hub's ids (docs/schema.md lists them).
-- alias: a declared license or license_name as license_id() keys it; license, license_name: the
-- Hub license it means ('other' with a name for custom terms such as the DeepSeek license). The
-- Llama community licenses come in one set of spellings per version, generated below.
CREATE OR REPLACE TEMP TABLE license_aliases AS
SELECT * FROM (VALUES
    ('apache2', 'apache-2.0', NULL), ('apache-2', 'apache-2.0', NULL),
    ('apache2.0', 'apache-2.0', NULL), ('apache', 'apache-2.0', NULL),
    ('apache-license', 'apache-2.0', NULL), ('apache-license-2.0', 'apache-2.0', NULL),
    ('apache-2.0-license', 'apache-2.0', NULL), ('apache-license-version-2.0', 'apache-2.0', NULL),
    ('mit-license', 'mit', NULL), ('the-mit-license', 'mit', NULL),
    ('bsd-3', 'bsd-3-clause', NULL), ('bsd3', 'bsd-3-clause', NULL),
    ('bsd-2', 'bsd-2-clause', NULL), ('cc0', 'cc0-1.0', NULL),
    ('cc-by-4', 'cc-by-4.0', NULL), ('cc-by-sa-4', 'cc-by-sa-4.0', NULL),
    ('cc-by-nc-4', 'cc-by-nc-4.0', NULL), ('cc-by-nc-sa-4', 'cc-by-nc-sa-4.0', NULL),
    ('cc-by-nc-nd-4', 'cc-by-nc-nd-4.0', NULL),
    ('gpl3', 'gpl-3.0', NULL), ('gplv3', 'gpl-3.0', NULL), ('gpl-3', 'gpl-3.0', NULL),
    ('gpl-v3', 'gpl-3.0', NULL), ('gplv2', 'gpl-2.0', NULL), ('gpl-2', 'gpl-2.0', NULL),
    ('agpl', 'agpl-3.0', NULL), ('agplv3', 'agpl-3.0', NULL), ('agpl-3', 'agpl-3.0', NULL),
    ('lgplv3', 'lgpl-3.0', NULL), ('mpl2', 'mpl-2.0', NULL), ('mpl-2', 'mpl-2.0', NULL),
    ('gemma-terms-of-use', 'gemma', NULL), ('gemma-license', 'gemma', NULL),
    ('deepseek', 'other', 'deepseek'), ('deepseek-license', 'other', 'deepseek'),
    ('deepseek-model-license', 'other', 'deepseek'),
    ('deepseek-license-agreement', 'other', 'deepseek'),
    ('qwen', 'other', 'qwen'), ('qwen-license', 'other', 'qwen'),
    ('tongyi-qianwen', 'other', 'qwen'), ('tongyi-qianwen-license', 'other', 'qwen'),
    ('tongyi-qianwen-license-agreement', 'other', 'qwen'),
    ('qwen-research', 'other', 'qwen-research'),
    ('qwen-research-license', 'other', 'qwen-research'),
    ('nvidia-open-model-license', 'other', 'nvidia-open-model-license')
) AS t(alias, license, license_name)
UNION ALL
-- llama2 … llama4: llama-3, llama3-community, llama-3-community-license, meta-llama-3-license …
SELECT DISTINCT form, 'llama' || v, NULL
FROM (SELECT unnest(['2', '3', '3.1', '3.2', '3.3', '4']) AS v)
CROSS JOIN LATERAL (SELECT unnest([
    'llama-' || v, 'llama' || v || '-community', 'llama-' || v || '-community',
    'llama' || v || '-community-license', 'llama-' || v || '-community-license',
    'llama' || v || '-license', 'llama-' || v || '-license',
    'meta-llama-' || v || '-community-license', 'meta-llama-' || v || '-license'
]) AS form);

-- A declared license or license_name as a lookup key: lower case, trimmed, runs of spaces and
-- underscores as '-', blank as NULL (' Apache 2.0 ' -> apache-2.0).
CREATE OR REPLACE TEMP MACRO license_id(license) AS
    nullif(regexp_replace(lower(trim(license)), '[\s_]+', '-', 'g'), '');

-- The Hub license a key names, as {license, license_name}: its alias's, else the key itself.
CREATE OR REPLACE TEMP MACRO license_alias(key) AS coalesce(
    (SELECT {'license': a.license, 'license_name': a.license_name}
     FROM license_aliases a WHERE a.alias = key),
    {'license': key, 'license_name': NULL::VARCHAR});

-- A declared (license, license_name) as the analysis compares it, {license, license_name}: the
-- license through its alias; 'other' with a name that is a Hub license id or an alias of one
-- becomes that license (other/"llama3" is llama3), else stays 'other' with the name as a key.
CREATE OR REPLACE TEMP MACRO license_terms(declared, declared_name) AS (
    CASE WHEN license_alias(license_id(declared)) = {'license': 'other', 'license_name': NULL}
              AND license_id(declared_name) IS NOT NULL
         THEN CASE WHEN license_id(declared_name) IN (SELECT a.alias FROM license_aliases a)
                        OR license_id(declared_name) IN (SELECT k.license FROM license_kinds k)
                   THEN license_alias(license_id(declared_name))
                   ELSE {'license': 'other', 'license_name': license_id(declared_name)} END
         ELSE license_alias(license_id(declared)) END
);

-- Each model's license as normalised (license_terms): license, license_name (for 'other'), the
-- values declared (declared, declared_name), its kind ('none' when missing, 'unknown' outside
-- the taxonomy), rank, OSI approval and whether it is a Llama community license.
CREATE OR REPLACE TEMP VIEW model_license AS
SELECT m.id AS model_id, m.terms.license AS license, m.terms.license_name AS license_name,
       m.license AS declared, m.license_name AS declared_name,
       coalesce(k.kind, CASE WHEN m.terms.license IS NULL THEN 'none' ELSE 'unknown' END) AS kind,
       k.rank, coalesce(k.osi_approved, false) AS osi_approved,
       coalesce(k.llama_community, false) AS llama_community
FROM (SELECT id, license, license_name, license_terms(license, license_name) AS terms
      FROM models) m
LEFT JOIN license_kinds k ON k.license = m.terms.license;

-- The drift from a parent's license to its child's, checked in this order: missing (the child
-- declares none), parent_missing, kept (the same license; two 'other' licenses are the same
-- unless both name their terms and the names differ), relabelled_permissive (a permissive
-- license under a Llama community license), more_restrictive (higher rank), changed_same_kind
-- (another license of the same rank: other/"deepseek" to other/"qwen" too), less_restrictive,
-- changed_unknown (a license outside the taxonomy). Arguments are model_license columns of the
-- parent and of the child.
CREATE OR REPLACE TEMP MACRO drift_kind(parent_license, parent_name, parent_rank, parent_llama,
                                        child_license, child_name, child_kind, child_rank) AS (
    CASE
        WHEN child_license IS NULL THEN 'missing'
        WHEN parent_license IS NULL THEN 'parent_missing'
        WHEN child_license = parent_license
             AND (child_name IS NULL OR parent_name IS NULL OR child_name = parent_name)
            THEN 'kept'
        WHEN parent_llama AND child_kind = 'permissive' THEN 'relabelled_permissive'
        WHEN child_rank > parent_rank THEN 'more_restrictive'
        WHEN child_rank = parent_rank THEN 'changed_same_kind'
        WHEN child_rank < parent_rank THEN 'less_restrictive'
        ELSE 'changed_unknown'
    END
);

-- License drift along every edge whose two ends were crawled (licenses as model_license has them).
CREATE OR REPLACE TEMP VIEW license_drift AS
SELECT e.child, e.parent, e.relation, p.license AS parent_license, c.license AS child_license,
       p.license_name AS parent_license_name, c.license_name AS child_license_name,
       drift_kind(p.license, p.license_name, p.rank, p.llama_community,
                  c.license, c.license_name, c.kind, c.rank) AS drift
FROM lineage_edges e
JOIN model_license c ON c.model_id = e.child
JOIN model_license p ON p.model_id = e.parent;

-- Crawled models of a family's organisations that no release lists. analysis/releases.py gives
-- each a release from its name's stem (organisation_releases: model_id, family, release,
-- discovered), when lineage.install fills that table.
CREATE OR REPLACE TEMP VIEW organisation_models AS
SELECT m.id AS model_id, o.family, m.created_at
FROM models m
JOIN lineage_organisations o ON o.organisation = coalesce(m.author, split_part(m.id, '/', 1))
WHERE m.id NOT IN (SELECT model_id FROM lineage_releases);

-- Configured roots the crawl did not find: models a release lists that are not in `models`
-- (crawl_error: why the crawl says it missed them), and organisations none of whose models was
-- crawled. They are never members, roots or descendants of anything.
CREATE OR REPLACE TEMP VIEW roots_not_found AS
SELECT r.family, r.release, r.model_id, 'release model' AS kind, e.message AS crawl_error
FROM lineage_releases r
LEFT JOIN (SELECT model_id, arg_max(message, occurred_at) AS message FROM crawl_errors
           WHERE kind = 'root' GROUP BY model_id) e USING (model_id)
WHERE NOT EXISTS (SELECT 1 FROM models m WHERE m.id = r.model_id)
UNION ALL
SELECT o.family, NULL, o.organisation, 'organisation', NULL
FROM lineage_organisations o
WHERE NOT EXISTS (SELECT 1 FROM models m
                  WHERE coalesce(m.author, split_part(m.id, '/', 1)) = o.organisation);

-- Where family roots can come from: every crawled model a release lists, and every crawled model
-- of a family's organisation, with the release its name gives it (configured or discovered).
CREATE OR REPLACE TEMP VIEW root_candidates AS
SELECT r.model_id, r.family, r.release, true AS listed, false AS discovered
FROM lineage_releases r
WHERE r.model_id IN (SELECT id FROM models)
UNION ALL
SELECT model_id, family, release, false, discovered FROM organisation_releases;

-- The closure below every candidate: (root, model_id, shortest depth, documented). The expensive
-- part, so it carries no relation path (ancestors/descendants have them);
-- analysis.lineage.prepare caches it. documented: a path of documented edges alone reaches the
-- model (always, with inference off). With inference on, a walk carries whether it crossed an
-- inferred edge, and a pair already reached without crossing one is not walked again as crossed:
-- at most two rows per pair, the documented one at its own shortest depth. Only one of the two
-- queries runs: the switch is a literal, so DuckDB drops the other before executing anything.
CREATE OR REPLACE TEMP VIEW root_reach_live AS
SELECT root, model_id, depth, true AS documented FROM (
    WITH RECURSIVE down(root, model_id, depth) USING KEY (root, model_id) AS (
        SELECT DISTINCT model_id, model_id, 0 FROM root_candidates
        UNION
        SELECT d.root, e.child, any_value(d.depth) + 1
        FROM down d JOIN lineage_edges e ON e.parent = d.model_id
        WHERE NOT EXISTS (SELECT 1 FROM recurring.down r
                          WHERE r.root = d.root AND r.model_id = e.child)
        GROUP BY d.root, e.child
    )
    SELECT root, model_id, depth FROM down
) WHERE inferred_min_confidence() IS NULL
UNION ALL
SELECT root, model_id, min(depth), bool_or(NOT crossed) FROM (
    WITH RECURSIVE down(root, model_id, crossed, depth) USING KEY (root, model_id, crossed) AS (
        SELECT model_id, model_id, false, 0 FROM (SELECT DISTINCT model_id FROM root_candidates)
        UNION ALL
        SELECT DISTINCT child, child, true, 1 FROM lineage_attributed
        UNION
        SELECT d.root, e.child, d.crossed OR NOT e.documented, any_value(d.depth) + 1
        FROM down d JOIN lineage_edges e ON e.parent = d.model_id
        WHERE NOT EXISTS (SELECT 1 FROM recurring.down r
                          WHERE r.root = d.root AND r.model_id = e.child
                            AND (NOT r.crossed OR r.crossed = (d.crossed OR NOT e.documented)))
        GROUP BY d.root, e.child, d.crossed OR NOT e.documented
    )
    SELECT root, model_id, crossed, depth FROM down
) WHERE inferred_min_confidence() IS NOT NULL
GROUP BY root, model_id;

CREATE OR REPLACE TEMP VIEW root_reach AS SELECT * FROM root_reach_live;

-- The roots: listed models, plus organisation models that no other candidate reaches (no parent
-- inside the families). Decided on documented edges alone, so switching inference on never
-- moves a root or a release: it only adds members below them.
CREATE OR REPLACE TEMP VIEW release_roots AS
SELECT c.model_id, c.family, c.release, c.listed, c.discovered
FROM root_candidates c
WHERE c.listed
   OR NOT EXISTS (SELECT 1 FROM root_reach r
                  WHERE r.model_id = c.model_id AND r.root <> c.model_id AND r.documented);

-- One row per release with a root in the crawl: a configured release with its announcement date
-- and license (normalised), a discovered one (discovered true) dated by its roots' first creation
-- and licensed as most of its roots are.
CREATE OR REPLACE TEMP VIEW lineage_release_dates AS
WITH configured AS (
    SELECT family, release, min(released) AS released,
           min(license_alias(license_id(license)).license) AS license
    FROM lineage_releases GROUP BY family, release
),
licensed AS (
    SELECT r.family, r.release, l.license, count(*) AS n
    FROM release_roots r JOIN model_license l USING (model_id)
    WHERE r.discovered AND l.license IS NOT NULL GROUP BY ALL
)
SELECT c.family, c.release, c.released, c.license, false AS discovered
FROM configured c
WHERE EXISTS (SELECT 1 FROM release_roots r WHERE r.family = c.family AND r.release = c.release)
UNION ALL
SELECT r.family, r.release, min(m.created_at)::DATE, any_value(l.license), true
FROM release_roots r
JOIN models m ON m.id = r.model_id
LEFT JOIN (SELECT family, release, arg_max(license, struct_pack(n, license)) AS license
           FROM licensed GROUP BY ALL) l ON l.family = r.family AND l.release = r.release
WHERE r.discovered
GROUP BY r.family, r.release;

-- The roots with their release's date and license: family_roots is what every view builds on.
CREATE OR REPLACE TEMP VIEW family_roots AS
SELECT r.model_id, r.family, r.release, d.released, d.license AS release_license, r.listed,
       r.discovered
FROM release_roots r JOIN lineage_release_dates d USING (family, release);

-- Each model with every root it descends from (a root with itself at depth 0); documented: a
-- path of documented edges alone leads from that root to it (always, with inference off).
CREATE OR REPLACE TEMP VIEW model_roots AS
SELECT r.model_id, r.root, f.family, f.release, f.discovered, r.depth, r.documented
FROM root_reach r
JOIN (SELECT DISTINCT model_id, family, release, discovered FROM family_roots) f
  ON f.model_id = r.root
UNION ALL
-- below a release attribution that names no crawled root: root NULL, never documented
SELECT r.model_id, NULL, a.family, a.release, false, r.depth, false
FROM root_reach r
JOIN (SELECT DISTINCT child, family, release FROM lineage_attributed) a ON a.child = r.root;

-- One row per family member. family is 'bridge' for a bridge, a model reaching the roots of
-- several families (family_members lists them); depth is the distance to the nearest root (0 for
-- roots); documented: every family it is in reaches it through documented edges alone, so
-- nothing of its place rests on an inferred edge.
CREATE OR REPLACE TEMP VIEW model_family AS
SELECT model_id,
       CASE WHEN min(family) <> max(family) THEN 'bridge' ELSE min(family) END AS family,
       min(depth) AS depth,
       min(depth) = 0 AS is_root,
       min(family) <> max(family) AS is_bridge,
       bool_and(documented) AS documented
FROM (SELECT model_id, family, min(depth) AS depth, bool_or(documented) AS documented
      FROM model_roots GROUP BY model_id, family)
GROUP BY model_id;

CREATE OR REPLACE TEMP VIEW family_members AS
SELECT f.model_id, f.family, l.families, l.roots, l.releases, f.depth, f.is_root, f.is_bridge,
       f.documented
FROM model_family f
JOIN (SELECT model_id,
             list_sort(list_distinct(list(family))) AS families,
             list_sort(list_distinct(list(root))) AS roots,
             list_sort(list_distinct(list(release))) AS releases
      FROM model_roots GROUP BY model_id) l USING (model_id);

-- Membership per family and per release: a bridge belongs to each family it reaches, and depth
-- is measured from that family's (release's) nearest root; discovered marks a release the roots
-- config does not list; documented: the model belongs there through documented edges alone
-- (false only with inference on, for a member that only inferred edges bring in).
CREATE OR REPLACE TEMP VIEW family_membership AS
SELECT model_id, family, min(depth) AS depth, bool_or(documented) AS documented
FROM model_roots
GROUP BY model_id, family;

CREATE OR REPLACE TEMP VIEW release_membership AS
SELECT model_id, family, release, discovered, min(depth) AS depth,
       bool_or(documented) AS documented
FROM model_roots
GROUP BY model_id, family, release, discovered;

-- Every event of the timeline: each release with a root in the crawl (kind 'release', configured
-- or discovered) and the events of lineage_events (kind 'event': crawler/events.toml and any
-- --events FILE). family is NULL for an event that concerns every family.
CREATE OR REPLACE TEMP VIEW timeline_events AS
SELECT release AS name, released AS date, family, 'release' AS kind,
       CASE WHEN discovered THEN 'discovered release' ELSE 'release' END || ', license '
           || coalesce(nullif(license, ''), 'unstated') AS note,
       discovered
FROM lineage_release_dates
UNION ALL
SELECT name, date, family, 'event', note, false FROM lineage_events;

-- A release license's naming rule as a regular expression on a lower-case model name: the prefix's
-- words in order, joined by '-', '_', '.', ' ' or nothing ("Llama 3" matches llama-3-8b,
-- Llama_3, llama3.1); a prefix ending in a digit must not run on into another ("Llama 3" does not
-- match llama-30b).
CREATE OR REPLACE TEMP MACRO naming_pattern(prefix) AS (
    '^' || array_to_string(list_transform(regexp_split_to_array(lower(trim(prefix)), '\s+'),
                                          lambda w: regexp_escape(w)), '[-_. ]?')
    || CASE WHEN regexp_matches(trim(prefix), '[0-9]$') THEN '([^0-9]|$)' ELSE '' END
);

-- Each derivative of a release whose license sets a naming rule (lineage_releases.naming_prefix),
-- judged once: when it descends from several such releases, the most recent one governs (a merge
-- of Llama 2 and Llama 3.1 follows Llama 3.1's rule). name is the part after the '/'; releases
-- lists every ruled release it descends from.
CREATE OR REPLACE TEMP VIEW naming_rule AS
WITH ruled AS (
    SELECT DISTINCT family, release, released, naming_prefix FROM lineage_releases
    WHERE trim(coalesce(naming_prefix, '')) <> ''
),
governed AS (
    SELECT r.model_id,
           arg_max(struct_pack(release := g.release, prefix := g.naming_prefix),
                   struct_pack(released := g.released, release := g.release)) AS rule,
           list_sort(list_distinct(list(g.release))) AS releases
    FROM release_membership r
    JOIN ruled g ON g.family = r.family AND g.release = r.release
    WHERE r.depth > 0
    GROUP BY r.model_id
)
SELECT model_id, string_split(model_id, '/')[-1] AS name, rule.release AS release,
       rule.prefix AS naming_prefix, releases,
       regexp_matches(lower(string_split(model_id, '/')[-1]), naming_pattern(rule.prefix))
           AS compliant
FROM governed;


-- Every tag quantization_format reads (so callers gather only these).
CREATE OR REPLACE TEMP MACRO quantization_tags() AS
    ['gguf', 'gptq', 'awq', 'exl2', 'mlx', 'bitsandbytes', '4-bit', '8-bit', 'onnx', 'fp8'];

-- The quantization format a model's name, library or tags show (NULL when none); a model whose
-- relation is 'quantized' but shows no known format is 'unknown'. tags: lower-case tag list.
CREATE OR REPLACE TEMP MACRO quantization_format(model_id, library_name, tags, relation) AS (
    CASE
        WHEN list_contains(tags, 'gguf') OR library_name = 'gguf'
             OR lower(model_id) LIKE '%gguf%' THEN 'GGUF'
        WHEN list_contains(tags, 'gptq') OR lower(model_id) LIKE '%gptq%' THEN 'GPTQ'
        WHEN list_contains(tags, 'awq') OR lower(model_id) LIKE '%awq%' THEN 'AWQ'
        WHEN list_contains(tags, 'exl2') OR lower(model_id) LIKE '%exl2%' THEN 'EXL2'
        WHEN list_contains(tags, 'mlx') OR library_name = 'mlx'
             OR lower(model_id) LIKE '%mlx%' THEN 'MLX'
        WHEN list_contains(tags, 'bitsandbytes') OR list_contains(tags, '4-bit')
             OR list_contains(tags, '8-bit') OR lower(model_id) LIKE '%bnb%' THEN 'bitsandbytes'
        WHEN list_contains(tags, 'onnx') OR library_name = 'onnx'
             OR lower(model_id) LIKE '%onnx%' THEN 'ONNX'
        WHEN list_contains(tags, 'fp8') OR lower(model_id) LIKE '%fp8%' THEN 'FP8'
        WHEN lower(model_id) LIKE '%hqq%' THEN 'HQQ'
        WHEN lower(model_id) LIKE '%aqlm%' THEN 'AQLM'
        WHEN relation = 'quantized' THEN 'unknown'
    END
);

-- Each crawled model's card as the Anatomy paper reads one (Laufer, Oderinwale & Kleinberg 2025
-- count the characters of the whole README.md, YAML header included, and take a README of more
-- than 3 characters for a card). card_state: 'card' (README fetched, more than 3 bytes), 'empty'
-- (fetched, 3 bytes or fewer), 'none' (the repo has no README.md), 'unknown' (never fetched:
-- gated, failed, deleted, or a crawl with --no-cards). card_chars: the README's size in bytes,
-- header included (bytes = characters for ASCII text; the body's length where a row lacks it).
CREATE OR REPLACE TEMP VIEW model_card AS
SELECT m.id AS model_id,
       CASE WHEN c.model_id IS NULL THEN 'unknown'
            WHEN c.fetch_error = 'no README.md' THEN 'none'
            WHEN c.fetch_error IS NOT NULL THEN 'unknown'
            WHEN coalesce(c.size_bytes, strlen(c.body), 0) > 3 THEN 'card'
            ELSE 'empty' END AS card_state,
       CASE WHEN c.model_id IS NOT NULL AND c.fetch_error IS NULL
            THEN coalesce(c.size_bytes, strlen(c.body), 0) END AS card_chars
FROM models m LEFT JOIN cards c ON c.model_id = m.id;

-- The Anatomy statistics' scopes: family NULL is the whole crawl (every crawled model, every
-- declared edge); a family key is its crawled models and the edges inside it (the child descends
-- from the family, the parent belongs to it), as the license drift is scoped.
CREATE OR REPLACE TEMP VIEW anatomy_models AS
SELECT NULL::VARCHAR AS family, id AS model_id FROM models
UNION ALL
SELECT fm.family, fm.model_id FROM family_membership fm
WHERE fm.model_id IN (SELECT id FROM models);

CREATE OR REPLACE TEMP VIEW anatomy_edges AS
SELECT NULL::VARCHAR AS family, child, parent, relation FROM lineage_edges
UNION ALL
SELECT c.family, e.child, e.parent, e.relation
FROM lineage_edges e
JOIN family_membership c ON c.model_id = e.child AND c.depth > 0
JOIN family_membership p ON p.model_id = e.parent AND p.family = c.family;

-- The Anatomy statistics (analysis/anatomy.py sets them beside the published figures), one row
-- per (family scope, statistic): value and basis (how many edges or models it rests on).
--   edges, edges_<relation>       declared parent->child edges (self-loops aside), by relation
--   share_<relation>              the relation's share of the edges
--   <relation>_with_children      of the models that are a <relation> child (an edge of that
--                                 relation to a parent), the share that are parents themselves
--   quantized_leaves              of the quantized children, the share with no child
--   license_changed               of the edges whose two ends declare a license, the share where
--                                 the child's differs from the parent's (any drift but 'kept')
--   card_chars_parent, _child     mean README size of parents and of children, over the edges
--                                 whose two ends have a card (model_card), a parent once per edge
--   has_card                      of the models whose README was looked for, the share with a card
--   top1pct_download_share        the share of the 30-day downloads taken by the top 1% of
--                                 models (ceil(1% of those with a count)) by downloads
CREATE OR REPLACE TEMP VIEW anatomy AS
WITH scopes AS (SELECT NULL::VARCHAR AS family UNION ALL SELECT family FROM lineage_families),
relations AS (
    SELECT unnest(['finetune', 'adapter', 'quantized', 'merge', 'unspecified']) AS relation
),
edge_counts AS (
    SELECT s.family, r.relation,
           (SELECT count(*) FROM anatomy_edges e
            WHERE e.family IS NOT DISTINCT FROM s.family AND e.relation = r.relation) AS n,
           (SELECT count(*) FROM anatomy_edges e
            WHERE e.family IS NOT DISTINCT FROM s.family) AS total
    FROM scopes s CROSS JOIN relations r
),
children AS (
    SELECT k.family, k.relation, count(*) AS basis,
           count(*) FILTER (k.child IN (SELECT parent FROM lineage_edges)) AS parents
    FROM (SELECT DISTINCT family, child, relation FROM anatomy_edges) k
    GROUP BY ALL
),
licenses AS (
    SELECT e.family, count(*) AS basis,
           count(*) FILTER (d.drift <> 'kept') AS changed
    FROM anatomy_edges e
    JOIN license_drift d ON d.child = e.child AND d.parent = e.parent
    WHERE d.child_license IS NOT NULL AND d.parent_license IS NOT NULL
    GROUP BY ALL
),
card_lengths AS (
    SELECT e.family, count(*) AS basis, avg(p.card_chars) AS parent_chars,
           avg(c.card_chars) AS child_chars
    FROM anatomy_edges e
    JOIN model_card p ON p.model_id = e.parent AND p.card_state = 'card'
    JOIN model_card c ON c.model_id = e.child AND c.card_state = 'card'
    GROUP BY ALL
),
card_presence AS (
    SELECT a.family, count(*) FILTER (c.card_state <> 'unknown') AS basis,
           count(*) FILTER (c.card_state = 'card') AS cards
    FROM anatomy_models a JOIN model_card c USING (model_id)
    GROUP BY ALL
),
ranked AS (
    SELECT a.family, m.downloads::DOUBLE AS x,
           row_number() OVER (PARTITION BY a.family ORDER BY m.downloads DESC, a.model_id) AS r,
           count(*) OVER (PARTITION BY a.family) AS n
    FROM anatomy_models a JOIN models m ON m.id = a.model_id
    WHERE m.downloads IS NOT NULL
),
concentration AS (
    SELECT family, max(n) AS basis, sum(x) FILTER (r <= ceil(n / 100)) / nullif(sum(x), 0) AS top
    FROM ranked GROUP BY ALL
),
values AS (
    SELECT family, 'edges' AS statistic, max(total)::DOUBLE AS value, max(total) AS basis
    FROM edge_counts GROUP BY ALL
    UNION ALL SELECT family, 'edges_' || relation, n, total FROM edge_counts
    UNION ALL SELECT family, 'share_' || relation, n / nullif(total, 0), total FROM edge_counts
    UNION ALL SELECT family, relation || '_with_children', parents / basis, basis FROM children
    UNION ALL SELECT family, 'quantized_leaves', 1 - parents / basis, basis FROM children
              WHERE relation = 'quantized'
    UNION ALL SELECT family, 'license_changed', changed / basis, basis FROM licenses
    UNION ALL SELECT family, 'card_chars_parent', parent_chars, basis FROM card_lengths
    UNION ALL SELECT family, 'card_chars_child', child_chars, basis FROM card_lengths
    UNION ALL SELECT family, 'has_card', cards / nullif(basis, 0), basis FROM card_presence
    UNION ALL SELECT family, 'top1pct_download_share', top, basis FROM concentration
)
SELECT family, statistic, value, basis FROM values;

-- Openness after the Model Openness Framework (MOF, White et al. 2024) and the OSI's Open Source
-- AI Definition 1.0 (OSAID), as far as Hub metadata shows it. One row per crawled model; each
-- component is true when the metadata evidences it, false when it does not, NULL when metadata
-- can never show it. The rules, in order of the MOF's classes (docs/schema.md has the full
-- text):
--   license_open         the declared license is open (kind permissive or copyleft: OSI-approved
--                        or an open data / content license such as CC-BY) and so is the license of
--                        every release the model descends from (a Llama fine-tune relabelled
--                        apache-2.0 is still under Llama terms): the MOF's bar for the
--                        parameters, model card and evaluation results, which live in the repo
--   Class III (Open Model): architecture (library_name is an open-source library that holds the
--     architecture's code), weights (a weights-format tag: safetensors, pytorch, gguf, onnx …),
--     technical_report (an arXiv id in tags or card text, the Hub template's carbon-emissions
--     citation 1910.09700 aside; the MOF takes a research paper for a technical report),
--     evaluation_results (the card's model-index), model_card (model_card: a README of more
--     than 3 bytes), data_card (a dataset: tag, the Hub's link to a dataset repo and its card)
--   Class II (Open Tooling) adds: training_code (the card links a code repository: github,
--     gitlab, codeberg, bitbucket), inference_code (the open-source library, as architecture),
--     evaluation_code (NULL: not in metadata), evaluation_data (model-index names a dataset)
--   Class I (Open Science) adds: research_paper (as technical_report), datasets (training
--     datasets named: dataset: tags or the card's datasets), data_preprocessing_code and
--     intermediate_parameters (NULL: not in metadata)
--   mof_class    the highest class whose required components (its own and the lower classes')
--                are all shown, with license_open: 'Class III' at most, since Class II needs
--                evaluation code, which metadata never shows
--   mof_ceiling  the highest class that metadata does not rule out (no required component
--                shown missing, license_open); mof_unknown lists that class's components
--                metadata cannot show
--   osaid        'fails' when the parameters' terms visibly fail the OSAID (no license, a license
--                that is not OSI-approved, or descent from a release whose license is not), else
--                'undetermined': complete code and sufficient data information cannot be
--                established from metadata; osaid_reason says which
CREATE OR REPLACE TEMP MACRO open_libraries() AS
    ['transformers', 'diffusers', 'peft', 'sentence-transformers', 'timm', 'gguf', 'mlx',
     'open_clip', 'onnx', 'keras', 'tf-keras', 'spacy', 'flair', 'fastai', 'speechbrain',
     'nemo', 'espnet', 'setfit', 'span-marker', 'adapter-transformers', 'allennlp', 'fairseq',
     'asteroid', 'stable-baselines3', 'sample-factory', 'ml-agents', 'pyannote-audio',
     'paddlenlp', 'transformers.js', 'bertopic', 'openvino', 'coreml', 'mlc-llm', 'llamafile'];

CREATE OR REPLACE TEMP MACRO weights_tags() AS
    ['safetensors', 'pytorch', 'gguf', 'onnx', 'tf', 'jax', 'mlx', 'keras', 'tf-keras',
     'openvino', 'coreml', 'tflite', 'gptq', 'awq', 'exl2', 'rust'];

CREATE OR REPLACE TEMP MACRO json_nonempty(v) AS coalesce(
    CASE json_type(v) WHEN 'ARRAY' THEN json_array_length(v) > 0
                      WHEN 'VARCHAR' THEN length(v ->> '$') > 0
                      WHEN 'NULL' THEN false ELSE v IS NOT NULL END, false);

CREATE OR REPLACE TEMP VIEW openness AS
WITH tags AS (
    SELECT model_id,
           bool_or(list_contains(weights_tags(), lower(tag))) AS weights_tag,
           bool_or(tag LIKE 'dataset:%') AS dataset_tag,
           bool_or(tag LIKE 'arxiv:%' AND tag <> 'arxiv:1910.09700') AS arxiv_tag
    FROM model_tags
    WHERE list_contains(weights_tags(), lower(tag)) OR tag LIKE 'dataset:%' OR tag LIKE 'arxiv:%'
    GROUP BY model_id
),
inherited AS (
    SELECT r.model_id,
           arg_min(r.release || ' (' || coalesce(l.license, 'no license') || ')',
                   r.release) FILTER (NOT coalesce(k.osi_approved, false)) AS non_osi_release,
           bool_or(coalesce(k.kind NOT IN ('permissive', 'copyleft'), true)) AS closed_release
    FROM release_membership r
    JOIN lineage_release_dates l ON l.family = r.family AND l.release = r.release
    LEFT JOIN license_kinds k ON k.license = l.license
    WHERE r.depth > 0
    GROUP BY r.model_id
),
evidence AS (
    SELECT m.id AS model_id, l.license,
           l.kind IN ('permissive', 'copyleft') AND NOT coalesce(i.closed_release, false)
               AS license_open,
           l.osi_approved,
           coalesce(list_contains(open_libraries(), lower(m.library_name)), false) AS library_open,
           coalesce(t.weights_tag, false)
               OR coalesce(lower(m.library_name) IN ('gguf', 'mlx'), false) AS weights,
           coalesce(t.arxiv_tag, false)
               OR coalesce(len(list_filter(regexp_extract_all(c.body,
                    'arxiv\.org/(?:abs|pdf)/([0-9]{4}\.[0-9]{4,5})', 1),
                    lambda id: id <> '1910.09700')) > 0, false) AS paper,
           json_nonempty(json_extract(coalesce(c.metadata, m.card_data), '$."model-index"'))
               AS evaluation_results,
           mc.card_state = 'card' AS model_card,
           coalesce(t.dataset_tag, false) AS data_card,
           coalesce(t.dataset_tag, false)
               OR json_nonempty(json_extract(coalesce(c.metadata, m.card_data), '$.datasets'))
               AS datasets,
           coalesce(regexp_matches(c.body,
               '(github\.com|gitlab\.com|codeberg\.org|bitbucket\.org)/[A-Za-z0-9_.-]+/'), false)
               AS training_code,
           coalesce(len(json_extract(coalesce(c.metadata, m.card_data),
                                     '$."model-index"[*].results[*].dataset')) > 0, false)
               AS evaluation_data,
           i.non_osi_release AS release_terms
    FROM models m
    JOIN model_license l ON l.model_id = m.id
    JOIN model_card mc ON mc.model_id = m.id
    LEFT JOIN cards c ON c.model_id = m.id
    LEFT JOIN tags t ON t.model_id = m.id
    LEFT JOIN inherited i ON i.model_id = m.id
),
components AS (
    SELECT model_id, license, coalesce(license_open, false) AS license_open, osi_approved,
           release_terms,
           library_open AS architecture, weights, paper AS technical_report,
           evaluation_results, model_card, data_card,
           training_code, library_open AS inference_code, NULL::BOOLEAN AS evaluation_code,
           evaluation_data,
           paper AS research_paper, datasets, NULL::BOOLEAN AS data_preprocessing_code,
           NULL::BOOLEAN AS intermediate_parameters
    FROM evidence
),
classes AS (
    SELECT *,
           [architecture, weights, technical_report, evaluation_results, model_card,
            data_card] AS class_3,
           [training_code, inference_code, evaluation_code, evaluation_data] AS class_2,
           [research_paper, datasets, data_preprocessing_code, intermediate_parameters]
               AS class_1
    FROM components
),
reached AS (
    SELECT *,
           license_open AND list_bool_and(list_transform(class_3, lambda x: coalesce(x, false)))
               AS shown_3,
           license_open AND NOT list_bool_or(list_transform(class_3, lambda x: x IS false))
               AS open_3,
           NOT list_bool_or(list_transform(class_2, lambda x: x IS false)) AS open_2,
           NOT list_bool_or(list_transform(class_1, lambda x: x IS false)) AS open_1
    FROM classes
)
SELECT model_id, license, license_open, architecture, weights, technical_report,
       evaluation_results, model_card, data_card, training_code, inference_code,
       evaluation_code, evaluation_data, research_paper, datasets, data_preprocessing_code,
       intermediate_parameters,
       CASE WHEN shown_3 THEN 'Class III' END AS mof_class,
       CASE WHEN open_3 AND open_2 AND open_1 THEN 'Class I'
            WHEN open_3 AND open_2 THEN 'Class II'
            WHEN open_3 THEN 'Class III' END AS mof_ceiling,
       CASE WHEN open_3 AND open_2 AND open_1
                THEN ['evaluation code', 'data preprocessing code', 'intermediate parameters']
            WHEN open_3 AND open_2 THEN ['evaluation code']
            WHEN open_3 THEN []
       END::VARCHAR[] AS mof_unknown,
       CASE WHEN license IS NULL OR NOT osi_approved OR release_terms IS NOT NULL
            THEN 'fails' ELSE 'undetermined' END AS osaid,
       CASE WHEN license IS NULL THEN 'no license declared'
            WHEN NOT osi_approved THEN license || ' is not an OSI-approved license'
            WHEN release_terms IS NOT NULL
                THEN 'derived from ' || release_terms || ', not under OSI-approved terms'
            ELSE 'parameters under OSI-approved terms; whether the complete training and '
                 || 'data-processing code and sufficient data information exist is not in '
                 || 'the metadata' END AS osaid_reason
FROM reached;
