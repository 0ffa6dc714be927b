"""Listing pages into the tables: stage, apply, and the models a listing left out.

Listing pages are staged on disk as served (`crawler.store.stage`), checked first (they parse,
every item is a model), and listed in `staged_pages` with the cursor of the next page; pages
are staged in batches (`Database.batch`), so one transaction covers many pages. The staged
pages are moved into the tables in set-based passes over many pages, parsed once on the way.
Every write is idempotent (models merged on id; a model's tags and edges replaced as a
whole), so a crawl killed at any moment resumes without losing or doubling rows, and ingest
costs stay flat as the database grows. The SQL that turns the Hub's JSON into rows is
`crawler.store.ingest`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from crawler.clock import utcnow
from crawler.store import ingest, meta
from crawler.store.meta import Checkpoints
from crawler.store.read_ahead import ReadAhead
from crawler.store.runs import Tally
from crawler.store.stage import PageStage
from crawler.store.stage_writer import StageWriter
from hf_lineage.errors import HubAnswerInvalid, StorageError, one_line

if TYPE_CHECKING:
    from crawler.store.database import Database

STAGE_READ_FILES = 25  # staged pages parsed per statement (about 25 MB of JSON)
# Staged pages applied per transaction: more models than a DuckDB row group (122,880 rows),
# whose full row groups DuckDB writes straight to the file instead of through the WAL first.
STAGE_PART_FILES = 125


def _parse(conn: duckdb.DuckDBPyConnection, sql: str,
           params: dict[str, object]) -> duckdb.DuckDBPyConnection:
    """Run a statement parsing listing pages; a page that does not parse, or with an item that
    is not a model (no id), is not the Hub's answer and is refused whole."""
    try:
        return conn.execute(sql, params)
    except duckdb.InvalidInputException as exc:
        if ingest.NO_ID in str(exc):
            raise HubAnswerInvalid(ingest.NO_ID) from exc
        raise HubAnswerInvalid(f"the Hub sent JSON that does not parse: {one_line(exc)}") from exc


def stage_json(conn: duckdb.DuckDBPyConnection, body: str) -> None:
    """Parse a listing page (a JSON array of models) into the temp table `page`."""
    _parse(conn, ingest.STAGE_PAGE, {"body": body})


def stage_pages(conn: duckdb.DuckDBPyConnection, bodies: Iterable[str]) -> None:
    """Parse listing pages into the temp table `page`, one statement per page (DuckDB never
    holds more than a page's JSON as one string, however many pages), each model once: its
    newest listing."""
    _parse(conn, ingest.EMPTY_PAGE, {"body": "[]"})
    for body in bodies:
        _parse(conn, ingest.ADD_PAGE, {"body": body})
    deduplicate(conn, "page")


def deduplicate(conn: duckdb.DuckDBPyConnection, table: str) -> int:
    """Keep each model of `table` once, its newest listing (a model edited while the listing
    was paged shows up twice); returns the models. Duplicates are rare: they are counted, and
    only deleted when there are some, rather than copying the table through a window."""
    rows, distinct = conn.execute(f"SELECT count(*), count(DISTINCT id) FROM {table}").fetchone()
    if rows > distinct:
        conn.execute(f"""DELETE FROM {table} WHERE rowid IN (
            SELECT rowid FROM {table}
            WHERE id IN (SELECT id FROM {table} GROUP BY id HAVING count(*) > 1)
            QUALIFY NOT {ingest.NEWEST_FIRST})""")
    return distinct


@dataclass(frozen=True)
class PageCounts:
    """A page against the stored models (ingest.COUNT_PAGE)."""

    rows: int
    seen: int  # models seen for the first time this run
    new: int
    changed: int  # sha changed since an earlier run

    @property
    def all_new(self) -> bool:
        return self.new == self.rows


def _page_of(conn: duckdb.DuckDBPyConnection, table: str, run_id: int) -> PageCounts:
    """Make `page` the rows of `table`: a view when every model is new (nothing will be
    deleted from it: no copy), else a copy. Returns its counts against the stored models,
    taken in the same pass (each is a scan of every stored id)."""
    counts = PageCounts(*conn.execute(ingest.COUNT_PAGE.format(page=table),
                                      {"run_id": run_id}).fetchall()[0])
    conn.execute(f"CREATE TEMP {'VIEW' if counts.all_new else 'TABLE'} page AS FROM {table}")
    return counts


