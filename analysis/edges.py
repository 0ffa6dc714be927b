"""Which edges the lineage views read: documented only, or documented plus inferred ones.

Documented edges are the `base_model` relations the crawl stored (`edges`). Inferred edges are
parents the crawler's rules found for models that declare none (`inferred_edges`,
docs/inference.md): estimates, with a confidence. Every lineage view reads one edges view,
`lineage_edges`; the switch decides what it holds. Off (None, the default and the setting of
published figures), only documented edges. On (a minimum confidence), also the inferred edges of
children that have no documented parent, resolved to a known repo, at or above that confidence.

The switch is a SQL macro holding a literal, `inferred_min_confidence()`, so DuckDB folds the
branches of the other setting away before running anything: with inference off the views cost
what they cost before inference existed.
"""

from __future__ import annotations

import math

import duckdb

from hf_lineage.errors import AnalysisError

DEFAULT_MIN_CONFIDENCE = 0.5  # `--inferred` without a value; the report's comparison when off
CONFIG_KEY = "inferred_min_confidence"  # lineage_config: the threshold, NULL when off
CAVEAT = "inferred edges are estimates (their measured precision: docs/inference.md)"

# The columns of the crawl's inferred_edges (migration 003), for a database crawled before it.
INFERRED_EDGES_COLUMNS = (
    "child VARCHAR, parent VARCHAR, relation VARCHAR, source VARCHAR, rule VARCHAR, "
    "evidence VARCHAR, confidence DOUBLE, resolved BOOLEAN, parent_declared VARCHAR, "
    "supporting VARCHAR[], inferred_at TIMESTAMP"
)


def check(min_confidence: float | None) -> float | None:
    """The switch as given (None: documented only), or an AnalysisError naming the bad value."""
    if min_confidence is None:
        return None
    if isinstance(min_confidence, bool) or not isinstance(min_confidence, int | float):
        raise AnalysisError(f"inferred: a minimum confidence between 0 and 1, or None for "
                            f"documented edges only, not {min_confidence!r}")
    value = float(min_confidence)
    if math.isnan(value) or not 0.0 <= value <= 1.0:
        raise AnalysisError(f"inferred: the minimum confidence must be between 0 and 1, "
                            f"not {min_confidence!r}")
    return value


def describe(min_confidence: float | None) -> str:
    """The edge set in words, as every output states it."""
    if min_confidence is None:
        return "documented edges only (base_model)"
    return (f"documented edges + inferred edges with confidence >= {min_confidence:g} for "
            "models that declare no parent")


def short(min_confidence: float | None) -> str:
    """The edge set as a column heading or caption word."""
    return "documented" if min_confidence is None else f"with inferred (>= {min_confidence:g})"


def macro_sql(min_confidence: float | None) -> str:
    """The statement defining the switch's macro (a checked float, or NULL)."""
    value = check(min_confidence)
    literal = "NULL" if value is None else repr(value)
    return f"CREATE OR REPLACE TEMP MACRO inferred_min_confidence() AS {literal}::DOUBLE"


INFERRED_RELEASES_COLUMNS = (
    "child VARCHAR, family VARCHAR, release VARCHAR, root VARCHAR, size VARCHAR, "
    "relation VARCHAR, rule VARCHAR, evidence VARCHAR, confidence DOUBLE, inferred_at TIMESTAMP"
)


def ensure_inferred_table(conn: duckdb.DuckDBPyConnection) -> None:
    """Empty TEMP stand-ins for `inferred_edges` and `inferred_releases` on a database crawled
    before they existed (schema versions 2 and 6), so the views work there too."""
    for table, columns in (("inferred_edges", INFERRED_EDGES_COLUMNS),
                           ("inferred_releases", INFERRED_RELEASES_COLUMNS)):
        present = conn.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]
        ).fetchall()[0][0]
        if not present:
            conn.execute(f"CREATE TEMP TABLE {table} ({columns})")


def current(conn: duckdb.DuckDBPyConnection) -> float | None:
    """The connection's switch: the minimum confidence of inferred edges, or None (off, also
    before the lineage views are installed)."""
    try:
        rows = conn.execute("SELECT value FROM lineage_config WHERE key = ?", [CONFIG_KEY]
                            ).fetchall()
    except duckdb.CatalogException:
        return None
    return float(rows[0][0]) if rows and rows[0][0] is not None else None
