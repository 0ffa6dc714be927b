"""Snapshots in time: dating a dump, and placing it against what the database already holds.

A snapshot's date is `--as-of` when given, else the newest lastModified it holds (the listing
cannot be older than its newest change). A date given must not precede that change: a snapshot
cannot hold changes made after it was taken (a bare day covers the whole day).

Placing, in date order (several files of one command are sorted first, so any order works):
- the same snapshot again (the same file, by its fingerprint, or a snapshot of the same date
  and as many models already imported: the same listing written again) changes nothing; one of
  the same date listing other models is refused (two listings of one moment cannot both be
  true: `--as-of` dates a later one);
- an older one, whose newest lastModified precedes the watermark (the newest change the
  database's crawls and imports saw) or whose date precedes the newest snapshot imported, is
  refused before anything is written: its rows would replace newer ones. With
  `older_as_history` it is added to the history only (crawler/store/imports.py);
- any other is the database's current data from then on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

import duckdb

from crawler.clock import utcnow
from crawler.imports.hub_stats import SOURCE, DumpRows
from crawler.imports.parquet import reading
from crawler.store.imports import Held, SnapshotFile
from hf_lineage.errors import ConfigError

CURRENT, HISTORY, SAME = "current", "history", "same"


@dataclass(frozen=True)
class Survey:
    """One pass over a file's rows, before anything is written."""

    rows: int
    models: int  # distinct ids
    without_id: int
    newest_modified: datetime | None
    undated: int  # rows whose lastModified is missing or implausible (kept as stored)
    unreadable: dict[str, int]  # the file's column -> values it cannot read


@dataclass(frozen=True)
class Placed:
    """A dated snapshot and what its import will be: CURRENT, HISTORY, or SAME (nothing)."""

    snapshot: SnapshotFile
    rows: DumpRows
    survey: Survey
    place: str
    reason: str = ""  # for SAME: which import it repeats


def survey(rows: DumpRows) -> Survey:
    """Count the file's rows, models and rows without an id, and find its newest change, in
    one pass that reads every value the import will read (StorageError when the file is
    damaged: refused before anything is written). Models are counted by their ids' 64-bit
    hashes (a hash table of strings for 3M ids outgrew the pool); the ids themselves are
    counted only when two hashes collide or a model is listed twice."""
    model_id = rows.id_sql
    checks = "".join(f", count(*) FILTER (WHERE {check})" for check in rows.unreadable.values())
    readable = "".join(', count("' + name.replace('"', '""') + '")'
                       for name in rows.read.values())
    with duckdb.connect(config={"memory_limit": "512MB"}) as conn, reading(rows.file):
        conn.execute("SET enable_progress_bar = false")
        conn.execute("SET TimeZone = 'UTC'")
        total, models, without_id, newest, undated, *read = conn.execute(
            f"SELECT count(*), count(DISTINCT hash({model_id})), "
            f"count(*) FILTER (WHERE {model_id} IS NULL OR trim({model_id}) = ''), "
            f"max({rows.last_modified_sql}), "
            f"count(*) FILTER (WHERE {rows.last_modified_sql} IS NULL){checks}{readable} "
            f"FROM {rows.file.scan()}").fetchone()
        if models < total - without_id:
            models = conn.execute(f"SELECT count(DISTINCT {model_id}) FROM "
                                  f"{rows.file.scan()}").fetchone()[0]
    unreadable = dict(zip(rows.unreadable, read[:len(rows.unreadable)], strict=True))
    return Survey(total, models, without_id, newest, undated,
                  {name: n for name, n in unreadable.items() if n})


