"""A full disk ends a crawl with exit 5 and one line saying what could not be written.

The disk is filled the portable way: the crawl runs in a child whose files may not grow past a
limit (RLIMIT_FSIZE, SIGXFSZ ignored), so every write past it fails as on a full disk
(EFBIG instead of ENOSPC: the same paths in DuckDB and in the stage). It used to end as an
internal error (exit 70). The database must still open, and the same command resume.
"""

from __future__ import annotations

import resource
import signal
import subprocess

import duckdb
import pytest

from crawler.crawl import crawl
from hf_lineage.errors import StorageError
from tests.crawl_helpers import assert_same_tables, fast_client
from tests.hub_rows import numbered_store
from tests.test_crawler_resume import crawl_command


def limited_to(size: int):
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    return limit


@pytest.mark.parametrize("size, where", [(20_000, ".stage/"), (100_000, ".wal")],
                         ids=["a listing page cannot be staged", "the database cannot grow"])
def test_a_full_disk_is_exit_5_and_the_crawl_resumes(size, where, serve, tmp_path):
    double = serve(numbered_store(800), page_size=100)
    db = tmp_path / "hub.duckdb"
    result = subprocess.run(crawl_command(db, double.url, "full") + ["--no-cards"],
                            capture_output=True, text=True, timeout=300,
                            preexec_fn=limited_to(size))
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode == StorageError.exit_code, result.stderr
    assert len(errors) == 1 and errors[0].startswith(f"error: cannot write {db}{where}")
    assert "File too large" in errors[0] and "Traceback" not in result.stderr
    conn = duckdb.connect(str(db), read_only=True)  # still opens
    # the run is recorded as failed, or stays 'running' when even that could not be written
    assert conn.execute("SELECT status FROM crawl_runs").fetchall() in ([("failed",)],
                                                                       [("running",)])
    conn.close()
    summary = crawl(db, "full", client=fast_client(), cards=False)
    assert summary.status == "ok" and summary.resumed and summary.models_seen == 800
    fresh = tmp_path / "fresh.duckdb"
    crawl(fresh, "full", client=fast_client(), cards=False)
    assert_same_tables(db, fresh, snapshots=False)
