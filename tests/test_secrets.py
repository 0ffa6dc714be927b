"""HF_TOKEN reaches the endpoint as a header and nowhere else: not URLs, the database, the
output, the report or exported files."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.test_crawler_basics import messy_family

TOKEN = "hf_TESTtokenNEVERstoreME1234567890"


def test_token_is_sent_as_a_header_only_and_stored_nowhere(serve, tmp_path):
    double = serve(messy_family(), expected_token=TOKEN)
    db = tmp_path / "hub.duckdb"
    env = {**os.environ, "HF_TOKEN": TOKEN, "HF_HOME": str(tmp_path / "hf-home")}
    result = subprocess.run(
        [sys.executable, "-m", "hf_lineage", "crawl", "--db", str(db),
         "--endpoint", double.url, "--api-budget", "100000", "--resolver-budget", "100000"],
        env=env, capture_output=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode()
    for command in (["report", "--out", str(tmp_path / "report")],
                    ["export", "--parquet", str(tmp_path / "export")]):
        exported = subprocess.run([sys.executable, "-m", "hf_lineage", *command, "--db", str(db)],
                                  env=env, capture_output=True, timeout=120)
        assert exported.returncode == 0, exported.stderr.decode()
        result.stdout += exported.stdout + exported.stderr
    assert double.log.total() > 10
    assert all(entry.authorized for entry in double.log.entries)
    assert double.token_leaks == []
    assert all(TOKEN not in entry.query for entry in double.log.entries)
    output = result.stdout + result.stderr
    assert TOKEN.encode() not in output
    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert db in written and len(written) > 10  # the database, the report, the Parquet files
    for path in written:
        assert TOKEN.encode() not in path.read_bytes(), f"token found in {path}"
    # with a token, the gated root's card answers 403 (not 401), stored as gated
    gated = [e for e in double.log.entries if e.kind == "resolve" and "meta-llama" in e.path]
    assert [e.status for e in gated] == [403]
