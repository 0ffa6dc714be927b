"""Install the lineage views and macros (lineage.sql) on a connection, and report graph defects.

The views are TEMP objects of the connection, so they work on a read-only database and never
alter the crawl. The whole-family closure is the one expensive query; `prepare` computes it once
per connection and swaps the views onto cached tables so a report's many metrics share it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from analysis import events, releases
from analysis import roots as roots_config
from crawler.roots import Roots

if TYPE_CHECKING:
    import pandas as pd

SQL = Path(__file__).with_name("lineage.sql")

# Views cached by `prepare`, in dependency order: each is computed from the cached ones before it.
# family_members is left live: its list columns cost more to store than to recompute.
CACHED_VIEWS = (
    "model_license",
    "root_reach",
    "release_roots",
    "lineage_release_dates",
    "family_roots",
    "model_roots",
    "model_family",
    "family_membership",
    "release_membership",
    "model_relation",
    "license_drift",
)

# The roots config as tables (position: the order of the roots file, a family's or a release
# model's), and where it came from.
CONFIG_TABLES = {
    "lineage_families": "family VARCHAR, label VARCHAR, position INTEGER",
    "lineage_releases": (
        "family VARCHAR, release VARCHAR, released DATE, license VARCHAR, model_id VARCHAR, "
        "naming_prefix VARCHAR, position INTEGER"
    ),
    "lineage_organisations": "organisation VARCHAR, family VARCHAR",
    "lineage_config": "key VARCHAR, value VARCHAR",
    "organisation_releases": (
        "model_id VARCHAR, family VARCHAR, release VARCHAR, discovered BOOLEAN"
    ),
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
        "lineage_families": [(key, label, k) for k, (key, label) in
                             enumerate(roots.families.items())],
        "lineage_releases": [
            (r.family, r.name, r.released, r.license, m, r.naming_prefix, k)
            for k, (r, m) in enumerate((r, m) for r in roots.releases for m in r.models)
        ],
        "lineage_organisations": list(roots.organisations.items()),
        "lineage_config": [("roots_source", roots.source or "(given in code)")],
        "organisation_releases": [],  # filled by _organisation_releases once the views exist
    }
    for name, columns in CONFIG_TABLES.items():
        conn.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({columns})")
        if rows[name]:
            marks = ", ".join("?" * len(rows[name][0]))
            conn.executemany(f"INSERT INTO {name} VALUES ({marks})", rows[name])


def _organisation_releases(conn: duckdb.DuckDBPyConnection, roots: Roots) -> None:
    """The release of each organisation model no release lists (analysis.releases), into the
    organisation_releases table the root views read."""
    models = conn.execute("SELECT model_id, family, created_at FROM organisation_models"
                          ).fetchall()
    rows = [(a.model_id, a.family, a.release, a.discovered)
            for a in releases.assign(models, roots)]
    if rows:
        conn.executemany("INSERT INTO organisation_releases VALUES (?, ?, ?, ?)", rows)


def install(conn: duckdb.DuckDBPyConnection, roots: Roots | None = None) -> None:
    """Create the config tables (from `roots`, default the roots the crawl stored, else
    crawler/roots.toml; the events of crawler/events.toml) and the lineage views."""
    roots = roots or roots_config.choose(conn).roots
    _config_tables(conn, roots)
    events.create_table(conn)
    conn.execute(SQL.read_text(encoding="utf-8"))
    _organisation_releases(conn, roots)
    events.add(conn, events.DEFAULT_EVENTS, strict=False)
    for view in CACHED_VIEWS:  # a re-install starts from the live views again
        conn.execute(f"DROP TABLE IF EXISTS _cache_{view}")


def ensure_installed(conn: duckdb.DuckDBPyConnection) -> None:
    """Install the views with the default roots (see install) unless the connection has them."""
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
