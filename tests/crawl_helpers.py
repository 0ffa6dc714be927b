"""Helpers for crawler tests: a fast client, and database snapshots to compare row for row."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from crawler.http import HubClient, RetryPolicy

AMPLE = {"api": 10**7, "resolvers": 10**7}
FAST_RETRY = RetryPolicy(attempts=8, base_wait_s=0.01, max_wait_s=0.2, timeout_s=5)

# Data tables and the columns that must match between two crawls of the same Hub
# (run bookkeeping and wall-clock stamps are left out).
COMPARED = {
    "models": "* EXCLUDE (first_seen_run, last_seen_run)",
    "model_tags": "*",
    "edges": "*",
    "cards": "* EXCLUDE (fetched_at)",
    "snapshots": "* EXCLUDE (taken_at)",
}


def fast_client(**options) -> HubClient:
    return HubClient(budgets=options.pop("budgets", AMPLE), retry=options.pop("retry", FAST_RETRY),
                     **options)


def table_frames(db_path: str | Path) -> dict[str, pd.DataFrame]:
    """Each compared table, sorted, for equality checks."""
    conn = duckdb.connect(str(db_path), read_only=True)
    try:
        frames = {}
        for table, columns in COMPARED.items():
            frame = conn.execute(f"SELECT {columns} FROM {table} ORDER BY ALL").df()
            frames[table] = frame.reset_index(drop=True)
        return frames
    finally:
        conn.close()


def assert_same_tables(left: str | Path, right: str | Path, snapshots: bool = True) -> None:
    """Equal data, row for row; `snapshots=False` when the two went through different runs."""
    a, b = table_frames(left), table_frames(right)
    for table in COMPARED:
        if table == "snapshots" and not snapshots:
            continue
        pd.testing.assert_frame_equal(a[table], b[table], check_dtype=False, obj=table)


# The same tables as the live models show them: what a database kept up to date by incremental
# crawls must share with a fresh full crawl of the same Hub (gone models are kept, and only
# the first has them).
LIVE = {
    "models": "SELECT * EXCLUDE (first_seen_run, last_seen_run) FROM models WHERE NOT gone",
    "model_tags": "SELECT t.* FROM model_tags t JOIN models m ON m.id = t.model_id "
                  "WHERE NOT m.gone",
    "edges": "SELECT e.* FROM edges e JOIN models m ON m.id = e.child WHERE NOT m.gone",
    "cards": "SELECT c.* EXCLUDE (fetched_at) FROM cards c JOIN models m ON m.id = c.model_id "
             "WHERE NOT m.gone",
}


def assert_same_live_tables(left: str | Path, right: str | Path) -> None:
    """Equal data of the live models (their rows, tags, edges, licenses, counts and cards)."""
    frames = []
    for path in (left, right):
        conn = duckdb.connect(str(path), read_only=True)
        try:
            frames.append({table: conn.execute(f"{sql} ORDER BY ALL").df()
                           for table, sql in LIVE.items()})
        finally:
            conn.close()
    for table in LIVE:
        pd.testing.assert_frame_equal(frames[0][table], frames[1][table], check_dtype=False,
                                      obj=table)
