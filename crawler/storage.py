"""The crawl database: schema and migrations, the crawl lock, checkpoints, batched writes.

State lives in the database beside the data (the `meta` table: schema version, watermarks,
checkpoints), so a resumed or scheduled crawl needs nothing else. Every write is set-based SQL
over a whole page or batch, in one transaction with its checkpoint, and idempotent (upserts on
primary keys), so a crawl killed at any moment resumes without losing or doubling rows.

The writer keeps its connection only for a batch and closes it between batches (`release`),
because DuckDB lets one process hold a database file at a time: readers (`hf-lineage sql`,
notebooks) get in between batches, see the last committed data, and retry briefly when a batch
is being written.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from crawler.errors import CrawlError, CrawlLocked, DatabaseBusy
from crawler.ingest import INGEST_SQL

SCHEMA_VERSION = 1
SCHEMA_FILE = Path(__file__).with_name("schema.sql")
# schema version -> SQL that brings a database from the previous version to it
MIGRATIONS: dict[int, str] = {1: SCHEMA_FILE.read_text(encoding="utf-8")}


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


READER_WAIT_S = 30.0  # a reader waits this long for a crawl's batch to end
WRITER_WAIT_S = 600.0  # a crawl waits this long for readers to close the file
POLL_S = 0.02  # shorter than the writer's hand-over gap, so waiting readers get in


def connect_with_retry(
    path: str | Path, *, read_only: bool = False, wait_s: float = READER_WAIT_S
) -> duckdb.DuckDBPyConnection:
    """Open the database, retrying while another process holds its lock (DuckDB admits one
    process per file): readers wait out a crawl's batch, a crawl waits out readers."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                holder = "a crawl" if read_only else "another process (a notebook or sql shell?)"
                raise DatabaseBusy(
                    f"{path} stayed locked by {holder} for {wait_s:.0f}s; close other "
                    "connections to it or try again in a moment"
                ) from exc
            time.sleep(POLL_S)


