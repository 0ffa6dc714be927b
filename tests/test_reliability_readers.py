"""Readers while a crawl writes: they get the last committed data and never disturb the crawl."""

from __future__ import annotations

import subprocess
import sys
import time

from crawler.store import connect_with_retry
from tests.hub_rows import model_row, store_of
from tests.test_crawler_resume import crawl_command


def test_readers_see_committed_data_during_a_crawl(serve, tmp_path):
    double = serve(store_of([model_row(f"org-{i % 11}/m-{i}", i) for i in range(300)]),
                   page_size=5, latency_ms=40)
    db = tmp_path / "hub.duckdb"
    crawl = subprocess.Popen(crawl_command(db, double.url, "full"),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen: list[int] = []
    waits: list[float] = []
    sql_runs: list[subprocess.CompletedProcess] = []
    while crawl.poll() is None:
        if not db.exists():
            time.sleep(0.02)
            continue
        started = time.monotonic()
        conn = connect_with_retry(db, read_only=True, wait_s=30)
        waits.append(time.monotonic() - started)
        try:
            if conn.execute("SELECT count(*) FROM duckdb_tables() "
                            "WHERE table_name = 'models'").fetchone()[0]:
                seen.append(conn.execute("SELECT (SELECT count(*) FROM models) + "
                                         "(SELECT count(*) FROM cards)").fetchall()[0][0])
        finally:
            conn.close()
        if seen and seen[-1] > 0 and not sql_runs:  # the CLI path too, once data is there
            sql_runs.append(subprocess.run(
                [sys.executable, "-m", "hf_lineage", "sql", "SELECT count(*) AS n FROM models",
                 "--db", str(db), "--format", "csv"], capture_output=True, timeout=60))
        time.sleep(0.05)
    assert crawl.returncode == 0, crawl.stderr.read().decode()
    assert len(seen) >= 10, "the reader never got in"
    assert seen == sorted(seen) and 0 < seen[len(seen) // 2] and seen[-1] <= 600
    assert len(set(seen)) >= 3  # it saw the crawl progress, batch by batch
    assert max(waits) < 5.0
    assert sql_runs and sql_runs[0].returncode == 0, sql_runs[0].stderr.decode()
    assert int(sql_runs[0].stdout.decode().split()[-1]) > 0
