"""License analysis: declared licenses, drift from parent to child, license naming rules.

The taxonomy (license_kinds) and the per-edge classification (license_drift) are SQL views in
lineage.sql so SQL users see the same answers; these functions scope them to families/releases.
Drift is counted per edge (a merge with two parents is two parent-to-child flows), only where
both ends were crawled, the child descends from the group and the parent belongs to it.
"""

from __future__ import annotations

import pandas as pd

from analysis import lineage
from analysis.groups import Conn, Level, grouping, query

DRIFT_KINDS = (
    "kept",
    "changed_same_kind",
    "relabelled_permissive",
    "more_restrictive",
    "less_restrictive",
    "missing",
    "parent_missing",
    "changed_unknown",
)


def declared_licenses(conn: Conn, level: Level = "family") -> pd.DataFrame:
    """Descendants per declared license ('(none)' when missing), with the license's kind."""
    g = grouping(level)
    return query(conn, f"""
        SELECT {g.keys}, coalesce(l.license, '(none)') AS license, l.kind, count(*) AS models,
               count(*) / sum(count(*)) OVER (PARTITION BY {g.keys}) AS share
        FROM {g.view} gm
        JOIN model_license l USING (model_id)
        LEFT JOIN ({g.starts}) s USING ({g.keys})
        WHERE gm.depth > 0
        GROUP BY {g.keys}, s.started, l.license, l.kind
        ORDER BY {g.order}, models DESC, license
    """)


def flows(conn: Conn, level: Level = "family") -> pd.DataFrame:
    """Edges per (parent license, child license) pair and its drift kind: the drift flows.

    Scope: the child descends from the group and the parent belongs to it, both were crawled.
    """
    g = grouping(level)
    keys = ", ".join(f"c.{k}" for k in g.columns)
    return query(conn, f"""
        WITH scoped AS (
            SELECT {keys}, d.parent_license, d.child_license, d.drift
            FROM license_drift d
            JOIN {g.view} c ON c.model_id = d.child AND c.depth > 0
            JOIN {g.view} p ON p.model_id = d.parent AND {g.same("p", "c")}
        )
        SELECT {g.keys}, coalesce(parent_license, '(none)') AS parent_license,
               coalesce(child_license, '(none)') AS child_license, drift, count(*) AS edges
        FROM scoped
        LEFT JOIN ({g.starts}) s USING ({g.keys})
        GROUP BY {g.keys}, s.started, parent_license, child_license, drift
        ORDER BY {g.order}, edges DESC, parent_license, child_license
    """)


def changed(conn: Conn, release: str) -> pd.DataFrame:
    """Each derivative of `release` whose license differs from a parent's (both crawled, the
    parent in the same release's tree): parent, both licenses, the drift kind, downloads. A
    child that dropped its parent's license counts (drift 'missing'); a child of a parent that
    declares none does not: there was no license to change."""
    return query(conn, """
        SELECT d.child AS model_id, d.parent, coalesce(d.parent_license, '(none)') AS
               parent_license, coalesce(d.child_license, '(none)') AS child_license, d.drift,
               d.relation, coalesce(m.downloads, 0) AS downloads
        FROM license_drift d
        JOIN release_membership c ON c.model_id = d.child AND c.depth > 0 AND c.release = $r
        JOIN release_membership p ON p.model_id = d.parent AND p.release = $r
                                 AND p.family = c.family
        JOIN models m ON m.id = d.child
        WHERE d.drift <> 'kept' AND d.parent_license IS NOT NULL
        ORDER BY downloads DESC, model_id, parent
    """, {"r": release})


def summarize_drift(flow_frame: pd.DataFrame, level: Level = "family") -> pd.DataFrame:
    """Edges per drift kind (see DRIFT_KINDS) and their share, from a `flows` frame."""
    keys = grouping(level).columns + [c for c in ("discovered",) if c in flow_frame.columns]
    totals = flow_frame.groupby(keys + ["drift"], sort=False, as_index=False)["edges"].sum()
    totals["share"] = totals["edges"] / totals.groupby(keys, sort=False)["edges"].transform("sum")
    totals["_group"] = totals.groupby(keys, sort=False).ngroup()
    return (totals.sort_values(["_group", "edges", "drift"], ascending=[True, False, True])
            .drop(columns="_group").reset_index(drop=True))


def drift(conn: Conn, level: Level = "family") -> pd.DataFrame:
    """Parent-to-child edges per drift kind and their share (see flows for the scope)."""
    return summarize_drift(flows(conn, level), level)


