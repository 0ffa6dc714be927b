"""The crawl database file: the crawl lock, the connection hand-over to readers, transactions,
schema migrations and the `meta` table.

DuckDB lets one process hold a database file at a time. The writer keeps its connection only for
a batch and closes it between batches (`release`), so readers (`hf-lineage sql`, notebooks) get
in between batches, see the last committed data, and retry briefly while a batch is written.
A second crawl on the same file is kept out by an advisory lock on `<db>.crawl-lock` (filelock;
the kernel releases it even when the crawl is killed).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import filelock
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_fixed

from crawler.store import meta
from crawler.store.aliases import AliasStore
from crawler.store.beside import Beside, not_a_database
from crawler.store.cards import CardStore
from crawler.store.closure import ClosureStore
from crawler.store.family import FamilyStore
from crawler.store.imports import ImportStore
from crawler.store.inference import InferenceStore
from crawler.store.listing import ListingStore
from crawler.store.runs import RunLog
from hf_lineage.errors import (
    CrawlLocked,
    DatabaseBusy,
    StorageError,
    one_line,
    write_failure,
)

SCHEMA_DIR = Path(__file__).with_name("migrations")
READER_WAIT_S = 30.0  # a reader waits this long for a crawl's batch to end
WRITER_WAIT_S = 600.0  # a crawl waits this long for readers to close the file
POLL_S = 0.02  # shorter than the writer's hand-over gap, so waiting readers get in
WRITER_MEMORY = "512MB"  # DuckDB's share of the crawler's memory
# DuckDB checkpoints by itself only after transactions that appended: the row versions a
# transaction that deleted or updated leaves (a MERGE of the day's changed models, a page of
# counts) stay in memory until a checkpoint. At 3M models they filled the buffer pool, and the
# day's next query failed ("failed to pin block"). A commit that leaves a log this large
# checkpoints.
CHECKPOINT_WAL_BYTES = 16 * 2**20


def migrations() -> dict[int, str]:
    """Schema version -> the SQL that brings a database from the previous version to it."""
    return {int(path.stem.split("_")[0]): path.read_text(encoding="utf-8")
            for path in sorted(SCHEMA_DIR.glob("*.sql"))}


def schema_version() -> int:
    """The version this hf-lineage writes."""
    return max(migrations())


def _held_by_another_process(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def connect_with_retry(
    path: str | Path, *, read_only: bool = False, wait_s: float = READER_WAIT_S,
    config: dict[str, object] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the database, retrying while another process holds it (DuckDB admits one process
    per file): readers wait out a crawl's batch, a crawl waits out readers. `config` holds
    DuckDB settings that must be fixed before the file is opened (a reader's sandbox)."""
    retrying = Retrying(retry=retry_if_exception(_held_by_another_process),
                        stop=stop_after_delay(wait_s), wait=wait_fixed(POLL_S), reraise=True)
    try:
        return retrying(duckdb.connect, str(path), read_only=read_only, config=config or {})
    except duckdb.Error as exc:
        if _held_by_another_process(exc):
            holder = "a crawl" if read_only else "another process (a notebook or sql shell?)"
            raise DatabaseBusy(
                f"{path} stayed locked by {holder} for {wait_s:.0f}s; close other "
                "connections to it or try again in a moment"
            ) from exc
        raise StorageError(f"cannot open {path}: {one_line(exc)}") from exc


