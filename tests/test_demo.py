"""The embedded default job: generate, serve, crawl over HTTP, report; then the timeline and the
Anatomy table on that database, as a user of `hf-lineage demo` would run them."""

from __future__ import annotations

import json

import duckdb
from click.testing import CliRunner

from hf_lineage.cli import main
from hf_lineage.demo import run_demo


def test_demo_leaves_a_database_with_both_families_and_a_report(tmp_path):
    result = run_demo(tmp_path / "demo.duckdb", tmp_path / "report", n_models=2000, seed=5)
    assert result.summary.status == "ok" and result.hub_models == 2000
    conn = duckdb.connect(str(result.db_path), read_only=True)
    authors = {r[0] for r in conn.execute("SELECT DISTINCT author FROM models").fetchall()}
    assert {"meta-llama", "deepseek-ai"} <= authors
    assert conn.execute("SELECT count(*) FROM edges").fetchone()[0] > 100
    assert conn.execute("SELECT count(*) FROM inferred_edges").fetchone()[0] > 10  # --infer
    conn.close()
    html = result.report[0].read_text()
    assert "DeepSeek" in html and "LLaMA" in html and "<svg" in html
    assert "Anatomy of the lineages" in html and "Releases aligned on release day" in html
    assert "Documented and inferred lineage" in html
    said = "a generated Hub (synthetic), seed 5, 2,000 models, not the real Hub"
    assert said in html and said in result.report[1].read_text()  # and inside every chart
    assert html.count(said) == 1 + html.count("<svg")

    def run(*args):
        return CliRunner().invoke(main, [*map(str, args), "--db", str(result.db_path)],
                                  env={"COLUMNS": "250"})

    windows = json.loads(run("timeline", "--format", "json").stdout)
    r1 = {(r["window"]): r for r in windows if r["event"] == "DeepSeek-R1"}
    assert r1[90]["after"] > r1[90]["before"] >= 0  # the generated R1 wave follows its release
    curves = run("timeline", "--view", "aligned", "--release", "DeepSeek-R1", "--release",
                 "Llama 2")
    assert curves.exit_code == 0 and "by day 90" in curves.stdout
    table = run("anatomy")
    assert table.exit_code == 0 and "crawl scope: family" in table.stdout
    rows = {(r["key"], r["scope"]): r for r in json.loads(run("anatomy", "--format",
                                                              "json").stdout)}
    for family in ("LLaMA", "DeepSeek"):
        assert rows[("edges", family)]["value"] > 0
        assert 0 < rows[("license_changed", family)]["value"] < 1
    assert rows[("has_card", "whole crawl")]["value"] is None  # a family crawl
