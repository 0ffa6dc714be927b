"""The database's own state, beside the data: every `meta` key and the `checkpoints` table.

A scheduled or resumed crawl needs nothing but the database file: the schema version, the
incremental watermark, the scope of the last complete crawl and the measured Hub size are `meta`
rows; an interrupted run's cursors are `checkpoints` rows of its mode, dropped when the mode's
run succeeds. Every key is declared here, so no other module spells one.
"""

from __future__ import annotations

import duckdb

from crawler.roots import ROOTS_KEY

SCHEMA_VERSION = "schema_version"
WATERMARK = "watermark:last_modified"  # the Hub's newest lastModified seen by the last crawl
SCOPE = "scope"  # 'family' or 'full': what the last complete crawl covered
HUB_SIZE = "hub_size"  # models on the Hub, measured by the last whole-Hub listing
ROOTS = ROOTS_KEY  # the TOML text of the roots file the last crawl used
INFERENCE = "inference"  # 'on' when crawls infer undocumented parents (and family members)
# {"run": id, "edges": rows}: the run whose end wrote root_closure, and the edges it counted
CLOSURE = "root_closure"
# A checkpoint of a run whose listing said less than the Hub holds (a model it left out is still
# there, a listing of changes ended before the watermark): the run keeps the old watermark.
INCOMPLETE = "incomplete"


def running(mode: str) -> str:
    """The key holding the id of this mode's run while it is unfinished (also after a kill)."""
    return f"running:{mode}"


def read(conn: duckdb.DuckDBPyConnection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def write(conn: duckdb.DuckDBPyConnection, key: str, value: str | None) -> None:
    """Set a key (None deletes it); call inside the transaction whose data it describes."""
    if value is None:
        conn.execute("DELETE FROM meta WHERE key = ?", [key])
    else:
        conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])


class Checkpoints:
    """One mode's cursors (listing URLs, road taken …), kept until that mode's run succeeds."""

    def __init__(self, mode: str) -> None:
        self.mode = mode

    def read(self, conn: duckdb.DuckDBPyConnection, name: str) -> str | None:
        row = conn.execute("SELECT value FROM checkpoints WHERE mode = ? AND name = ?",
                           [self.mode, name]).fetchone()
        return row[0] if row else None

    def write(self, conn: duckdb.DuckDBPyConnection, name: str, value: str | None) -> None:
        """Set a cursor (None deletes it), in the transaction of the data it follows."""
        conn.execute("DELETE FROM checkpoints WHERE mode = ? AND name = ?", [self.mode, name])
        if value is not None:
            conn.execute("INSERT INTO checkpoints VALUES (?, ?, ?)", [self.mode, name, value])

    def clear(self, conn: duckdb.DuckDBPyConnection) -> None:
        conn.execute("DELETE FROM checkpoints WHERE mode = ?", [self.mode])