class Database:
    """The crawler's handle on its DuckDB file: one writer, batched transactions.

    The rooms of the store hang off it (`runs`, `listing`, `family`, `cards`, `aliases`,
    `inference`, `closure`, `imports`): each holds the SQL of one part of a crawl (or of an
    imported snapshot).
    """

    def __init__(self, path: str | Path, hold_s: float = 1.0, gap_s: float = 0.05) -> None:
        self.path = Path(path)
        self.hold_s = hold_s  # longest a writer keeps the file between batches
        self.gap_s = gap_s  # how long the file stays free for waiting readers after a release
        self._conn: duckdb.DuckDBPyConnection | None = None
        self._opened_at = 0.0
        self._released_at = 0.0
        self.beside = Beside(self.path)
        self._ours = True  # the file is a crawl database (or new), as far as migrate saw
        self._lock = filelock.FileLock(str(self.beside.lock), timeout=0)
        # the open batch's last step, run inside it just before it commits (None: no batch)
        self._before_commit: Callable[[duckdb.DuckDBPyConnection], None] | None = None
        self.runs = RunLog(self)
        self.listing = ListingStore(self)
        self.family = FamilyStore(self)
        self.cards = CardStore(self)
        self.aliases = AliasStore(self)
        self.inference = InferenceStore(self)
        self.closure = ClosureStore(self)
        self.imports = ImportStore(self)

    # -- lifetime -------------------------------------------------------------------------------
    def acquire(self) -> None:
        """Check the database and the files beside it (crawler/store/beside.py), take the
        crawl lock (a second crawl on this database exits at once) and migrate."""
        self.beside.check()
        created = not os.path.lexists(self.beside.lock)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock.acquire()
        except filelock.Timeout as exc:
            raise CrawlLocked(
                f"another crawl is running on {self.path}; this one exits without touching it"
            ) from exc
        except OSError as exc:
            raise StorageError(f"cannot create {self.path}: {exc.strerror or exc}") from exc
        try:
            self.migrate()
        except BaseException:
            self.close()
            if created and not self._ours:  # leave nothing beside another program's file
                self.beside.lock.unlink(missing_ok=True)
            raise

    def close(self) -> None:
        self.release(force=True)
        if self._lock.is_locked:
            self._lock.release()

    def abandon(self) -> None:
        """Close after a failure without writing anything more (the open batch is dropped:
        the file may refuse every write, as a full disk does); the lock is released."""
        conn, self._conn, self._before_commit = self._conn, None, None
        if conn is not None:
            try:
                conn.close()
            except duckdb.Error:
                pass  # closing a database DuckDB invalidated after a failed write
        if self._lock.is_locked:
            self._lock.release()

    def __enter__(self) -> Database:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 traceback: object) -> None:
        """Close; when the body failed, a failure to close is not what the user needs to
        read, and a failed write becomes one line: "cannot write <file>: <why>" (exit 5)."""
        if exc is None:
            self.close()
            return
        try:
            self.close()
        except Exception:  # noqa: BLE001 - the body's failure is the one to report
            self.abandon()
        failed = write_failure(exc) if not isinstance(exc, StorageError) else None
        if failed is not None:
            where, why = failed
            raise StorageError(f"cannot write {where or self.path}: {why}; the crawl stopped "
                               "there: free space (or fix the device), then run the same "
                               "command again to resume") from exc

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
            self._conn.execute("SET TimeZone = 'UTC'")  # times without an offset are UTC
            # where DuckDB spills: the folder Beside checked (DuckDB's default, said outright)
            self._conn.execute("SET temp_directory = ?", [str(self.beside.tmp)])
            self._opened_at = time.monotonic()
        return self._conn

    def open_connection(self) -> duckdb.DuckDBPyConnection | None:
        """The connection held at this moment, without opening one (for Ctrl-C to stop its
        query)."""
        return self._conn

    def release(self, force: bool = True) -> None:
        """Close the connection between batches so readers can open the file.

        With force=False it closes only once the connection has been held `hold_s`: readers
        wait at most about that long, and fast crawls do not reopen the file every page.
        """
        if self._conn is None:
            return
        if force or time.monotonic() - self._opened_at >= self.hold_s:
            self.commit_batch()
            self._conn.close()
            self._conn = None
            self._released_at = time.monotonic()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.commit_batch()
        conn = self.conn
        conn.execute("BEGIN TRANSACTION")
        try:
            yield conn
        except BaseException:
            try:
                conn.execute("ROLLBACK")
            except duckdb.Error:
                pass  # closed meanwhile (Ctrl-C): the failure being raised is the one to report
            raise
        conn.execute("COMMIT")
        self._settle()

    def _settle(self) -> None:
        """CHECKPOINT when the write-ahead log has outgrown CHECKPOINT_WAL_BYTES: what the
        commits since the last checkpoint changed is written into the file and leaves the
        buffer pool."""
        try:
            size = self.beside.wal.stat().st_size
        except FileNotFoundError:
            return
        if size >= CHECKPOINT_WAL_BYTES and self._conn is not None:
            self._conn.execute("CHECKPOINT")

    # -- batches: many small writes, one commit ------------------------------------------------
    def batch(self, before_commit: Callable[[duckdb.DuckDBPyConnection], None]
              ) -> duckdb.DuckDBPyConnection:
        """The connection inside the open batch transaction, begun if none is open.

        A batch groups many small writes (listing pages) into one transaction, committed when
        the connection is released (at most `hold_s` after it was opened) or before any other
        transaction starts: one sync of the WAL per batch instead of one per page, and a killed
        crawl loses at most the batch, never a part of it. `before_commit` runs inside the
        transaction just before it commits (it writes what the batch's steps add up to)."""
        conn = self.conn
        if self._before_commit is None:
            conn.execute("BEGIN TRANSACTION")
        self._before_commit = before_commit
        return conn

    def commit_batch(self) -> None:
        if self._before_commit is None or self._conn is None:
            return
        before_commit, self._before_commit = self._before_commit, None
        try:
            before_commit(self._conn)
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")
        self._settle()

    def end_interrupted_transaction(self) -> None:
        """After a run failed or was stopped: end the transaction it left open. The open batch
        is committed when it still can be; a transaction whose statement was interrupted
        (Ctrl-C lands anywhere, even between a failed statement and its rollback) accepts
        nothing but a rollback, which this gives it, so the run's record can still be
        written."""
        try:
            self.commit_batch()
        except duckdb.Error:
            pass  # commit_batch rolled back what it could; the ROLLBACK below ends the rest
        if self._conn is not None:
            try:
                self._conn.execute("ROLLBACK")
            except duckdb.Error:
                pass  # no transaction was open

    def abort_batch(self) -> None:
        """Undo the open batch (after a failed write, DuckDB accepts nothing but a rollback)."""
        if self._before_commit is not None and self._conn is not None:
            self._before_commit = None
            self._conn.execute("ROLLBACK")

    # -- schema ---------------------------------------------------------------------------------
    def migrate(self) -> None:
        """Bring the file to this version's schema, one transaction per version."""
        conn = self.conn
        tables = {row[0] for row in conn.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()}
        self._ours = not tables or "meta" in tables
        if not self._ours:
            raise not_a_database(self.path, f"a DuckDB database of something else (table "
                                 f"{min(tables)!r}, no table meta)")
        conn.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        current = int(self.get_meta(meta.SCHEMA_VERSION) or 0)
        steps = migrations()
        if current > max(steps):
            raise StorageError(
                f"{self.path} has schema version {current}, newer than this hf-lineage "
                f"({max(steps)}); upgrade hf-lineage"
            )
        for version in range(current + 1, max(steps) + 1):
            with self.transaction() as tx:
                tx.execute(steps[version])
                meta.write(tx, meta.SCHEMA_VERSION, str(version))

    # -- meta: watermarks, scope, hub size ------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        return meta.read(self.conn, key)

    def set_meta(self, key: str, value: str | None) -> None:
        with self.transaction() as tx:
            meta.write(tx, key, value)
