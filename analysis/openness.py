"""Openness: a per-model score from what a model's metadata evidences, aggregated per family.

Modelled on the components of the Model Openness Framework (MOF) and the OSI Open Source AI
Definition (OSAID) that a Hub card can show. Metadata cannot prove code or weights are open, so
the score measures documented openness, not openness itself. Each component counts equally:

- license_osi: the declared license is OSI approved (OSAID: parameters under OSI terms; MOF
  licenses).
- datasets: training datasets named, in the card's `datasets` or `dataset:` tags (OSAID data
  information; MOF datasets / data card).
- evaluation: evaluation results in the card's `model-index` (MOF evaluation results).
- paper: an arXiv paper, as an `arxiv:` tag or link in the card (MOF research paper / technical
  report).
- base_model: the parent declared in the card (provenance; MOF model card lineage).
- card_substance: a card body of at least `substance_chars` characters (MOF model card).
"""

from __future__ import annotations

import pandas as pd

from analysis.groups import Conn, Level, grouping, query

COMPONENTS = ("license_osi", "datasets", "evaluation", "paper", "base_model", "card_substance")


def _nonempty(value: str) -> str:
    """SQL: the JSON value is present and not an empty list/string/null."""
    return (
        f"coalesce(CASE json_type({value}) WHEN 'ARRAY' THEN json_array_length({value}) > 0 "
        f"WHEN 'VARCHAR' THEN length({value} ->> '$') > 0 WHEN 'NULL' THEN false "
        f"ELSE {value} IS NOT NULL END, false)"
    )


def _scores_sql() -> str:
    """Per family member: components and score; one parameter, the substance threshold."""
    components = " + ".join(f"{c}::INT" for c in COMPONENTS)
    return f"""
        WITH members AS (SELECT model_id, family FROM model_family),
        tags AS (
            SELECT model_id, bool_or(tag LIKE 'dataset:%') AS dataset_tag,
                   bool_or(tag LIKE 'arxiv:%') AS arxiv_tag
            FROM model_tags
            WHERE (tag LIKE 'dataset:%' OR tag LIKE 'arxiv:%')
              AND model_id IN (SELECT model_id FROM members)
            GROUP BY model_id
        ),
        evidence AS (
            SELECT mb.model_id, mb.family, l.osi_approved AS license_osi,
                   json_extract(coalesce(c.metadata, m.card_data),
                                ['$.datasets', '$."model-index"', '$.base_model']) AS meta,
                   t.dataset_tag, t.arxiv_tag,
                   c.body, m.id IS NOT NULL AS crawled
            FROM members mb
            LEFT JOIN models m ON m.id = mb.model_id
            LEFT JOIN model_license l USING (model_id)
            LEFT JOIN cards c USING (model_id)
            LEFT JOIN tags t USING (model_id)
        ),
        parts AS (
            SELECT model_id, family, crawled,
                   coalesce(license_osi, false) AS license_osi,
                   coalesce(dataset_tag, false) OR {_nonempty('meta[1]')} AS datasets,
                   {_nonempty('meta[2]')} AS evaluation,
                   coalesce(arxiv_tag, false) OR coalesce(body LIKE '%arxiv.org/%', false) AS paper,
                   {_nonempty('meta[3]')} AS base_model,
                   coalesce(length(body) >= ?, false) AS card_substance
            FROM evidence
        )
        SELECT *, ({components}) / {len(COMPONENTS)} AS score FROM parts
    """


def scores(conn: Conn, substance_chars: int = 1000) -> pd.DataFrame:
    """Every family member's components (booleans) and score (their mean, 0 to 1).

    crawled is false for roots listed in the config but never crawled: they have no metadata.
    """
    return query(conn, f"{_scores_sql()} ORDER BY model_id", [substance_chars])


def summary(conn: Conn, level: Level = "family", substance_chars: int = 1000) -> pd.DataFrame:
    """Per group: crawled members, mean score, and the share showing each component."""
    g = grouping(level)
    shares = ", ".join(f"avg({c}::INT) AS {c}" for c in COMPONENTS)
    return query(conn, f"""
        SELECT {g.keys}, count(*) AS models, avg(score) AS mean_score, {shares}
        FROM {g.view} gm
        JOIN (SELECT * EXCLUDE (family) FROM ({_scores_sql()})) sc USING (model_id)
        LEFT JOIN ({g.starts}) s USING ({g.keys})
        WHERE sc.crawled
        GROUP BY {g.keys}, s.started
        ORDER BY {g.order}
    """, [substance_chars])
