"""Ecosystem metrics per family or per root release, as pandas DataFrames.

Every figure is one DuckDB query over the cached family closure (lineage.prepare), so a
2,000,000-model crawl takes seconds. A model counts once per group however many of the group's
roots or parents it reaches (merges are not double counted); a bridge counts in each family.
Downloads are the Hub's last-30-days counts, which formats such as GGUF count differently from
transformers repos: rankings by downloads compare poorly across formats.
"""

from __future__ import annotations

import pandas as pd

from analysis.groups import Conn, Level, grouping, query

DOWNLOADS_CAVEAT = (
    "Downloads are the Hub's 30-day counts of requests on a repo's query file; GGUF and other "
    "formats count differently from transformers repos, so they compare poorly across formats."
)


# The one definition of a family's (or release's) size wherever the report gives one.
SIZE_DEFINITION = (
    "A family's models are the crawled models that are its roots or descend from them through "
    "declared base_model relations; a bridge, reaching the roots of several families, counts "
    "in each. A root the roots config lists but the crawl did not find is not a model of the "
    "crawl, nor are its descendants counted through it (roots_not_found counts such roots; "
    "the report lists them)."
)


def sizes(conn: Conn, level: Level = "family") -> pd.DataFrame:
    """Models (see SIZE_DEFINITION), roots, direct children, descendants, distinct authors,
    bridges and depth per group."""
    g = grouping(level)
    return query(conn, f"""
        SELECT {g.keys},
               count(m.id) AS models,
               count(m.id) FILTER (gm.depth = 0) AS roots,
               any_value(coalesce(nf.n, 0)) AS roots_not_found,
               count(*) FILTER (gm.depth = 1) AS direct_children,
               count(*) FILTER (gm.depth > 0) AS descendants,
               count(DISTINCT m.author) FILTER (gm.depth > 0) AS authors,
               count(*) FILTER (gm.depth > 0 AND b.is_bridge) AS bridges,
               max(gm.depth) AS max_depth
        FROM {g.view} gm
        LEFT JOIN models m ON m.id = gm.model_id
        LEFT JOIN (SELECT model_id, is_bridge FROM model_family) b ON b.model_id = gm.model_id
        LEFT JOIN (SELECT {g.keys}, count(*) AS n FROM roots_not_found GROUP BY ALL) nf
               USING ({g.keys})
        LEFT JOIN ({g.starts}) s USING ({g.keys})
        GROUP BY {g.keys}, s.started
        ORDER BY {g.order}
    """)


def partition_sizes(conn: Conn) -> pd.DataFrame:
    """Models per exclusive family (its key, or 'bridge' for the models reaching several):
    roots, descendants; families in the roots config's order, bridges last."""
    return query(conn, """
        SELECT m.family, count(*) AS models, count(*) FILTER (m.is_root) AS roots,
               count(*) FILTER (NOT m.is_root) AS descendants
        FROM model_family m LEFT JOIN lineage_families f USING (family)
        GROUP BY m.family, f.position ORDER BY f.position NULLS LAST, m.family
    """)


def depth_distribution(conn: Conn, level: Level = "family") -> pd.DataFrame:
    """Descendants per depth (distance to the group's nearest root) and their share."""
    g = grouping(level)
    return query(conn, f"""
        SELECT {g.keys}, depth, count(*) AS models,
               count(*) / sum(count(*)) OVER (PARTITION BY {g.keys}) AS share
        FROM {g.view} LEFT JOIN ({g.starts}) s USING ({g.keys})
        WHERE depth > 0
        GROUP BY {g.keys}, s.started, depth
        ORDER BY {g.order}, depth
    """)


def relation_shares(conn: Conn, level: Level = "family") -> pd.DataFrame:
    """Descendants by relation to their parents (one relation per model, see model_relation)."""
    g = grouping(level)
    return query(conn, f"""
        SELECT {g.keys}, coalesce(r.relation, 'unspecified') AS relation, count(*) AS models,
               count(*) / sum(count(*)) OVER (PARTITION BY {g.keys}) AS share
        FROM {g.view} gm
        LEFT JOIN model_relation r USING (model_id)
        LEFT JOIN ({g.starts}) s USING ({g.keys})
        WHERE gm.depth > 0
        GROUP BY {g.keys}, s.started, relation
        ORDER BY {g.order}, models DESC, relation
    """)


