"""Documented and inferred lineage side by side: what inferred edges add to each family.

`base_model` documents only part of the real lineage (the LLaMA-1 wave of spring 2023 predates
it), and the crawler's inferred parents (docs/inference.md) estimate the rest. Published
figures use documented edges only; `compare` computes the key family figures both ways on one
connection (switching its edge set with lineage.edges_as and back), and counts the members
that only inferred edges bring in, by the evidence that brought them: the report's section
"Documented and inferred lineage".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

from analysis import anatomy, edges, lineage, metrics, timeline
from analysis.groups import Conn, query

DOCUMENTED = "documented"
WITH_INFERRED = "with_inferred"
BELOW_INFERRED = "under an inferred parent"
SIZE_MEASURES = ("models", "descendants", "direct_children", "authors", "max_depth")
# Anatomy statistics that are about edges, hence change with inferred ones.
ANATOMY_KEYS = ("edges", "share_finetune", "share_adapter", "share_quantized", "share_merge",
                "share_unspecified", "finetune_with_children", "adapter_with_children",
                "quantized_with_children", "merge_with_children", "quantized_leaves",
                "license_changed")


@dataclass(frozen=True)
class Available:
    """The inferred edges a database holds, and those an analysis at `min_confidence` uses."""

    min_confidence: float
    edges: int  # rows of inferred_edges
    resolved: int  # of which the parent is a known repo
    used: int  # resolved, confident enough, of a child without a documented parent
    children: int  # children of the used edges


def available(conn: Conn, min_confidence: float) -> Available:
    """What `inferred_edges` holds, and how much of it clears the rules of lineage_inferred."""
    lineage.ensure_installed(conn)
    row = conn.execute("""
        SELECT count(*), count(*) FILTER (resolved),
               count(*) FILTER (used), count(DISTINCT child) FILTER (used)
        FROM (SELECT i.*, i.resolved AND i.confidence >= $t AND i.child <> i.parent
                          AND NOT EXISTS (SELECT 1 FROM edges e WHERE e.child = i.child) AS used
              FROM inferred_edges i)
    """, {"t": min_confidence}).fetchall()[0]
    return Available(min_confidence, *(int(v or 0) for v in row))


def members_by_source(conn: Conn) -> pd.DataFrame:
    """Members per family by how they got there, on the connection's edge set: 'documented'
    (through documented edges alone), else the evidence source of the model's own inferred
    edge into the family or release attribution (the most confident one: card_text,
    card_family, repo_name …), else
    BELOW_INFERRED (its own edges are documented, an ancestor's are inferred)."""
    return query(conn, f"""
        WITH own AS (
            SELECT family, child,
                   arg_max(source, struct_pack(c := confidence, s := source)) AS source
            FROM (SELECT fm.family, e.child, e.source, e.confidence
                  FROM lineage_edges e JOIN family_membership fm ON fm.model_id = e.parent
                  WHERE NOT e.documented
                  UNION ALL
                  SELECT family, child, 'card_family', confidence FROM lineage_attributed)
            GROUP BY family, child
        )
        SELECT f.family,
               CASE WHEN f.documented THEN '{DOCUMENTED}'
                    ELSE coalesce(o.source, '{BELOW_INFERRED}') END AS reach,
               count(*) AS members
        FROM family_membership f
        LEFT JOIN own o ON o.family = f.family AND o.child = f.model_id
        LEFT JOIN lineage_families l ON l.family = f.family
        GROUP BY f.family, l.position, reach
        ORDER BY l.position NULLS LAST, f.family, reach <> '{DOCUMENTED}', members DESC, reach
    """)


def members_table(by_source: pd.DataFrame) -> pd.DataFrame:
    """members_by_source as one row per family: documented, inferred_only, total,
    inferred_share, then the inferred-only members in one column per evidence source (and
    BELOW_INFERRED), the largest first."""
    if by_source.empty:
        return pd.DataFrame(columns=["family", DOCUMENTED, "inferred_only", "total",
                                     "inferred_share"])
    wide = by_source.pivot_table(index="family", columns="reach", values="members",
                                 aggfunc="sum", fill_value=0, sort=False)
    if DOCUMENTED not in wide:
        wide[DOCUMENTED] = 0
    sources = [c for c in wide.columns if c != DOCUMENTED]
    sources.sort(key=lambda c: (c == BELOW_INFERRED, -wide[c].sum(), c))
    out = pd.DataFrame({DOCUMENTED: wide[DOCUMENTED],
                        "inferred_only": wide[sources].sum(axis=1)}, index=wide.index)
    out["total"] = out[DOCUMENTED] + out["inferred_only"]
    out["inferred_share"] = out["inferred_only"] / out["total"]
    for source in sources:
        out[source] = wide[source]
    return out.rename_axis("family").reset_index().astype(
        {c: "int64" for c in out.columns if c != "inferred_share"})


@dataclass
class Comparison:
    """The key family figures with documented edges only and with inferred edges too."""

    available: Available
    members: pd.DataFrame  # members_table
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)


