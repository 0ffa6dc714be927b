"""Item 1's floor: how fast DuckDB alone stores a listing's pages, to read the crawler's rate by.

    python -m bench.ingest_floor [--models 200000] [--seed 7]

DuckDB's JSON reader parses the pages, as served, straight into the typed columns the crawler
parses (`crawler.store.ingest.ITEM_FIELDS`), and one transaction appends every row to a new
table on disk with no key, committed. That is all: no staging check, no normalisation (times,
licenses, gated), no deduplication, no tags, edges or snapshots, no page file synced. Nothing
that stores these pages with DuckDB on this machine can be faster; the crawler's ingest does
all of that besides. Measured at the crawler's buffer pool and at 1 GB (item 1's memory cap).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

from bench.common import CACHE, Figure, info
from bench.hubs import pages_on_disk
from crawler.store.database import WRITER_MEMORY
from crawler.store.ingest import ITEM_FIELDS

MEMORY_CAPS = (WRITER_MEMORY, "1GB")
_COLUMNS = "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in ITEM_FIELDS.items()) + "}"
STORE_PAGES = ("CREATE TABLE models AS "
               f"FROM read_json($files, format = 'array', columns = {_COLUMNS})")


def floor_rate(files: list[str], models: int, memory: str, workdir: Path) -> float:
    """Models per second from the page `files` into a fresh database capped at `memory`."""
    db = workdir / f"floor-{memory}.duckdb"
    for path in (db, Path(f"{db}.wal")):
        path.unlink(missing_ok=True)
    conn = duckdb.connect(str(db), config={"memory_limit": memory})
    start = time.perf_counter()
    conn.execute("BEGIN TRANSACTION")
    conn.execute(STORE_PAGES, {"files": files})
    conn.execute("COMMIT")
    seconds = time.perf_counter() - start
    stored = conn.execute("SELECT count(*) FROM models").fetchone()[0]
    conn.close()
    if stored != models:
        raise RuntimeError(f"the floor stored {stored:,} models of {models:,}")
    return models / seconds


def floor_figures(models: int, seed: int, runs: int) -> list[Figure]:
    """The floor on the listing of the `models`-model Hub (seed `seed`, as item 1 generates
    it; its pages as served, bench.hubs.pages_on_disk) at each memory cap, `runs` times each,
    alternating (side by side)."""
    files = [str(path) for path in pages_on_disk(models, seed)]
    stored = duckdb.connect().execute(
        "SELECT count(*) FROM read_json($files, format = 'array', "
        "columns = {'id': 'VARCHAR'})", {"files": files}).fetchone()[0]
    rates: dict[str, list[float]] = {cap: [] for cap in MEMORY_CAPS}
    with tempfile.TemporaryDirectory(prefix="ingest-floor-", dir=CACHE) as tmp:
        for _ in range(runs):
            for cap in MEMORY_CAPS:
                rates[cap].append(floor_rate(files, stored, cap, Path(tmp)))
    megabytes = sum(Path(path).stat().st_size for path in files) / 1e6
    return [info(f"ingest floor ({stored:,} models, {megabytes:,.0f} MB of pages): DuckDB "
                 f"alone, buffer pool {cap}", rates[cap], "models/s",
                 note="read_json into the crawler's typed columns, one transaction, a table "
                 "with no key; nothing else (bench/ingest_floor.py)")
            for cap in MEMORY_CAPS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    for figure in floor_figures(args.models, args.seed, args.runs):
        runs = ", ".join(f"{s:,.0f}" for s in figure.samples)
        print(f"{figure.name}: {figure.value:,.0f} {figure.unit} (runs: {runs})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