def quantization_formats(conn: Conn, level: Level = "family") -> pd.DataFrame:
    """Descendants by quantization format (GGUF, GPTQ, AWQ, EXL2, MLX …) and share of them."""
    g = grouping(level)
    return query(conn, f"""
        WITH members AS (SELECT * FROM {g.view} WHERE depth > 0),
        tags AS (
            SELECT model_id, list(lower(tag)) AS tags FROM model_tags
            WHERE list_contains(quantization_tags(), lower(tag))
              AND model_id IN (SELECT model_id FROM members)
            GROUP BY model_id
        ),
        formats AS (
            SELECT gm.*, quantization_format(gm.model_id, m.library_name,
                                             coalesce(t.tags, []), r.relation) AS format
            FROM members gm
            LEFT JOIN models m ON m.id = gm.model_id
            LEFT JOIN tags t USING (model_id)
            LEFT JOIN model_relation r USING (model_id)
        )
        SELECT {g.keys}, format, count(*) AS models,
               count(*) / sum(count(*)) OVER (PARTITION BY {g.keys}) AS share
        FROM formats LEFT JOIN ({g.starts}) s USING ({g.keys})
        WHERE format IS NOT NULL
        GROUP BY {g.keys}, s.started, format
        ORDER BY {g.order}, models DESC, format
    """)


def downloads(conn: Conn, level: Level = "family") -> pd.DataFrame:
    """Descendants' downloads against the roots', and their concentration (Gini, top-10 share).

    See DOWNLOADS_CAVEAT: download counts compare poorly across formats.
    """
    g = grouping(level)
    return query(conn, f"""
        WITH d AS (
            SELECT {g.keys}, gm.depth, coalesce(m.downloads, 0)::DOUBLE AS x
            FROM {g.view} gm LEFT JOIN models m ON m.id = gm.model_id
        ),
        roots AS (SELECT {g.keys}, sum(x) AS root_downloads FROM d WHERE depth = 0 GROUP BY ALL),
        ranked AS (
            SELECT {g.keys}, x,
                   row_number() OVER (PARTITION BY {g.keys} ORDER BY x) AS i,
                   count(*) OVER (PARTITION BY {g.keys}) AS n
            FROM d WHERE depth > 0
        ),
        conc AS (
            SELECT {g.keys}, count(*)::DOUBLE AS n, sum(x) AS total, sum(i * x) AS weighted,
                   sum(x) FILTER (i > n - 10) AS top10
            FROM ranked GROUP BY ALL
        )
        SELECT {g.keys}, coalesce(r.root_downloads, 0) AS root_downloads,
               coalesce(c.total, 0) AS descendant_downloads,
               c.total / nullif(r.root_downloads, 0) AS descendants_per_root_download,
               CASE WHEN c.total > 0 THEN 2 * c.weighted / (c.n * c.total) - (c.n + 1) / c.n
               END AS gini,
               c.top10 / nullif(c.total, 0) AS top10_share
        FROM conc c FULL JOIN roots r USING ({g.keys})
        LEFT JOIN ({g.starts}) s USING ({g.keys})
        ORDER BY {g.order}
    """)