def _figures(conn: Conn) -> dict[str, pd.DataFrame]:
    """The figures compared, on the connection's current edge set."""
    return {
        "sizes": metrics.sizes(conn, "family"),
        "relations": metrics.relation_shares(conn, "family"),
        "depth": metrics.depth_distribution(conn, "family"),
        "milestones": metrics.milestones(conn, "family"),
        "anatomy": anatomy.anatomy(conn),
    }


def compare(conn: duckdb.DuckDBPyConnection, min_confidence: float | None = None
            ) -> Comparison | None:
    """Both edge sets' figures: documented only, and with the inferred edges at
    `min_confidence` (default: the connection's switch, else DEFAULT_MIN_CONFIDENCE). None when
    the database holds no inferred edge at all. The connection's own edge set is computed first
    (its cached closure serves) and is the one in place afterwards."""
    lineage.ensure_installed(conn)
    current = edges.current(conn)
    threshold = edges.check(min_confidence) if min_confidence is not None \
        else current if current is not None else edges.DEFAULT_MIN_CONFIDENCE
    found = available(conn, threshold)
    if not found.edges:
        return None
    figures: dict[float | None, dict[str, pd.DataFrame]] = {}
    for setting in sorted((None, threshold), key=lambda s: s != current):
        with lineage.edges_as(conn, setting):
            figures[setting] = _figures(conn)
            if setting is not None:  # what only the inferred edge set can tell
                figures[setting] |= {
                    "members": members_by_source(conn),
                    "monthly": timeline.new_derivatives(conn, "family", "month"),
                    "weekly": timeline.new_derivatives(conn, "family", "week")}
    documented, inferred = figures[None], figures[threshold]
    return Comparison(found, members_table(inferred["members"]), {
        "sizes": side_by_side_sizes(documented["sizes"], inferred["sizes"]),
        "relations": _merge(documented["relations"], inferred["relations"],
                            ["family", "relation"], ["models", "share"]),
        "depth": _merge(documented["depth"], inferred["depth"], ["family", "depth"],
                        ["models", "share"]),
        "milestones": _merge(documented["milestones"], inferred["milestones"],
                             ["family", "started"],
                             [c for c in documented["milestones"] if c.startswith("days_to")]),
        "anatomy": side_by_side_anatomy(documented["anatomy"], inferred["anatomy"]),
        "monthly": inferred["monthly"],
        "weekly": inferred["weekly"],
    })


def side_by_side_sizes(documented: pd.DataFrame, inferred: pd.DataFrame) -> pd.DataFrame:
    """metrics.sizes of both edge sets as rows (family, measure, documented, with_inferred,
    added)."""
    keyed = [frame.set_index("family")[list(SIZE_MEASURES)].stack().rename(name)
             for frame, name in ((documented, DOCUMENTED), (inferred, WITH_INFERRED))]
    out = pd.concat(keyed, axis=1).fillna(0).astype("int64")
    out["added"] = out[WITH_INFERRED] - out[DOCUMENTED]
    return out.rename_axis(["family", "measure"]).reset_index()


def _merge(documented: pd.DataFrame, inferred: pd.DataFrame, keys: list[str],
           values: list[str]) -> pd.DataFrame:
    """Two frames of one metric, joined on `keys`, each value column twice (suffixed)."""
    out = pd.merge(documented[keys + values], inferred[keys + values], on=keys, how="outer",
                   suffixes=(f"_{DOCUMENTED}", f"_{WITH_INFERRED}"), sort=False)
    counts = [c for c in out.columns if c.startswith("models_")]
    shares = [c for c in out.columns if c.startswith("share_")]
    out[counts] = out[counts].fillna(0).astype("int64")
    out[shares] = out[shares].fillna(0.0)
    return out


def side_by_side_anatomy(documented: pd.DataFrame, inferred: pd.DataFrame) -> pd.DataFrame:
    """The edge statistics of two anatomy frames, as text: statistic, scope, documented,
    with_inferred (values as the Anatomy table formats them, each with its basis)."""
    rows = []
    for (key, scope), doc in documented.groupby(["key", "scope"], sort=False):
        if key not in ANATOMY_KEYS:
            continue
        inf = inferred[(inferred["key"] == key) & (inferred["scope"] == scope)].iloc[0]
        first = doc.iloc[0]
        rows.append({"statistic": first["statistic"], "scope": scope,
                     DOCUMENTED: _stat(first), WITH_INFERRED: _stat(inf)})
    return pd.DataFrame(rows, columns=["statistic", "scope", DOCUMENTED, WITH_INFERRED])


def _stat(row: pd.Series) -> str:
    value = anatomy.formatted(row["value"], row["unit"])
    return value if row["unit"] == "count" or value == "–" else f"{value} of {row['basis']:,}"
