"""hf-lineage sql streams its result in constant memory and stops on Ctrl-C.

Formats carry the same rows as DuckDB returns them, across many Arrow batches; peak memory
does not grow with the result's size; a runaway query stops on a real SIGINT within moments.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from analysis import adhoc
from analysis.db import connect
from bench.common import run_measured
from hf_lineage.cli import main
from hf_lineage.errors import Interrupted
from hf_lineage.interrupt import interrupt_on_ctrl_c
from tests.analysis_fixtures import create_db

RUNAWAY = ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
           "SELECT count(*) AS n FROM r")
DEADLINE_S = 60.0  # generous: a stopped query ends in well under a second


@pytest.fixture(scope="module")
def db(tmp_path_factory, hostile_hub_db) -> Path:
    """A copy of the generated crawl plus 200,000 tag rows: several batches of BATCH_ROWS."""
    path = tmp_path_factory.mktemp("stream") / "hub.duckdb"
    shutil.copyfile(hostile_hub_db, path)
    conn = duckdb.connect(str(path))
    conn.execute("INSERT INTO model_tags SELECT 'org/m-' || (i // 10), 'tag-' || (i % 10) "
                 "FROM range(200000) r(i)")
    conn.close()
    return path


def sql(*args: str):
    return CliRunner().invoke(main, ["sql", *map(str, args)])


def expected(db: Path, query: str) -> list[tuple]:
    conn = duckdb.connect(str(db), read_only=True)
    rows = conn.sql(query).fetchall()
    conn.close()
    return rows


def test_csv_json_parquet_carry_every_row_across_batches(db, tmp_path):
    query = "SELECT model_id, tag FROM model_tags ORDER BY model_id, tag"
    rows = expected(db, query)
    assert len(rows) > 3 * adhoc.BATCH_ROWS
    as_csv = sql(query, "--db", db, "--format", "csv")
    assert as_csv.exit_code == 0, as_csv.output
    parsed = list(csv.reader(io.StringIO(as_csv.stdout)))
    assert parsed[0] == ["model_id", "tag"] and [tuple(r) for r in parsed[1:]] == rows
    as_json = sql(query, "--db", db, "--format", "json")
    assert [(r["model_id"], r["tag"]) for r in json.loads(as_json.stdout)] == rows
    out = tmp_path / "tags.parquet"
    assert sql(query, "--db", db, "--format", "parquet", "--out", out).exit_code == 0
    table = pq.read_table(out)
    assert list(zip(*table.to_pydict().values(), strict=True)) == rows


def test_csv_and_json_render_nested_values_and_nulls(db):
    query = ("SELECT 1 AS a, [1, 2] AS a, {'k': 'v'} AS s, NULL AS n, "
             "TIMESTAMP '2024-01-02 03:04:05' AS \"odd \"\"name\"\"\"")
    as_csv = sql(query, "--db", db, "--format", "csv")
    assert as_csv.stdout.splitlines() == [
        'a,a,s,n,"odd ""name"""', '1,"[1,2]","{""k"":""v""}",,"2024-01-02 03:04:05"']
    as_json = json.loads(sql(query, "--db", db, "--format", "json").stdout)
    assert as_json == [{"a": 1, "a_1": [1, 2], "s": {"k": "v"}, "n": None,
                        'odd "name"': "2024-01-02 03:04:05"}]
    empty = sql("SELECT 1 AS a WHERE false", "--db", db, "--format", "json")
    assert json.loads(empty.stdout) == [] and empty.stdout.startswith("[")


def test_table_reads_only_the_rows_it_shows(db):
    result = sql("SELECT * FROM range(1000000000000)", "--db", db, "--max-rows", "5")
    assert result.exit_code == 0, result.output
    assert "first 5 rows shown; the result has more" in result.stdout
    small = sql("SELECT * FROM range(3)", "--db", db)
    assert "3 rows" in small.stdout and "more" not in small.stdout


# -- memory: peak RSS of the whole command must not grow with the result -----------------------
SMALL_ROWS, LARGE_ROWS = 500_000, 4_000_000
GROWTH_LIMIT_MB = 60  # holding the 3.5M extra rows costs ~200 MB in Arrow, > 1 GB in Python


@pytest.fixture(scope="module")
def tag_dbs(tmp_path_factory) -> dict[int, Path]:
    """Two databases that differ only in the number of tag rows. The rows compress well on
    disk (a few MB) but not in memory, so DuckDB's cache of the blocks it scanned (kept up to
    its memory_limit) stays small next to what holding the result would cost."""
    paths = {}
    for rows in (SMALL_ROWS, LARGE_ROWS):
        paths[rows] = tmp_path_factory.mktemp("rss") / f"tags-{rows}.duckdb"
        conn = create_db(paths[rows])
        conn.execute("INSERT INTO model_tags SELECT 'organisation/a-model-name-' || (i // 1000),"
                     f" 'license:apache-2.0' FROM range({rows}) r(i)")
        conn.close()
    return paths


