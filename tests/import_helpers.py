"""Helpers for the import tests: the vendored hub-stats sample, dumps of generated Hubs and
variants of a dump written by DuckDB, and whole-database contents to compare."""

from __future__ import annotations

from pathlib import Path

import duckdb

from hub_double.generator import generated_store
from hub_double.hub_stats import write_hub_stats
from hub_double.store import HubStore

SAMPLE = Path(__file__).parent / "data" / "hub-stats" / "hub_stats_frozen.parquet"
# The columns a crawl stores that hub-stats does not carry (nor the vendored sample's 15).
NOT_IN_SAMPLE = ("sha", "gated", "private", "disabled", "siblings", "config")
NOT_IN_DUMPS = ("sha", "gated", "private", "disabled")  # what write_hub_stats leaves out too


def generated_dump(path: Path, n_models: int = 2000, seed: int = 5) -> tuple[HubStore, Path]:
    """A generated Hub (its store, for the double) and its hub-stats dump at `path`."""
    store = generated_store(n_models, seed=seed)
    write_hub_stats(store, path)
    return store, path


def derive(source: Path, dest: Path, select: str) -> Path:
    """Write `select` (SQL over the view `dump`, the rows of `source`) as a Parquet file."""
    conn = duckdb.connect()
    conn.execute(f"CREATE VIEW dump AS SELECT * FROM read_parquet('{source}')")
    conn.execute(f"COPY ({select}) TO '{dest}' (FORMAT parquet)")
    conn.close()
    return dest


def contents(db: Path) -> dict[str, list[tuple]]:
    """Every table of the database, its rows sorted: equal before and after means unchanged."""
    conn = duckdb.connect(str(db), read_only=True)
    try:
        tables = [row[0] for row in conn.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY 1").fetchall()]
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
    finally:
        conn.close()


def read(sql: str) -> list[tuple]:
    """A query on files alone (read_parquet), outside any database."""
    conn = duckdb.connect()
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    conn = duckdb.connect(str(db), read_only=True)
    try:
        return conn.execute(sql, params or []).fetchall()
    finally:
        conn.close()
