"""The crawl database: schema and migrations, the crawl lock, checkpoints, batched writes.

State lives in the database beside the data (the `meta` table: schema version, watermarks,
checkpoints), so a resumed or scheduled crawl needs nothing else. Listing pages are staged
(appended with their checkpoint in one transaction) and moved into the tables in set-based
passes over many pages; every write is idempotent (upserts on models' key, a model's tags and
edges replaced as a whole), so a crawl killed at any moment resumes without losing or doubling
rows, and ingest costs stay flat as the database grows.

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
WRITER_MEMORY = "512MB"  # DuckDB's share of the crawler's memory


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
            # bounded buffer pool: big set-based passes spill to disk instead of growing RAM
            self._conn.execute(f"SET memory_limit = '{WRITER_MEMORY}'")
            self._conn.execute("SET preserve_insertion_order = false")
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
    def ingest_page(self, body: str, run_id: int) -> dict[str, int]:
        """Upsert one JSON array of models (the Hub's, parsed by DuckDB) at once."""
        with self.transaction() as tx:
            tx.execute(INGEST_SQL["stage"], [body])
            return apply_staged(tx, run_id)

    def stage_page(self, body: str, checkpoint: tuple[str, str]) -> int:
        """Append one listing page to `staged_listing` with the cursor of the next page, in one
        transaction: cheap whatever the database's size, and resumable."""
        with self.transaction() as tx:
            tx.execute(INGEST_SQL["stage"], [body])
            tx.execute(INGEST_SQL["keep_staged"])
            n = tx.execute("SELECT count(*) FROM page").fetchall()[0][0]
            tx.execute("DROP TABLE page")
            self._set_meta(tx, *checkpoint)
        return n

    def has_staged(self) -> bool:
        return bool(self.conn.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'staged_listing' "
            "AND NOT temporary").fetchall()[0][0])

    def apply_staged_listing(self, run_id: int) -> dict[str, int]:
        """Move every staged page into the tables in one set-based pass, then empty the
        stage: a few passes over a big database instead of one per page."""
        if not self.has_staged():
            return {"seen": 0, "new": 0, "changed": 0}
        with self.transaction() as tx:
            tx.execute(DEDUPLICATED_STAGE)
            counts = apply_staged(tx, run_id)
            tx.execute("DROP TABLE staged_listing")
        return counts


# The staged pages as one `page`, each model once (its newest listing wins).
DEDUPLICATED_STAGE = (
    "CREATE OR REPLACE TEMP TABLE page AS SELECT * FROM staged_listing "
    "QUALIFY row_number() OVER (PARTITION BY id ORDER BY last_modified DESC NULLS LAST) = 1"
)


def apply_staged(conn: duckdb.DuckDBPyConnection, run_id: int) -> dict[str, int]:
    """Move the temp table `page` into models, tags, edges and snapshots.

    A model's tags and edges are replaced as a whole; the deletes are skipped when every model
    is new (a first crawl), since they would scan the whole tables for nothing."""
    seen, new, changed = conn.execute(INGEST_SQL["count"]).fetchall()[0]
    conn.execute(INGEST_SQL["models"], {"run_id": run_id})
    if new != seen:
        conn.execute(INGEST_SQL["tags_delete"])
        conn.execute(INGEST_SQL["edges_delete"])
    conn.execute(INGEST_SQL["tags"])
    conn.execute(INGEST_SQL["edges"])
    conn.execute(INGEST_SQL["snapshots"], {"run_id": run_id, "now": utcnow()})
    conn.execute("DROP TABLE page")
    return {"seen": seen, "new": new or 0, "changed": changed or 0}