class Database:
    """The crawler's handle on its DuckDB file: one writer, batched transactions."""

    def __init__(self, path: str | Path, hold_s: float = 1.0, gap_s: float = 0.05) -> None:
        self.path = Path(path)
        self.hold_s = hold_s  # longest a writer keeps the file between batches
        self.gap_s = gap_s  # how long the file stays free for waiting readers after a release
        self._conn: duckdb.DuckDBPyConnection | None = None
        self._opened_at = 0.0
        self._released_at = 0.0
        self._lock_fd: int | None = None

    # -- lifetime -------------------------------------------------------------------------------
    def acquire(self) -> None:
        """Take the crawl lock (a second crawl on this database exits at once) and migrate."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(f"{self.path}.crawl-lock", os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(fd)
            raise CrawlLocked(
                f"another crawl is running on {self.path}; this one exits without touching it"
            ) from exc
        self._lock_fd = fd
        try:
            self.migrate()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self.release(force=True)
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> Database:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def conn(self) -> duckdb.DuckDBPyConnection:
        if self._conn is None:
            pause = self._released_at + self.gap_s - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            self._conn = connect_with_retry(self.path, wait_s=WRITER_WAIT_S)
            self._opened_at = time.monotonic()
        return self._conn

    def release(self, force: bool = True) -> None:
        """Close the connection between batches so readers can open the file.

        With force=False it closes only once the connection has been held `hold_s`: readers
        wait at most about that long, and fast crawls do not reopen the file every page.
        """
        if self._conn is None:
            return
        if force or time.monotonic() - self._opened_at >= self.hold_s:
            self._conn.close()
            self._conn = None
            self._released_at = time.monotonic()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        conn = self.conn
        conn.execute("BEGIN TRANSACTION")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # -- schema ---------------------------------------------------------------------------------
    def migrate(self) -> None:
        conn = self.conn
        conn.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        current = int(self.get_meta("schema_version") or 0)
        if current > SCHEMA_VERSION:
            raise CrawlError(
                f"{self.path} has schema version {current}, newer than this hf-lineage "
                f"({SCHEMA_VERSION}); upgrade hf-lineage"
            )
        for version in range(current + 1, SCHEMA_VERSION + 1):
            with self.transaction() as tx:
                tx.execute(MIGRATIONS[version])
                self._set_meta(tx, "schema_version", str(version))

    # -- meta: watermarks and checkpoints -------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    @staticmethod
    def _set_meta(conn: duckdb.DuckDBPyConnection, key: str, value: str | None) -> None:
        if value is None:
            conn.execute("DELETE FROM meta WHERE key = ?", [key])
        else:
            conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    def set_meta(self, key: str, value: str | None) -> None:
        with self.transaction() as tx:
            self._set_meta(tx, key, value)

    # -- crawl runs -----------------------------------------------------------------------------
    def interrupted_run(self, mode: str) -> int | None:
        """The run of this mode that died mid-way (its checkpoint is still stored), if any."""
        value = self.get_meta(f"running:{mode}")
        return int(value) if value else None

    def start_run(self, mode: str) -> int:
        with self.transaction() as tx:
            run_id = tx.execute(
                "SELECT coalesce(max(run_id), 0) + 1 FROM crawl_runs"
            ).fetchone()[0]
            tx.execute(
                "INSERT INTO crawl_runs (run_id, mode, started_at, status, requests, retries, "
                "models_seen, models_new, models_changed, models_gone, cards_fetched, "
                "cards_unavailable, errors) "
                "VALUES (?, ?, ?, 'running', '{}', 0, 0, 0, 0, 0, 0, 0, 0)",
                [run_id, mode, utcnow()],
            )
            self._set_meta(tx, f"running:{mode}", str(run_id))
        return run_id

    def resume_run(self, run_id: int) -> None:
        with self.transaction() as tx:
            tx.execute(
                "UPDATE crawl_runs SET status = 'running', ended_at = NULL WHERE run_id = ?",
                [run_id],
            )

    def update_run(self, run_id: int, **fields: Any) -> None:
        if not fields:
            return
        sets = ", ".join(f"{name} = ?" for name in fields)
        values = [json.dumps(v) if isinstance(v, dict) else v for v in fields.values()]
        with self.transaction() as tx:
            tx.execute(f"UPDATE crawl_runs SET {sets} WHERE run_id = ?", [*values, run_id])

    def finish_run(self, run_id: int, mode: str, status: str, message: str | None,
                   meta: dict[str, str | None] | None = None) -> None:
        """Close the run; on success also drop its checkpoints and store new watermarks."""
        with self.transaction() as tx:
            tx.execute(
                "UPDATE crawl_runs SET status = ?, ended_at = ?, message = ? WHERE run_id = ?",
                [status, utcnow(), message, run_id],
            )
            if status == "ok":
                tx.execute("DELETE FROM meta WHERE key LIKE ?", [f"checkpoint:{mode}%"])
                self._set_meta(tx, f"running:{mode}", None)
                for key, value in (meta or {}).items():
                    self._set_meta(tx, key, value)

    def record_error(self, run_id: int, model_id: str | None, kind: str, message: str) -> None:
        with self.transaction() as tx:
            tx.execute(
                "INSERT INTO crawl_errors VALUES (?, ?, ?, ?, ?)",
                [run_id, model_id, kind, message[:2000], utcnow()],
            )

    # -- data -----------------------------------------------------------------------------------
    def ingest_page(
        self, body: str, run_id: int, keep: str = "all",
        checkpoint: tuple[str, str | None] | None = None,
    ) -> dict[str, int]:
        """Upsert one listing page (the Hub's JSON, parsed by DuckDB) with its checkpoint.

        keep: 'all' stores every model; 'staged' only fills the staging table a family crawl
        uses to build the graph locally.
        """
        with self.transaction() as tx:
            counts = ingest(tx, body, run_id, keep)
            if checkpoint is not None:
                self._set_meta(tx, *checkpoint)
        return counts


def ingest(
    conn: duckdb.DuckDBPyConnection, body: str, run_id: int, keep: str = "all"
) -> dict[str, int]:
    """Run the ingest SQL for one JSON array of models; returns new/changed counts."""
    conn.execute(INGEST_SQL["stage"], [body])
    if keep == "staged":
        conn.execute(INGEST_SQL["keep_staged"])
        n = conn.execute("SELECT count(*) FROM page").fetchone()[0]
        conn.execute("DROP TABLE page")
        return {"seen": n, "new": 0, "changed": 0}
    return apply_staged(conn, run_id)


def apply_staged(conn: duckdb.DuckDBPyConnection, run_id: int) -> dict[str, int]:
    """Move the temp table `page` into models, tags, edges and snapshots."""
    seen, new, changed = conn.execute(INGEST_SQL["count"]).fetchone()
    now = utcnow()
    conn.execute(INGEST_SQL["models"], {"run_id": run_id})
    for step in ("tags_delete", "tags", "edges_delete", "edges"):
        conn.execute(INGEST_SQL[step])
    conn.execute(INGEST_SQL["snapshots"], {"run_id": run_id, "now": now})
    conn.execute("DROP TABLE page")
    return {"seen": seen, "new": new or 0, "changed": changed or 0}