def classify_pairs(conn: Conn, pairs: pd.DataFrame) -> pd.DataFrame:
    """`pairs` (any frame with parent_license and child_license, and optionally
    parent_license_name and child_license_name) plus its `drift` column.

    The same rules as the license_drift view, licenses normalised as model_license does, for
    licenses that are not in `models`: a generator's ground truth, or hypothetical pairs.
    """
    lineage.ensure_installed(conn)
    names = {f"{side}_license_name": None for side in ("parent", "child")
             if f"{side}_license_name" not in pairs.columns}
    conn.register("_drift_pairs", pairs.assign(_row=range(len(pairs))))
    try:
        return conn.execute(f"""
            WITH n AS (
                SELECT *, license_terms(parent_license, parent_license_name) AS pt,
                       license_terms(child_license, child_license_name) AS ct
                FROM (SELECT *{"".join(f", NULL::VARCHAR AS {c}" for c in names)}
                      FROM _drift_pairs)
            )
            SELECT n.* EXCLUDE (pt, ct, _row{"".join(f", {c}" for c in names)}),
                   drift_kind(n.pt.license, n.pt.license_name, p.rank,
                              coalesce(p.llama_community, false), n.ct.license,
                              n.ct.license_name,
                              coalesce(c.kind, CASE WHEN n.ct.license IS NULL THEN 'none'
                                                    ELSE 'unknown' END), c.rank) AS drift
            FROM n
            LEFT JOIN license_kinds p ON p.license = n.pt.license
            LEFT JOIN license_kinds c ON c.license = n.ct.license
            ORDER BY n._row
        """).df()
    finally:
        conn.unregister("_drift_pairs")


def naming_rule(conn: Conn) -> pd.DataFrame:
    """Each derivative of a release whose license sets a naming rule (roots.toml naming_prefix):
    does its name (after the '/') begin with the prefix? One row per model: a model descending
    from several ruled releases is judged once, by the most recent (see the naming_rule view).

    The comparison ignores case and the separators between the prefix's words ("llama-3-8b-gguf"
    begins with "Llama 3"; "llama-30b" does not).
    A name that breaks the rule but holds the prefix further in has `prefix_later`, and `lead`
    is what comes before it ("meta-" in "Meta-Llama-3-8B-Instruct-GGUF").
    """
    return query(conn, """
        WITH n AS (
            SELECT *, substr(naming_pattern(naming_prefix), 2) AS anywhere  -- without its '^'
            FROM naming_rule
        )
        SELECT n.release, n.model_id, n.name, n.naming_prefix, n.releases, n.compliant,
               NOT n.compliant AND regexp_matches(lower(n.name), n.anywhere) AS prefix_later,
               CASE WHEN NOT n.compliant AND regexp_matches(lower(n.name), n.anywhere)
                    THEN regexp_extract(lower(n.name), '^(.*?)' || n.anywhere, 1) END AS lead
        FROM n
        LEFT JOIN (SELECT release, min(released) AS released FROM lineage_releases
                   GROUP BY release) r USING (release)
        ORDER BY r.released, n.release, n.compliant, n.model_id
    """)


def naming_rule_summary(conn: Conn) -> pd.DataFrame:
    """Per governing release: its prefix, derivatives, compliant names, violations, those of
    them that hold the prefix later in the name, compliance."""
    summary = naming_rule(conn).groupby(["release", "naming_prefix"], sort=False).agg(
        derivatives=("compliant", "size"), compliant=("compliant", "sum"),
        prefix_later=("prefix_later", "sum"))
    summary.insert(2, "violations", summary["derivatives"] - summary["compliant"])
    summary["compliance"] = summary["compliant"] / summary["derivatives"]
    return summary.reset_index()


LOW_COMPLIANCE = 0.10  # below this share, naming_notes says why


def naming_notes(conn: Conn) -> list[str]:
    """One sentence per release whose compliance is below LOW_COMPLIANCE, saying why: most of
    its derivatives hold the prefix, but not at the start of the name (Llama 3's rule asks
    names to begin with "Llama 3", while its derivatives copy Meta's own repo names,
    "Meta-Llama-3-8B-…")."""
    frame = naming_rule(conn)
    notes = []
    for (release, prefix), rows in frame.groupby(["release", "naming_prefix"], sort=False):
        share = rows["compliant"].mean()
        later = rows[rows["prefix_later"]]
        if share >= LOW_COMPLIANCE or later.empty:
            continue
        lead = later["lead"].value_counts().index[0]
        example = later[later["lead"] == lead]["model_id"].iloc[0]
        notes.append(
            f'{release}: {share:.1%} of its {len(rows):,} derivatives comply because its '
            f'license asks names to begin with "{prefix}", and {len(later):,} of them carry it '
            f'later in the name, most often after "{lead}" ({example}).')
    return notes


def compare_families(declared: pd.DataFrame, drifts: pd.DataFrame) -> pd.DataFrame:
    """Families side by side (rows: measures, columns: families) from the family-level
    declared_licenses and drift frames: shares of descendants by license kind, and of
    parent-to-child edges by drift kind."""
    kinds = declared.groupby(["family", "kind"], as_index=False)["share"].sum()
    long = pd.concat([
        kinds.assign(measure="license kind: " + kinds["kind"]),
        drifts.assign(measure="drift: " + drifts["drift"]),
    ])
    return long.pivot_table(index="measure", columns="family", values="share",
                            fill_value=0.0).rename_axis(columns=None).reset_index()


def family_comparison(conn: Conn) -> pd.DataFrame:
    """Every family of the roots config side by side (LLaMA's community licenses beside
    DeepSeek's MIT, say); see compare_families."""
    return compare_families(declared_licenses(conn, "family"), drift(conn, "family"))