def derive_rows(conn: duckdb.DuckDBPyConnection, table: str) -> None:
    """The tags and edges of the models of `table`, as the tables `<table>_tags` and
    `<table>_edges` (DERIVED): work the read-ahead thread does beside the writer."""
    conn.execute(f"CREATE OR REPLACE TABLE {table}_tags AS {ingest.tags_of(table)}")
    conn.execute(f"CREATE OR REPLACE TABLE {table}_edges AS {ingest.edges_of(table)}")


DERIVED = ("_tags", "_edges")


def apply_page(conn: duckdb.DuckDBPyConnection, run_id: int,
               counts: PageCounts | None = None, derived: str | None = None) -> Tally:
    """Move `page` (a temp table, or a view when every model is new) into models, tags, edges
    and snapshots; `counts`: its counts, when the caller took them already; `derived`: the
    table whose tags and edges derive_rows made already (only those of models still in
    `page` are taken).

    A model's tags and edges are replaced as a whole. When every model is new (a first crawl)
    the models are inserted rather than upserted, and the deletes and the check for a snapshot
    already taken this run are skipped: they would scan whole tables for nothing. A model this
    run already stored from a newer listing (edited while the listing was paged) keeps it;
    it counts as seen once."""
    counts = counts or PageCounts(*conn.execute(ingest.COUNT_PAGE.format(page="page"),
                                                {"run_id": run_id}).fetchall()[0])
    all_new = counts.all_new
    if not all_new:
        conn.execute(ingest.DROP_OLDER_LISTINGS, {"run_id": run_id})
    conn.execute(ingest.INSERT_MODELS if all_new else ingest.MERGE_MODELS, {"run_id": run_id})
    if not all_new:
        conn.execute(ingest.DELETE_TAGS)
        conn.execute(ingest.DELETE_EDGES)
    if derived is None:
        conn.execute(ingest.INSERT_TAGS)
        conn.execute(ingest.INSERT_EDGES)
    else:
        kept = "" if all_new else " WHERE {} IN (SELECT id FROM page)"
        conn.execute(f"INSERT INTO model_tags SELECT * FROM {derived}_tags"
                     + kept.format("id"))
        conn.execute(f"INSERT INTO edges ({ingest.EDGE_COLUMNS}) SELECT * FROM "
                     f"{derived}_edges" + kept.format("child"))
    conn.execute(ingest.INSERT_SNAPSHOTS if all_new else ingest.INSERT_MISSING_SNAPSHOTS,
                 {"run_id": run_id, "now": utcnow()})
    return Tally(seen=counts.seen, new=counts.new, changed=counts.changed)


def staged_pages(conn: duckdb.DuckDBPyConnection) -> list[tuple[int, datetime | None]]:
    """The staged pages, (number, since), in order (committed ones: the open batch's are not
    listed yet)."""
    exists = conn.execute("SELECT count(*) FROM duckdb_tables() "
                          "WHERE table_name = 'staged_pages' AND NOT temporary").fetchone()[0]
    if not exists:
        return []
    return conn.execute("SELECT seq, since FROM staged_pages ORDER BY seq").fetchall()


@dataclass(frozen=True)
class StagePart:
    """Staged pages read together: their files, and the `since` they were all staged with."""

    files: list[str]
    since: datetime | None


@dataclass(frozen=True)
class _StagedPage:
    seq: int
    since: str | None
    cursor: tuple[str, str] | None  # the cursor and its value once this page is in


@dataclass
class _Batch:
    """The open staging batch: what it writes when it commits."""

    run_id: int
    checkpoints: Checkpoints
    next_seq: int
    pages: list[_StagedPage] = field(default_factory=list)
    cursors: dict[str, str] = field(default_factory=dict)  # the cursors after its last page
    spent: Tally = field(default_factory=Tally)  # the requests its pages cost

    def cut_before(self, index: int) -> None:
        """Keep the pages before `index` (the one there was refused): their cursor is the
        last the batch moves."""
        cut = self.pages[index:]
        self.pages = self.pages[:index]
        for page in cut:
            if page.cursor is not None:
                self.cursors.pop(page.cursor[0], None)
        for page in self.pages:
            if page.cursor is not None:
                self.cursors[page.cursor[0]] = page.cursor[1]


@dataclass(frozen=True)
class PageSummary:
    models: int
    oldest: datetime | None  # lastModified
    newest: datetime | None


class ListingStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.stage = PageStage(db.beside.stage)
        self._batch: _Batch | None = None
        # checks pages outside the crawl's transactions: a page refused there costs no batch
        # (spilling, if ever, beside the database, where Beside checked: not in the working
        # folder, DuckDB's default for an in-memory database)
        self._checker = duckdb.connect(config={"memory_limit": "64MB", "threads": 1,
                                               "temp_directory": str(db.beside.tmp)})
        self._checker.execute("SET TimeZone = 'UTC'")
        self._writer = StageWriter(self.stage, self._check)
        self._checked = 0  # models on the pages checked since stage_page last said
        self._refused: BaseException | None = None  # a page refused, raised to the crawl
        self._check_cursor: duckdb.DuckDBPyConnection | None = None  # the writer thread's

    # -- staging --------------------------------------------------------------------------------
    def stage_page(self, body: str, checkpoints: Checkpoints, name: str, next_value: str,
                   run_id: int, spent: Tally) -> int:
        """Stage one listing page and move the cursor `name` to `next_value`: cheap whatever
        the database's size, and resumable. The page is written, synced and checked beside
        the crawl (crawler/store/stage_writer.py); its batch commits once they are done.
        Returns the models on the pages checked since the last call."""
        self.raise_refused()
        batch = self._open_batch(run_id, checkpoints)
        batch.pages.append(_StagedPage(batch.next_seq, None, (name, next_value)))
        self._writer.submit(batch.next_seq, body, summary=False)
        batch.next_seq += 1
        batch.cursors[name] = next_value
        batch.spent += spent
        checked, self._checked = self._checked, 0
        return checked

    def raise_refused(self) -> None:
        """Raise the refusal of a page whose batch committed without it."""
        refused, self._refused = self._refused, None
        if refused is not None:
            raise refused

    def stage_changes(self, body: str, watermark: str, checkpoints: Checkpoints, name: str,
                      next_url: str | None, run_id: int, spent: Tally) -> tuple[int, bool]:
        """Stage the models of a newest-first page changed after `watermark` (the others are
        left out when the stage is applied).

        Returns (models on the page, whether the listing is over: it reached the watermark, or
        it ended short of it, which sets the checkpoint INCOMPLETE); the first page also
        records the Hub's newest lastModified as the checkpoint 'hub_newest'."""
        batch = self._open_batch(run_id, checkpoints)
        summary = self._stage(batch, body, watermark)
        if "hub_newest" not in batch.cursors and checkpoints.read(self.db.conn,
                                                                  "hub_newest") is None:
            batch.cursors["hub_newest"] = str(summary.newest or watermark)
        # an empty page proves nothing: only a model at or before the watermark shows that
        # the listing reached it
        reached = summary.oldest is not None and \
            summary.oldest <= datetime.fromisoformat(watermark)
        batch.cursors[name] = "done" if reached or not next_url else next_url
        if not reached and not next_url:  # the listing ended short of the watermark
            batch.cursors[meta.INCOMPLETE] = "yes"
        batch.spent += spent
        return summary.models, reached or not next_url

    def _open_batch(self, run_id: int, checkpoints: Checkpoints) -> _Batch:
        """The open staging batch, begun if none is (stale page files removed first)."""
        conn = self.db.batch(self._commit_batch)
        if self._batch is None:
            conn.execute(ingest.STAGED_PAGES_TABLE)
            last = conn.execute("SELECT coalesce(max(seq), 0) FROM staged_pages").fetchone()[0]
            self.stage.remove_after(last)
            self._batch = _Batch(run_id, checkpoints, last + 1)
        return self._batch

    def _stage(self, batch: _Batch, body: str, since: str) -> PageSummary:
        """Write the page of a listing of changes to the stage and check it, now (the span
        of its lastModified says whether the listing reached `since`); it joins the batch
        once it passes."""
        seq = batch.next_seq
        self._writer.submit(seq, body, summary=True)
        result = self._writer.wait([seq])[seq]
        if isinstance(result, BaseException):
            raise result
        batch.pages.append(_StagedPage(seq, since, None))
        batch.next_seq += 1
        return PageSummary(*result[0:1], *result[2:4])

    def _check(self, path: Path, summary: bool) -> tuple:
        """A staged page's check, on the stage writer's thread (its own cursor): it parses,
        and every item is a model; with `summary` also the span of its lastModified."""
        if self._check_cursor is None:
            self._check_cursor = self._checker.cursor()
        check = ingest.PAGE_SUMMARY if summary else ingest.PAGE_CHECK
        row = _parse(self._check_cursor, check, {"file": str(path)}).fetchone()
        if row[1]:
            raise HubAnswerInvalid(ingest.NO_ID)
        return row

    def _commit_batch(self, conn: duckdb.DuckDBPyConnection) -> None:
        """List the batch's pages (written, synced and checked first: a refused page and the
        ones after it are left out), move its cursors, count its requests: the last step of
        the batch's transaction."""
        batch, self._batch = self._batch, None
        if batch is None:
            return
        if batch.pages:
            # a page of a listing of changes was checked when it was staged (_stage)
            checks = self._writer.wait([page.seq for page in batch.pages if page.since is None])
            for index, page in enumerate(batch.pages):
                result = checks.get(page.seq)
                if isinstance(result, BaseException):
                    batch.cut_before(index)
                    self._refused = result
                    break
                if result is not None and page.since is None:
                    self._checked += result[0]
            self.stage.sync_dir()
        if batch.pages:  # none left when its first page was refused
            conn.executemany("INSERT INTO staged_pages VALUES (?, CAST(? AS TIMESTAMP))",
                             [(page.seq, page.since) for page in batch.pages])
        for name, value in batch.cursors.items():
            batch.checkpoints.write(conn, name, value)
        self.db.runs.add(conn, batch.run_id, batch.spent)

    def has_staged(self) -> bool:
        """Whether pages are staged (the open batch committed first; a page it refused is
        raised)."""
        self.db.commit_batch()
        self.raise_refused()
        return bool(staged_pages(self.db.conn))

    def read_stage(self, conn: duckdb.DuckDBPyConnection, table: str, select: str,
                   temporary: bool = True) -> None:
        """Create the (temp) table `table` from `select` over the staged pages (`{rows}` in it
        stands for their rows)."""
        for number, part in enumerate(self._stage_parts(conn, STAGE_READ_FILES)):
            into = (f"INSERT INTO {table} " if number else
                    f"CREATE OR REPLACE {'TEMP ' if temporary else ''}TABLE {table} AS ")
            self._read(conn, into + select.format(rows=f"({ingest.STAGED_ROWS})"), part)

    def _stage_parts(self, conn: duckdb.DuckDBPyConnection, size: int) -> list[StagePart]:
        """The staged pages in parts of at most `size` files staged with the same `since`."""
        parts: list[StagePart] = []
        for seq, since in staged_pages(conn):
            if not parts or len(parts[-1].files) == size or parts[-1].since != since:
                parts.append(StagePart([], since))
            parts[-1].files.append(str(self.stage.path(seq)))
        return parts

    def _read(self, conn: duckdb.DuckDBPyConnection, sql: str, part: StagePart) -> None:
        """Run `sql` reading the staged pages of `part`."""
        try:
            _parse(conn, sql, {"files": part.files, "since": part.since})
        except duckdb.IOException as exc:
            raise StorageError(f"staged listing pages in {self.stage.dir} cannot be read "
                               f"({one_line(exc)}); delete that folder and the database's "
                               "checkpoints to list again") from exc

    def _read_rows(self, conn: duckdb.DuckDBPyConnection, table: str, part: StagePart) -> None:
        """The rows of the staged pages of `part` into the new table `table`, STAGE_READ_FILES
        pages per statement: DuckDB parses the files of a vector together, so memory would
        grow with the part otherwise."""
        for start in range(0, len(part.files), STAGE_READ_FILES):
            into = f"INSERT INTO {table} " if start else f"CREATE OR REPLACE TABLE {table} AS "
            self._read(conn, into + ingest.STAGED_ROWS,
                       StagePart(part.files[start:start + STAGE_READ_FILES], part.since))

    def clear_stage(self, conn: duckdb.DuckDBPyConnection) -> None:
        """Forget the staged pages (inside the transaction that applied them); their files go
        once it commits (`stage.remove_after(0)`)."""
        conn.execute("DROP TABLE staged_pages")

    # -- applying -------------------------------------------------------------------------------
    def apply_staged(self, run_id: int, spent: Tally) -> Tally:
        """Move every staged page into the tables, then empty the stage: a few set-based
        passes over a big database instead of one per page.

        The stage goes in parts of STAGE_PART_FILES pages, one transaction each, every part
        parsed (and its repeated models left out) while the one before is written
        (`ReadAhead`): memory stays flat and both cores work. A crawl killed between parts
        re-applies the stage when it resumes, which changes nothing (upserts, and counters
        that count a model once per run). The run's counters get the models stored and
        `spent` (the requests since its last step) with the data."""
        if not self.has_staged():
            return Tally()
        done = Tally()
        parts = self._stage_parts(self.db.conn, STAGE_PART_FILES)
        with ReadAhead(self.db.conn, parts, self._read_part, DERIVED) as parsed:
            for number, part in enumerate(parsed):
                with self.db.transaction() as tx:
                    counts = _page_of(tx, part, run_id)
                    applied = apply_page(tx, run_id, counts, derived=part)
                    tx.execute(f"DROP {'VIEW' if counts.all_new else 'TABLE'} page")
                    if number == len(parts) - 1:
                        self.clear_stage(tx)
                    self.db.runs.add(tx, run_id, applied + (spent if number == 0 else Tally()))
                done += applied
        self.stage.remove_after(0)
        return done

    def _read_part(self, conn: duckdb.DuckDBPyConnection, table: str, part: StagePart) -> None:
        """A part of the stage into `table`, each model once, and its tags and edges
        (ReadAhead's parse: the writer then only appends them)."""
        self._read_rows(conn, table, part)
        deduplicate(conn, table)
        derive_rows(conn, table)

    def ingest_page(self, body: str, run_id: int, spent: Tally) -> Tally:
        """Upsert one JSON array of models (a model-info answer, wrapped) at once."""
        with self.db.transaction() as tx:
            stage_json(tx, body)
            done = apply_page(tx, run_id)
            tx.execute("DROP TABLE page")
            self.db.runs.add(tx, run_id, done + spent)
        return done

    # -- models the listing left out (crawler/modes/absence.py) --------------------------------
    def unlisted(self, run_id: int) -> list[str]:
        """Live models this run has not stored, in an order spread over authors (so that a
        sample of the first ones is not one organisation's)."""
        return [row[0] for row in self.db.conn.execute(
            "SELECT id FROM models WHERE NOT gone AND last_seen_run < ? ORDER BY hash(id), id",
            [run_id]).fetchall()]

    def settle_unlisted(self, found: list[str], still_there: list[str], gone: list[str],
                        run_id: int, spent: Tally, checkpoints: Checkpoints,
                        outside: Callable[[duckdb.DuckDBPyConnection, list[str]], list[str]]
                        ) -> int:
        """Store what the Hub answered about models a listing left out, in one transaction:
        the model-info answers `found` (JSON objects) as a listing's models, then `gone`, and
        the models of `still_there` (answered under their id) that `outside` says are out of
        the crawl's scope (left the family), marked gone. When some of `still_there` are in
        scope, the listing under-reported: the mode's checkpoint INCOMPLETE is set. Returns
        how many of `still_there` are in scope."""
        with self.db.transaction() as tx:
            done = Tally()
            if found:
                stage_json(tx, "[" + ",".join(found) + "]")
                done = apply_page(tx, run_id)
                tx.execute("DROP TABLE page")
            left = outside(tx, still_there) if still_there else []
            if gone or left:
                tx.execute("UPDATE models SET gone = true WHERE id IN (SELECT unnest(?))",
                           [gone + left])
            done += Tally(gone=len(gone) + len(left))
            in_scope = len(still_there) - len(left)
            if in_scope:
                checkpoints.write(tx, meta.INCOMPLETE, "yes")
            self.db.runs.add(tx, run_id, done + spent)
        return in_scope

    def live_models(self) -> int:
        return self.db.conn.execute(
            "SELECT count(*) FROM models WHERE NOT gone").fetchone()[0]

    def newest_last_modified(self, body: str) -> str | None:
        """The newest lastModified on a listing page (its JSON as served)."""
        stage_json(self._checker, body)
        newest = self._checker.execute("SELECT max(last_modified) FROM page").fetchall()[0][0]
        self._checker.execute("DROP TABLE page")
        return str(newest) if newest else None

    def stored_newest(self) -> datetime | None:
        return self.db.conn.execute("SELECT max(last_modified) FROM models").fetchall()[0][0]

    # -- downloads and likes --------------------------------------------------------------------
    def refresh_counts(self, bodies: list[str], run_id: int, checkpoints: Checkpoints,
                       name: str, next_value: str, spent: Tally) -> int:
        """Update stored models' downloads and likes from light listing pages, mark them seen
        by the run, take a snapshot each, and move the cursor, in one transaction. Returns the
        stored models the pages held."""
        with self.db.transaction() as tx:
            _parse(tx, ingest.EMPTY_COUNTS, {"body": "[]"})
            for body in bodies:
                _parse(tx, ingest.ADD_COUNTS, {"body": body})
            tx.execute(ingest.KEEP_STORED_COUNTS)
            stored = tx.execute("SELECT count(*) FROM counts").fetchone()[0]
            tx.execute(ingest.UPDATE_COUNTS, {"run_id": run_id})
            tx.execute(ingest.DELETE_COUNT_SNAPSHOTS, {"run_id": run_id})
            tx.execute(ingest.INSERT_COUNT_SNAPSHOTS, {"run_id": run_id, "now": utcnow()})
            tx.execute("DROP TABLE counts")
            checkpoints.write(tx, name, next_value)
            self.db.runs.add(tx, run_id, spent)
        return stored
