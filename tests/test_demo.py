"""The embedded default job: generate, serve, crawl over HTTP, report."""

from __future__ import annotations

import duckdb

from hf_lineage.demo import run_demo


def test_demo_leaves_a_database_with_both_families_and_a_report(tmp_path):
    result = run_demo(tmp_path / "demo.duckdb", tmp_path / "report", n_models=2000, seed=5)
    assert result.summary.status == "ok" and result.hub_models == 2000
    conn = duckdb.connect(str(result.db_path), read_only=True)
    authors = {r[0] for r in conn.execute("SELECT DISTINCT author FROM models").fetchall()}
    assert {"meta-llama", "deepseek-ai"} <= authors
    assert conn.execute("SELECT count(*) FROM edges").fetchone()[0] > 100
    html = result.report[0].read_text()
    assert "DeepSeek" in html and "LLaMA" in html and "<svg" in html
