"""Open a crawl database for analysis: read-only, with the lineage views installed.

Read-only so that no analysis (nor an ad hoc `hf-lineage sql` statement) can alter a crawl.
DuckDB admits one process per file: while a crawl runs, opening waits (up to 30 s) for the
crawl's current batch to end, then reads the last committed data. Close connections when done:
a crawl waits for open readers. The families and releases are those the crawl stored
(analysis.roots), unless the caller gives others.

`sandboxed=True` is for SQL that hf-lineage did not write (`hf-lineage sql`): DuckDB itself
then refuses host files, the network and extensions, and the settings are locked once the
lineage views are in place, so a query cannot undo the sandbox, profile or log to a file.
Notebooks and the library default to an ordinary read-only connection: their SQL is the
user's own code, which can read files through Python anyway, and may want `read_csv` or `SET`.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from pathlib import Path

import duckdb

from analysis import edges, lineage
from analysis import roots as roots_config
from crawler.roots import Roots
from crawler.store import connect_with_retry
from hf_lineage.errors import StorageError

REQUIRED_TABLES = ("models", "edges")
DEFAULT_DATABASE = "data/hub.duckdb"
# The checkout the package runs from (installed editable, as `make setup` does).
REPOSITORY = Path(__file__).resolve().parents[1]

# Fixed when the file is opened, before any SQL runs. With external access off DuckDB reads only
# the database (and spills to its `<db>.tmp` directory): no read_csv/read_text/glob of host files,
# no COPY/ATTACH/EXPORT, no http(s) paths, no INSTALL/LOAD. Extensions are neither installed nor
# loaded behind a query's back. These settings cannot be switched back on in the same database.
SANDBOX: dict[str, object] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
}


def connect(path: str | Path, roots: Roots | str | Path | None = None,
            notify: Callable[[str], None] | None = None, *,
            sandboxed: bool = False, inferred: float | None = None, views: bool = True
            ) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the crawl at `path` with the lineage views and macros.

    `roots` (a Roots, or a roots file) replaces the roots the crawl stored. `notify` receives
    the one line saying when the roots are not the crawl's own (an override, or the shipped
    file for a database that stores none); without it, only the fallback is said, as a warning.
    `sandboxed` for untrusted SQL (module docstring). `inferred`: None analyses documented
    edges only (published figures); a minimum confidence (0 to 1) adds the inferred parents of
    models that declare none (analysis.edges), said to `notify` in one line. `views=False`
    leaves the views to the first call that needs them (lineage.ensure_installed installs them
    with the crawl's roots, documented edges): installing costs ~0.3 s on a 2M-model crawl, and
    the tree of a root read from root_closure needs none. Given roots, inferred edges or a
    sandbox, the views are installed at once all the same.
    """
    inferred = edges.check(inferred)
    path = Path(path)
    if not path.is_file():
        raise StorageError(f"database not found: {path} (crawl first, or pass --db PATH)")
    # waits out a crawl's batch
    conn = connect_with_retry(path, read_only=True, config=SANDBOX if sandboxed else None)
    try:
        _check_tables(conn, path)
        choice = roots_config.choose(conn, roots)
        if choice.note and notify:
            notify(choice.note)
        elif choice.fallback:
            warnings.warn(choice.note, stacklevel=2)
        if views or roots is not None or inferred is not None or sandboxed:
            lineage.install(conn, choice.roots, inferred)
        if inferred is not None and notify:
            notify(f"edges: {edges.describe(inferred)}; {edges.CAVEAT}")
        if sandboxed:  # after the install, which creates TEMP tables, views and macros
            conn.execute("SET lock_configuration = true")
    except BaseException:
        conn.close()
        raise
    return conn


def database_path(value: str | Path | None = None) -> Path:
    """The database a notebook opens: `value`, else HF_LINEAGE_DB, else data/hub.duckdb. A
    relative path is taken from the repository's root, where `make` and the README's commands
    run, whatever the kernel's folder (Jupyter starts a notebook's kernel in notebooks/);
    from the working folder when the package is not run from a checkout."""
    path = Path(value or os.environ.get("HF_LINEAGE_DB") or DEFAULT_DATABASE).expanduser()
    if path.is_absolute() or not (REPOSITORY / "pyproject.toml").is_file():
        return path
    return REPOSITORY / path


def _check_tables(conn: duckdb.DuckDBPyConnection, path: Path) -> None:
    present = {row[0] for row in conn.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary"
    ).fetchall()}
    missing = [t for t in REQUIRED_TABLES if t not in present]
    if missing:
        raise StorageError(f"{path} is not an hf-lineage database (no table {missing[0]})")