def dated(rows: DumpRows, found: Survey, as_of: date | datetime | None) -> SnapshotFile:
    """The snapshot of `rows`, dated by `as_of` (a day covers the whole day) or its newest
    change; ConfigError when it cannot be dated, holds rows without an id, or `as_of`
    precedes its newest change."""
    path = rows.file.path
    if not found.rows:
        raise ConfigError(f"{path} has no rows: an empty listing is no snapshot of the Hub")
    if found.unreadable:
        name, count = next(iter(found.unreadable.items()))
        raise ConfigError(f"{path}: column {name}: {count:,} of its {found.rows:,} values are "
                          "not JSON lists of tags; hf-lineage cannot read them (and does not "
                          "guess)")
    if found.without_id:
        raise ConfigError(f"{path}: {found.without_id:,} of its {found.rows:,} rows have no "
                          "model id; a listing of the Hub's models has one on every row")
    if found.newest_modified is None:
        raise ConfigError(f"{path}: no row has a valid lastModified, so nothing dates the "
                          "snapshot nor tells a crawl where to continue from")
    if as_of is None:
        when, by = found.newest_modified, "lastModified"
    else:
        day = not isinstance(as_of, datetime)
        when = datetime.combine(as_of, time()) if day else as_of
        if when > utcnow():
            raise ConfigError(f"--as-of {as_of.isoformat()} is in the future: a snapshot is "
                              "dated when it was taken (UTC)")
        limit = when + timedelta(days=1) if day else when
        if found.newest_modified >= limit:
            raise ConfigError(
                f"--as-of {as_of.isoformat()} is before the newest lastModified in {path} "
                f"({found.newest_modified}): a snapshot cannot hold changes made after it was "
                "taken (leave --as-of out to date it by that change)")
        by = "as-of"
    return SnapshotFile(
        source=SOURCE, file=path, file_bytes=rows.file.size, fingerprint=rows.file.fingerprint,
        as_of=when, dated_by=by, newest_modified=found.newest_modified, models=found.models,
        columns=tuple(rows.read.values()), missing=rows.missing,
        missing_targets=rows.missing_targets, select=rows.select,
        duplicates=found.models < found.rows)


def place(snapshots: list[Placed], held: Held, older_as_history: bool) -> list[Placed]:
    """The snapshots in date order, each placed against what the database holds once the ones
    before it are imported; ConfigError (nothing written) when one is older and
    `older_as_history` is off."""
    placed: list[Placed] = []
    watermark, newest_import = held.watermark, held.newest_import
    seen_files, seen_dates = dict(held.by_fingerprint), dict(held.by_date)
    ordered = sorted(snapshots, key=lambda p: (p.snapshot.as_of, p.snapshot.newest_modified))
    for item in ordered:
        snap = item.snapshot
        if snap.fingerprint in seen_files:
            run, as_of = seen_files[snap.fingerprint]
            placed.append(replace(item, place=SAME, reason=_same(run, f"as of {as_of}")))
            continue
        if snap.as_of in seen_dates:
            run, file, models = seen_dates[snap.as_of]
            if models != snap.models:
                raise ConfigError(
                    f"{snap.file} is dated {snap.as_of}, as the snapshot imported from {file} "
                    f"is, but lists {snap.models:,} models where that one listed {models:,}: "
                    "two different listings of one moment. Nothing imported; if it is a later "
                    "listing, date it with --as-of")
            placed.append(replace(item, place=SAME, reason=_same(run, f"from {file}, the same "
                                                                  "date and models")))
            continue
        older = ((watermark is not None and snap.newest_modified < watermark)
                 or (newest_import is not None and snap.as_of < newest_import))
        if older and not older_as_history:
            raise ConfigError(
                f"{snap.file} (as of {snap.as_of}) is older than the data the database holds "
                f"(newest change {watermark}"
                + (f", newest snapshot imported as of {newest_import}" if newest_import else "")
                + "): its rows would replace newer ones. Add it to the history only with "
                "--older-as-history, or import the snapshots oldest first into a new database")
        run = -len(placed) - 1  # stands for the run this import will get
        seen_files[snap.fingerprint] = (run, snap.as_of)
        seen_dates[snap.as_of] = (run, snap.file, snap.models)
        if older:
            placed.append(replace(item, place=HISTORY))
            continue
        watermark = max(filter(None, (watermark, snap.newest_modified)))
        newest_import = snap.as_of
        placed.append(replace(item, place=CURRENT))
    return placed


def _same(run: int, what: str) -> str:
    whose = f"run {run}" if run > 0 else "a file given before it"
    return f"the same snapshot was imported already ({whose}, {what}): nothing to do"