def top_derivatives(conn: Conn, level: Level = "family", n: int = 10,
                    relation: str | None = None) -> pd.DataFrame:
    """The n most downloaded descendants of each group (see DOWNLOADS_CAVEAT), with their
    quantization format; `relation` keeps only descendants of that relation (model_relation),
    e.g. 'quantized'."""
    g = grouping(level)
    return query(conn, f"""
        WITH picks AS (
            SELECT {g.keys},
                   -- the n smallest (-downloads, id): among equal downloads the smaller ids,
                   -- as the ranking below orders them
                   unnest(arg_min(struct_pack(model_id := gm.model_id, depth := gm.depth,
                                              downloads := coalesce(m.downloads, 0)),
                                  struct_pack(d := -coalesce(m.downloads, 0), id := gm.model_id),
                                  $n), recursive := true)
            FROM {g.view} gm LEFT JOIN models m ON m.id = gm.model_id
            LEFT JOIN model_relation r ON r.model_id = gm.model_id
            WHERE gm.depth > 0 AND ($relation IS NULL OR r.relation = $relation)
            GROUP BY {g.keys}
        ),
        tags AS (
            SELECT model_id, list(lower(tag)) AS tags FROM model_tags
            WHERE list_contains(quantization_tags(), lower(tag))
              AND model_id IN (SELECT model_id FROM picks)
            GROUP BY model_id
        )
        SELECT {g.keys},
               row_number() OVER (PARTITION BY {g.keys}
                                  ORDER BY p.downloads DESC, p.model_id) AS rank,
               p.model_id, p.downloads, m.likes, r.relation,
               quantization_format(p.model_id, m.library_name, coalesce(t.tags, []),
                                   r.relation) AS format,
               m.license, p.depth
        FROM picks p
        LEFT JOIN models m ON m.id = p.model_id
        LEFT JOIN model_relation r ON r.model_id = p.model_id
        LEFT JOIN tags t ON t.model_id = p.model_id
        LEFT JOIN ({g.starts}) s USING ({g.keys})
        ORDER BY {g.order}, rank
    """, {"n": n, "relation": relation})


def growth(conn: Conn, level: Level = "family") -> pd.DataFrame:
    """New derivatives per month (by the repo's creation date) and the running total."""
    g = grouping(level)
    return query(conn, f"""
        WITH monthly AS (
            SELECT {g.keys}, date_trunc('month', m.created_at)::DATE AS month, count(*) AS new
            FROM {g.view} gm JOIN models m ON m.id = gm.model_id
            WHERE gm.depth > 0 AND m.created_at IS NOT NULL
            GROUP BY ALL
        )
        SELECT {g.keys}, month, new AS new_derivatives,
               sum(new) OVER (PARTITION BY {g.keys} ORDER BY month)::BIGINT AS cumulative
        FROM monthly LEFT JOIN ({g.starts}) s USING ({g.keys})
        ORDER BY {g.order}, month
    """)


def milestones(conn: Conn, level: Level = "family", counts: tuple[int, ...] = (10, 100, 1000)
               ) -> pd.DataFrame:
    """Days from the group's release to its 10th, 100th and 1,000th derivative (NaN: not yet).

    A family starts at its first release; a discovered release at its first root's creation.
    """
    g = grouping(level)
    columns = ", ".join(
        f"max(days) FILTER (nth = {int(c)}) AS days_to_{int(c)}" for c in counts
    )
    return query(conn, f"""
        WITH d AS (
            SELECT {g.keys}, m.created_at,
                   row_number() OVER (PARTITION BY {g.keys}
                                      ORDER BY m.created_at, gm.model_id) AS nth
            FROM {g.view} gm JOIN models m ON m.id = gm.model_id
            WHERE gm.depth > 0 AND m.created_at IS NOT NULL
        ),
        days AS (
            SELECT d.*, date_diff('day', s.started::TIMESTAMP, d.created_at) AS days
            FROM d LEFT JOIN ({g.starts}) s USING ({g.keys})
        )
        SELECT {g.keys}, s.started, {columns}
        FROM (SELECT DISTINCT {g.keys} FROM {g.view}) groups
        LEFT JOIN ({g.starts}) s USING ({g.keys})
        LEFT JOIN days USING ({g.keys})
        GROUP BY {g.keys}, s.started
        ORDER BY {g.order}
    """)


def bridges(conn: Conn) -> pd.DataFrame:
    """Models reaching roots of several families (DeepSeek-R1-Distill-Llama and below)."""
    return query(conn, """
        WITH b AS (SELECT * FROM model_family WHERE is_bridge),
        lists AS (
            SELECT model_id, list_sort(list_distinct(list(family))) AS families,
                   list_sort(list_distinct(list(release))) AS releases
            FROM model_roots WHERE model_id IN (SELECT model_id FROM b) GROUP BY model_id
        )
        SELECT b.model_id, l.families, l.releases, b.depth, b.is_root, r.relation, m.license,
               coalesce(m.downloads, 0) AS downloads
        FROM b
        JOIN lists l USING (model_id)
        LEFT JOIN models m ON m.id = b.model_id
        LEFT JOIN model_relation r USING (model_id)
        ORDER BY downloads DESC, b.model_id
    """)
