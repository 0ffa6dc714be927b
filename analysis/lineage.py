"""Install the lineage views and macros (lineage.sql) on a connection, and report graph defects.

The views are TEMP objects of the connection, so they work on a read-only database and never
alter the crawl. The whole-family closure is the one expensive query; `prepare` computes it once
per connection and swaps the views onto cached tables so a report's many metrics share it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from analysis import events
from crawler.roots import Roots, load_roots

if TYPE_CHECKING:
    import pandas as pd

SQL = Path(__file__).with_name("lineage.sql")

# Views cached by `prepare`, in dependency order: each is computed from the cached ones before it.
# family_members is left live: its list columns cost more to store than to recompute.
CACHED_VIEWS = (
    "root_reach",
    "family_roots",
    "model_roots",
    "model_family",
    "family_membership",
    "release_membership",
    "model_relation",
    "model_license",
    "license_drift",
)

CONFIG_TABLES = {
    "lineage_families": "family VARCHAR, label VARCHAR",
    "lineage_releases": (
        "family VARCHAR, release VARCHAR, released DATE, license VARCHAR, model_id VARCHAR, "
        "naming_prefix VARCHAR"
    ),
    "lineage_organisations": "organisation VARCHAR, family VARCHAR",
}


def _temp_exists(conn: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether this connection has a TEMP view or table of that name."""
    query = (
        "SELECT count(*) FROM duckdb_views() WHERE temporary AND view_name = ? "
        "UNION ALL SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?"
    )
    return sum(row[0] for row in conn.execute(query, [name, name]).fetchall()) > 0


def _config_tables(conn: duckdb.DuckDBPyConnection, roots: Roots) -> None:
    """The roots config as TEMP tables, so the SQL can join it."""
    rows = {
        "lineage_families": list(roots.families.items()),
        "lineage_releases": [
            (r.family, r.name, r.released, r.license, m, r.naming_prefix)
            for r in roots.releases for m in r.models
        ],
        "lineage_organisations": list(roots.organisations.items()),
    }
    for name, columns in CONFIG_TABLES.items():
        conn.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({columns})")
        if rows[name]:
            marks = ", ".join("?" * len(rows[name][0]))
            conn.executemany(f"INSERT INTO {name} VALUES ({marks})", rows[name])


def install(conn: duckdb.DuckDBPyConnection, roots: Roots | None = None) -> None:
    """Create the config tables (from `roots`, default crawler/roots.toml; the events of
    crawler/events.toml) and the lineage views."""
    _config_tables(conn, roots or load_roots())
    events.create_table(conn)
    conn.execute(SQL.read_text(encoding="utf-8"))
    events.add(conn, events.DEFAULT_EVENTS, strict=False)
    for view in CACHED_VIEWS:  # a re-install starts from the live views again
        conn.execute(f"DROP TABLE IF EXISTS _cache_{view}")


def ensure_installed(conn: duckdb.DuckDBPyConnection) -> None:
    """Install the views with the default roots config unless the connection has them."""
    if not _temp_exists(conn, "lineage_edges"):
        install(conn)


def prepare(conn: duckdb.DuckDBPyConnection, roots: Roots | None = None) -> None:
    """Install if needed, then cache the family closure; later calls on the connection are free.

    The cache is a snapshot: on a connection that also writes, install() again after writing.
    """
    if roots is not None:
        install(conn, roots)
    ensure_installed(conn)
    if _temp_exists(conn, "_cache_root_reach"):
        return
    for view in CACHED_VIEWS:
        conn.execute(f"CREATE OR REPLACE TEMP TABLE _cache_{view} AS SELECT * FROM {view}")
        conn.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM _cache_{view}")


def find_cycles(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Models on a cycle (self-loops aside): columns cycle (its smallest member), model_id, size.

    Nodes without a parent or without a child cannot be on a cycle, so they are trimmed away
    round by round; the few edges left get an exact reachability check.
    """
    ensure_installed(conn)
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _cycle_edges AS SELECT DISTINCT child, parent "
        "FROM lineage_edges WHERE child IN (SELECT parent FROM lineage_edges) "
        "AND parent IN (SELECT child FROM lineage_edges)"
    )
    trim = (
        "DELETE FROM _cycle_edges WHERE child NOT IN (SELECT parent FROM _cycle_edges) "
        "OR parent NOT IN (SELECT child FROM _cycle_edges)"
    )
    while conn.execute(trim).fetchall()[0][0]:
        pass
    return conn.execute(
        """
        WITH RECURSIVE reach(src, dst) USING KEY (src, dst) AS (
            SELECT child, parent FROM _cycle_edges
            UNION
            SELECT r.src, e.parent FROM reach r JOIN _cycle_edges e ON e.child = r.dst
            WHERE NOT EXISTS (SELECT 1 FROM recurring.reach k
                              WHERE k.src = r.src AND k.dst = e.parent)
        ),
        cyclic AS (SELECT src AS model_id FROM reach WHERE src = dst),
        members AS (
            SELECT c.model_id, least(c.model_id, min(r.dst)) AS cycle, count(*) + 1 AS size
            FROM cyclic c
            JOIN reach r ON r.src = c.model_id AND r.dst <> c.model_id
            JOIN reach back ON back.src = r.dst AND back.dst = c.model_id
            GROUP BY c.model_id
        )
        SELECT cycle, model_id, size FROM members ORDER BY cycle, model_id
        """
    ).df()


def issues(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every graph defect the lineage tolerates: columns kind, model_id, detail.

    kind is 'self_loop' (a model naming itself as parent), 'missing_parent' (a parent never
    crawled; detail names it) or 'cycle' (detail lists the cycle's members).
    """
    cycles = find_cycles(conn)
    conn.register("_cycles", cycles)
    frame = conn.execute(
        """
        SELECT 'self_loop' AS kind, model_id, relation AS detail FROM self_loops
        UNION ALL
        SELECT 'missing_parent', child, parent FROM missing_parents
        UNION ALL
        SELECT 'cycle', c.model_id,
               (SELECT string_agg(o.model_id, ' -> ' ORDER BY o.model_id)
                FROM _cycles o WHERE o.cycle = c.cycle)
        FROM _cycles c
        ORDER BY kind, model_id, detail
        """
    ).df()
    conn.unregister("_cycles")
    return frame
