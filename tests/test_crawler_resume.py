"""SIGKILL a crawl at random moments, resume it, and get the uninterrupted crawl's database."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import duckdb

from crawler.crawl import crawl
from crawler.store import Database
from tests.crawl_helpers import assert_same_tables, fast_client
from tests.hub_rows import model_row, store_of
from tests.test_crawler_basics import messy_family


def crawl_command(db, url: str, mode: str) -> list[str]:
    return [sys.executable, "-m", "hf_lineage", "crawl", "--mode", mode, "--db", str(db),
            "--endpoint", url, "--api-budget", "10000000", "--resolver-budget", "10000000",
            "--workers", "4"]


def run_until_killed(command: list[str], double, after_requests: int) -> bool:
    """Start a crawl and SIGKILL it once the double has answered `after_requests` more requests;
    returns False if the crawl finished first."""
    start = double.log.total()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while proc.poll() is None:
        if double.log.total() - start >= after_requests:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.002)
    assert proc.returncode == 0, proc.stderr.read().decode()
    return False


def check_integrity(db) -> None:
    conn = duckdb.connect(str(db), read_only=True)
    try:
        for table, key in (("models", "id"), ("model_tags", "model_id, tag"),
                           ("edges", "child, parent"), ("cards", "model_id"),
                           ("snapshots", "run_id, model_id")):
            total, distinct = conn.execute(
                f"SELECT count(*), count(DISTINCT ({key})) FROM {table}").fetchone()
            assert total == distinct, f"duplicate rows in {table}"
        runs = conn.execute("SELECT status FROM crawl_runs").fetchall()
        assert runs == [("ok",)]
    finally:
        conn.close()


def test_sigkill_at_random_points_then_resume(serve, tmp_path):
    rows = [model_row(f"org-{i % 13}/m-{i}", i) for i in range(400)]
    double = serve(store_of(rows), page_size=10, latency_ms=2)
    reference = tmp_path / "reference.duckdb"
    crawl(reference, "full", client=fast_client(), card_workers=4)

    db = tmp_path / "killed.duckdb"
    rng = random.Random(7)  # about 440 requests in all: kills land in listing and in cards
    kills = sum(run_until_killed(crawl_command(db, double.url, "full"), double, after)
                for after in rng.sample(range(3, 90), 5))
    run_until_killed(crawl_command(db, double.url, "full"), double, 10**9)
    assert kills >= 4
    check_integrity(db)
    assert_same_tables(reference, db)


def test_sigkill_during_a_family_crawl_then_resume(serve, tmp_path):
    double = serve(messy_family(), latency_ms=3)
    reference = tmp_path / "reference.duckdb"
    crawl(reference, "family", client=fast_client())
    db = tmp_path / "killed.duckdb"
    kills = sum(run_until_killed(crawl_command(db, double.url, "family"), double, after)
                for after in (3, 5, 8, 11))  # a family crawl of it makes about 23 requests
    run_until_killed(crawl_command(db, double.url, "family"), double, 10**9)
    assert kills >= 3
    check_integrity(db)
    assert_same_tables(reference, db)


def test_family_listing_road_resumes_after_its_stage_was_applied(serve, tmp_path):
    serve(messy_family())
    db = tmp_path / "hub.duckdb"
    crawl(db, "family", client=fast_client(), hub_size=1)  # forces the listing road
    reference = tmp_path / "reference.duckdb"
    crawl(reference, "family", client=fast_client(), hub_size=1)
    # a crawl killed after moving its stage, before closing the run: resume must not fail
    with Database(db) as database:
        database.set_meta("running:family", "1")
        database.set_meta("checkpoint:family:strategy", "listing")
        database.set_meta("checkpoint:family:listing", "done")
    summary = crawl(db, "family", client=fast_client(), hub_size=1)
    assert summary.resumed and summary.status == "ok"
    assert_same_tables(reference, db, snapshots=False)
