"""Open a crawl database for analysis: read-only, with the lineage views installed.

Read-only so that no analysis (nor an ad hoc `hf-lineage sql` statement) can alter a crawl.
DuckDB admits one process per file: while a crawl runs, opening waits (up to 30 s) for the
crawl's current batch to end, then reads the last committed data. Close connections when done:
a crawl waits for open readers. The families and releases are those the crawl stored
(analysis.roots), unless the caller gives others.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import duckdb

from analysis import lineage
from analysis import roots as roots_config
from crawler.roots import Roots
from crawler.store import connect_with_retry
from hf_lineage.errors import AnalysisError

REQUIRED_TABLES = ("models", "edges")


def connect(path: str | Path, roots: Roots | str | Path | None = None,
            notify: Callable[[str], None] | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the crawl at `path` with the lineage views and macros.

    `roots` (a Roots, or a roots file) replaces the roots the crawl stored. `notify` receives
    the one line saying when the roots are not the crawl's own (an override, or the shipped
    file for a database that stores none); without it, only the fallback is said, as a warning.
    """
    path = Path(path)
    if not path.is_file():
        raise AnalysisError(f"database not found: {path} (crawl first, or pass --db PATH)")
    conn = connect_with_retry(path, read_only=True)  # waits out a crawl's batch
    present = {row[0] for row in conn.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary"
    ).fetchall()}
    missing = [t for t in REQUIRED_TABLES if t not in present]
    if missing:
        conn.close()
        raise AnalysisError(f"{path} is not an hf-lineage database (no table {missing[0]})")
    try:
        choice = roots_config.choose(conn, roots)
        if choice.note and notify:
            notify(choice.note)
        elif choice.fallback:
            warnings.warn(choice.note, stacklevel=2)
        lineage.install(conn, choice.roots)
    except BaseException:
        conn.close()
        raise
    return conn
