"""Staged listing pages parsed one part ahead, on the second core.

Moving the stage into the tables alternates two kinds of work: parsing a part of the staged
pages (JSON into typed rows, one thread in DuckDB) and writing it into models, tags and edges.
`ReadAhead` parses the next part in a thread of its own, on a cursor of the crawl's DuckDB
instance, into a table of an in-memory database attached for the purpose, while the crawl's
connection writes the part before: the two overlap, and the writer never waits for a parse it
could have had already. At most one part waits parsed, so memory stays flat in the stage's
size. An error of the parse (a page that is not the Hub's answer) reaches the writer as the
part it stood for; leaving early (an error, Ctrl-C) stops the parse and drops its tables.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Generic, TypeVar

import duckdb

SCRATCH = "hf_lineage_read_ahead"  # the attached in-memory database holding parsed parts
POLL_S = 0.1  # how often a waiting writer lets Python run (Ctrl-C arrives between polls)

Part = TypeVar("Part")  # what names some staged pages (crawler.store.listing.StagePart)


class ReadAhead(Generic[Part]):
    """Iterate the parsed parts (names of tables holding their rows) of `parts`, each parsed
    while the previous one is used; `parse(cursor, table, part)` creates the table `table`
    holding the rows of `part` on `cursor`, and may create tables named `table` + each of
    `companions` beside it (rows derived from the part), dropped with it."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, parts: list[Part],
                 parse: Callable[[duckdb.DuckDBPyConnection, str, Part], None],
                 companions: tuple[str, ...] = ()) -> None:
        self._conn = conn
        self._parts = parts
        self._parse = parse
        self._companions = companions
        self._ready: queue.Queue[tuple[str | None, BaseException | None]] = queue.Queue(1)
        self._stop = threading.Event()
        self._cursor: duckdb.DuckDBPyConnection | None = None  # the parsing thread's
        self._dropper: duckdb.DuckDBPyConnection | None = None  # drops parts once used
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name="hf-lineage-read-ahead")

    def __enter__(self) -> ReadAhead[Part]:
        self._conn.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {SCRATCH}")
        self._cursor = self._conn.cursor()
        self._cursor.execute("SET TimeZone = 'UTC'")
        self._dropper = self._conn.cursor()
        self._thread.start()
        return self

    def __iter__(self) -> Iterator[str]:
        """The parts' tables, in order; each is dropped once the next is asked for (by
        another cursor: the writer's transaction may not write to a second database)."""
        assert self._dropper is not None
        for _ in self._parts:
            table, error = self._next()
            if error is not None:
                raise error
            assert table is not None
            yield table
            for name in (table, *(table + suffix for suffix in self._companions)):
                self._dropper.execute(f"DROP TABLE IF EXISTS {name}")

    def _next(self) -> tuple[str | None, BaseException | None]:
        while True:
            try:
                return self._ready.get(timeout=POLL_S)
            except queue.Empty:
                continue

    def _run(self) -> None:
        assert self._cursor is not None
        for number, part in enumerate(self._parts):
            table = f"{SCRATCH}.part_{number}"
            try:
                self._parse(self._cursor, table, part)
                item: tuple[str | None, BaseException | None] = (table, None)
            except BaseException as exc:  # handed to the writer, which raises it
                item = (None, exc)
            while not self._stop.is_set():
                try:
                    self._ready.put(item, timeout=POLL_S)
                    break
                except queue.Full:
                    continue
            if self._stop.is_set() or item[1] is not None:
                return

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._cursor is not None:
            self._cursor.interrupt()
        self._thread.join()
        for cursor in (self._cursor, self._dropper):
            if cursor is not None:
                cursor.close()
        self._conn.execute(f"DETACH DATABASE IF EXISTS {SCRATCH}")
