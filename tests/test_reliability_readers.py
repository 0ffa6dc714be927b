"""Readers while a crawl writes: they get the last committed data and never disturb the crawl.

Nothing here depends on how fast the machine is: the double holds the crawl's card requests
once the crawl has handed the database file over, so 'mid-crawl' is a state the test waits for,
not a moment it hopes to hit; every wait is on a condition, with a generous deadline.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import duckdb

from crawler.store import connect_with_retry
from tests.hub_rows import model_row, store_of
from tests.test_crawler_resume import crawl_command

MODELS = 300
DEADLINE_S = 120.0  # for any one wait; a loaded machine stays far below it


def committed(db: Path) -> tuple[int, int]:
    """(models, cards) a reader sees: the last committed state, whoever is writing."""
    conn = connect_with_retry(db, read_only=True, wait_s=DEADLINE_S)
    try:
        if not conn.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'models'"
                            ).fetchone()[0]:
            return 0, 0
        return conn.execute("SELECT (SELECT count(*) FROM models), (SELECT count(*) FROM cards)"
                            ).fetchone()
    finally:
        conn.close()


def writer_away(db: Path) -> bool:
    """Is the crawl's connection closed (it hands the file over between batches)?"""
    try:
        duckdb.connect(str(db), read_only=True).close()
    except duckdb.Error:
        return False
    return True


def test_readers_see_committed_data_during_a_crawl(serve, tmp_path):
    double = serve(store_of([model_row(f"org-{i % 11}/m-{i}", i) for i in range(MODELS)]),
                   page_size=50, latency_ms=10)
    db = tmp_path / "hub.duckdb"
    paused, resume, finished = threading.Event(), threading.Event(), threading.Event()

    def hold_cards_mid_crawl(entry) -> None:
        """From the first card request that finds the file handed over, hold card requests
        (retries too) until the test has read: the crawl is then mid-way for sure."""
        if entry.kind == "resolve" and (paused.is_set() or writer_away(db)):
            paused.set()
            resume.wait(DEADLINE_S)

    seen: list[tuple[int, int]] = []  # what a reader polling all along saw, in order

    def poll() -> None:
        """Read again and again, and once more after the crawl ended."""
        while True:
            done = finished.is_set()
            if db.exists():
                seen.append(committed(db))
            if done:
                return
            finished.wait(0.05)  # pacing only: the outcome holds for any number of reads

    double.on_request.append(hold_cards_mid_crawl)
    reader = threading.Thread(target=poll)
    reader.start()
    crawl = subprocess.Popen(crawl_command(db, double.url, "full"),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert paused.wait(DEADLINE_S), "the crawl never reached its cards"
        mid = committed(db)
        sql = subprocess.run(
            [sys.executable, "-m", "hf_lineage", "sql", "SELECT count(*) AS n FROM models",
             "--db", str(db), "--format", "csv"], capture_output=True, timeout=DEADLINE_S)
        still_mid = committed(db)
    finally:
        resume.set()
        crawl_rc = crawl.wait(DEADLINE_S)
        finished.set()
        reader.join(DEADLINE_S)
    assert crawl_rc == 0, crawl.stderr.read().decode()
    final = committed(db)
    # mid-crawl, readers got in and saw the committed listing, not yet every card…
    assert mid == still_mid and mid[0] == MODELS and mid[1] < MODELS
    # …the CLI too…
    assert sql.returncode == 0, sql.stderr.decode()
    assert sql.stdout.decode().split() == ["n", str(MODELS)]
    # …and what any reader saw only ever grew, up to the finished crawl
    assert final == (MODELS, MODELS)
    assert seen == sorted(seen) and seen[-1] == final