def peak_rss_mb(args: list[str]) -> float:
    """Peak resident memory of `hf-lineage ARGS` run to completion, stdout discarded."""
    run = run_measured(args)
    assert run.returncode == 0, run.stderr
    return run.peak_rss_mb


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet", "table"])
def test_memory_does_not_grow_with_the_result(tag_dbs, tmp_path, fmt):
    """`SELECT * FROM model_tags` on 500,000 and on 4,000,000 rows peaks at the same memory
    (threads and imports cost the same in both, so only holding the result would show)."""
    options = ["--format", fmt, "--max-rows", "5"]
    if fmt == "parquet":
        options += ["--out", str(tmp_path / "tags.parquet")]
    small, large = (peak_rss_mb(["sql", "SELECT * FROM model_tags", "--db", str(tag_dbs[rows]),
                                 *options]) for rows in (SMALL_ROWS, LARGE_ROWS))
    assert large - small < GROWTH_LIMIT_MB, (small, large)


def test_a_sorted_table_keeps_only_the_rows_it_shows(tag_dbs):
    """--format table asks DuckDB for max-rows + 1 rows: sorting 4,000,000 rows for the first 5
    is a top-5, not a sort of all of them held in memory (a sort of 10^8 rows was killed at
    23.8 GB)."""
    query = "SELECT * FROM model_tags ORDER BY model_id DESC, tag"
    small, large = (peak_rss_mb(["sql", query, "--db", str(tag_dbs[rows]), "--max-rows", "5"])
                    for rows in (SMALL_ROWS, LARGE_ROWS))
    assert large - small < GROWTH_LIMIT_MB, (small, large)


def test_max_rows_is_bounded(db):
    """A rich table lays out every cell at once (100,000 rows: 45 s, 400 MB): more rows than
    the bound are refused as a usage error, with the way to get them all."""
    too_many = sql("SELECT 1", "--db", db, "--max-rows", "100000000")
    assert too_many.exit_code == 2 and "--max-rows" in too_many.output
    assert "--format csv" in CliRunner().invoke(main, ["sql", "--help"]).output


# -- Ctrl-C -------------------------------------------------------------------------------------
def test_sigint_stops_a_runaway_query(db):
    """A real SIGINT to `hf-lineage sql` while DuckDB runs an endless recursive query. The CSV
    header is written before the query runs, so reading it says the query has started."""
    proc = subprocess.Popen([sys.executable, "-m", "hf_lineage", "sql", RUNAWAY, "--db", str(db),
                             "--format", "csv"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline() == "n\n"  # the query is running
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=DEADLINE_S)
        stopped_s = time.monotonic() - sent
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == Interrupted.exit_code, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: interrupted"), err
    print(f"stopped {stopped_s:.2f} s after SIGINT")


def test_ctrl_c_interrupts_the_running_query(db):
    """In-process: while DuckDB runs an endless query on the main thread, SIGINT reaches the
    watcher, which stops the query and raises KeyboardInterrupt in the main thread; the
    signal handler and wakeup fd are restored afterwards."""
    conn = connect(db, sandboxed=True)
    forced: list[bool] = []
    done = threading.Event()

    def press_until_done() -> None:
        deadline = time.monotonic() + DEADLINE_S
        while not done.wait(0.05):  # until the query has ended, however long it takes to start
            if time.monotonic() > deadline:  # the watcher failed: end the query, fail the test
                forced.append(True)
                conn.interrupt()
            else:
                os.kill(os.getpid(), signal.SIGINT)

    def ignore(*_: object) -> None:  # a press landing after the context must not raise
        pass

    previous = signal.signal(signal.SIGINT, ignore)
    presser = threading.Thread(target=press_until_done)
    try:
        with pytest.raises(KeyboardInterrupt), interrupt_on_ctrl_c(conn):
            presser.start()
            conn.sql(RUNAWAY).fetchall()
        restored = signal.getsignal(signal.SIGINT), signal.set_wakeup_fd(-1)
    finally:
        done.set()
        presser.join()
        signal.signal(signal.SIGINT, previous)
    assert not forced
    assert restored == (ignore, -1)
    assert conn.sql("SELECT 42").fetchall() == [(42,)]  # the connection is still usable
    conn.close()


def test_sigint_while_blocked_writing_to_a_pipe_nobody_reads(db):
    """Ctrl-C while the command waits for a reader that stopped reading (a paused pager)."""
    proc = subprocess.Popen([sys.executable, "-m", "hf_lineage", "sql",
                             "SELECT * FROM range(10000000)", "--db", str(db), "--format", "csv"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout.readline() == b"range\n"
        wchan = Path(f"/proc/{proc.pid}/task/{proc.pid}/wchan")
        deadline = time.monotonic() + DEADLINE_S
        while "pipe_write" not in wchan.read_text() and time.monotonic() < deadline:
            time.sleep(0.01)  # polling a condition: the main thread blocked in write()
        assert "pipe_write" in wchan.read_text()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=DEADLINE_S) == Interrupted.exit_code
        assert proc.stderr.read().decode().strip().splitlines() == ["error: interrupted"]
    finally:
        proc.kill()
        proc.wait()
