"""`hf-lineage import hub-stats`: dumps of the Hub's listing into a crawl database.

Every file is opened, recognised and dated before the database is touched (bad input is
refused with one line and nothing written), then the snapshots are placed in date order and
imported one transaction each (crawler/store/imports.py), each followed by the trees below the
roots, as a crawl ends. The import needs no network: parent names the dump cannot resolve are
asked of the Hub by the next crawl (once per name, ever), as a full crawl asks them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from crawler.imports import hub_stats, snapshots
from crawler.imports.parquet import open_parquet, reading
from crawler.progress import Progress, SilentProgress
from crawler.roots import load_roots, stored_roots
from crawler.store import Database
from crawler.store.imports import Imported, SnapshotFile
from hf_lineage.errors import ConfigError
from hf_lineage.interrupt import interrupt_on_ctrl_c


@dataclass(frozen=True)
class ImportResult:
    """One file's import: its snapshot, where it was placed, and what was stored (None when
    it was the same snapshot again)."""

    snapshot: SnapshotFile
    place: str  # snapshots.CURRENT, HISTORY or SAME
    stored: Imported | None
    note: str = ""  # why nothing was stored
    undated: int = 0  # rows without a usable lastModified


def import_hub_stats(db_path: str | Path, files: Iterable[str | Path], *,
                     as_of: date | datetime | None = None, older_as_history: bool = False,
                     progress: Progress | None = None) -> list[ImportResult]:
    """Import hub-stats `models.parquet` files (each one snapshot) into the database at
    `db_path`, oldest first. `as_of` dates a single file (else its newest lastModified);
    `older_as_history` adds snapshots older than the data held to the history only instead of
    refusing them."""
    progress = progress or SilentProgress()
    files = list(files)
    if not files:
        raise ConfigError("no file to import")
    if as_of is not None and len(files) > 1:
        raise ConfigError("--as-of dates one snapshot: give one file with it (several files "
                          "are each dated by their newest lastModified)")
    read = [_read(file, as_of, progress) for file in files]
    with Database(db_path) as db:
        placed = snapshots.place(read, db.imports.held(), older_as_history)
        roots = stored_roots(db.get_meta) or load_roots()
        seeds = list(roots.root_models())
        results = []
        for item in placed:
            results.append(_import(db, item, roots.text, seeds, progress))
        return results


def _read(file: str | Path, as_of: date | datetime | None,
          progress: Progress) -> snapshots.Placed:
    """Open, recognise, read and date one file (nothing written)."""
    progress.phase(f"reading {file}")
    rows = hub_stats.dump_rows(open_parquet(file))
    found = snapshots.survey(rows)
    return snapshots.Placed(snapshots.dated(rows, found, as_of), rows, found, place="")


def _import(db: Database, item: snapshots.Placed, roots_text: str, seeds: list[str],
            progress: Progress) -> ImportResult:
    snapshot = item.snapshot
    if item.place == snapshots.SAME:
        return ImportResult(snapshot, item.place, None, item.reason)
    history = item.place == snapshots.HISTORY
    progress.phase(f"importing {snapshot.file} ({snapshot.models:,} models as of "
                   f"{snapshot.as_of}{', history only' if history else ''})")
    with interrupt_on_ctrl_c(db.open_connection), reading(item.rows.file):
        stored = (db.imports.add_history(snapshot) if history
                  else db.imports.apply(snapshot, roots_text))
        progress.phase("the trees below the roots")
        db.closure.write(stored.run_id, seeds)
    return ImportResult(snapshot, item.place, stored, undated=item.survey.undated)


def describe(result: ImportResult) -> str:
    """One line saying what an import did."""
    snap = result.snapshot
    dated = "its newest lastModified" if snap.dated_by == "lastModified" else "--as-of"
    head = f"{snap.file}: {snap.source} snapshot as of {snap.as_of} ({dated})"
    if result.stored is None:
        return f"{head}: {result.note}"
    done = result.stored
    if done.history_only:
        return (f"{head}, older than the data held: added to the history only (run "
                f"{done.run_id}): counts of {done.models:,} models, {done.new:,} of them not "
                "held (deleted since?) added")
    line = (f"{head}: {done.models:,} models, {done.new:,} new, {done.changed:,} changed "
            f"(run {done.run_id})")
    if done.unlisted:
        line += (f"; {done.unlisted:,} stored models it does not list are left live (a full "
                 "crawl asks the Hub about them)")
    return line


def lacking(result: ImportResult) -> list[str]:
    """A line for each thing the file did not say: the columns it lacks, the rows without a
    usable lastModified."""
    snap, lines = result.snapshot, []
    if result.stored is None:
        return lines
    if snap.missing:
        lines.append(f"{snap.file} has no {', '.join(snap.missing)}: those columns are NULL in "
                     "the rows it stored (a model's stored value when it is the same revision)")
    if result.undated:
        lines.append(f"{snap.file}: {result.undated:,} rows have no usable lastModified "
                     "(missing, before 2000 or in the future): a stored model keeps its "
                     "revision, a new one is stored without")
    return lines

