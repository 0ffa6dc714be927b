"""The embedded default job, as `make demo` runs it (a 20,000-model generated Hub, seed 0):
generate, serve, crawl over HTTP, report; then the timeline and the Anatomy table on that
database, as a user of `hf-lineage demo` would run them; the anatomy of its lineages against
the published anatomy of the real Hub; and the LLaMA-1 wave, seen only through inference.
One demo run serves every test here (it is the suite's largest fixture)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from analysis.db import connect
from crawler.roots import load_roots
from hf_lineage.cli import main
from hf_lineage.demo import DemoResult, run_demo
from hub_double.generator import generated_store
from hub_double.generator.llama1 import CONVERSIONS
from tests.test_generator_calibration import (
    DEMO_MODELS,
    DEMO_SEED,
    HUB_WIDE,
    LINEAGE_RATIOS,
    _outside,
    _whole_crawl,
)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    out = tmp_path_factory.mktemp("demo")
    return run_demo(out / "demo.duckdb", out / "report", DEMO_MODELS, DEMO_SEED)


@pytest.fixture(scope="module")
def demo(run: DemoResult) -> Path:
    return run.db_path


def test_demo_leaves_a_database_with_both_families_and_a_report(run):
    result = run
    assert result.summary.status == "ok" and result.hub_models == DEMO_MODELS
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
    said = (f"a generated Hub (synthetic), seed {DEMO_SEED}, {DEMO_MODELS:,} models, not the "
            "real Hub")
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


def test_the_demo_lineages_have_the_anatomy_of_the_real_hub(demo: Path) -> None:
    values = _whole_crawl(demo)
    assert _outside(values, LINEAGE_RATIOS) == {}
    assert all(values[key].value is None for key in HUB_WIDE)  # a family crawl cannot tell



def test_no_llama_derivative_before_the_weights_leaked(demo: Path) -> None:
    """LLaMA was research-only until its weights leaked on 2023-03-03 (shared/ROOTS.md): the
    derivatives begin after that, within days (Alpaca 03-13, Vicuna 03-19 ...). The spring-2023
    wave declares no parent (base_model came late that year: undocumented.py), so the family
    crawl dates only the documented ones; the wave's days are read in the Hub's ground truth,
    from the leaked weights' conversions (decapoda-research, 03-07) down."""
    with connect(demo) as conn:
        first, crawled = conn.execute("""
            SELECT min(m.created_at), count(*) FROM model_roots r JOIN models m ON m.id = r.model_id
            WHERE r.release = 'LLaMA 1' AND r.depth > 0""").fetchone()
    assert crawled > 0 and first.date().isoformat() >= "2023-03-03"
    llama1 = [m for r in load_roots().releases if r.name == "LLaMA 1" for m in r.models]
    store = generated_store(DEMO_MODELS, DEMO_SEED)
    try:
        first, in_march = store.cursor().execute("""
            SELECT min(m.created_at), count(*) FILTER (m.created_at < DATE '2023-04-01')
            FROM truth_models t JOIN models m USING (id)
            WHERE len(list_intersect(t.full_roots, ?)) > 0 AND NOT list_contains(?, t.id)""",
            [[*llama1, *CONVERSIONS], llama1]).fetchone()
    finally:
        store.close()
    assert first.date().isoformat() >= "2023-03-03"
    assert in_march >= 5


def test_the_llama_1_wave_shows_only_through_inference(demo: Path) -> None:
    """The spring-2023 wave declares no parent: with inference its cards' prose attributes it
    to LLaMA 1, in family_members and on the timeline."""
    with connect(demo) as documented:
        before = documented.execute("SELECT count(*) FROM release_membership WHERE release = "
                                    "'LLaMA 1' AND depth > 0").fetchone()[0]
    with connect(demo, inferred=0.5) as inferred:
        after, attributed = inferred.execute("""
            SELECT count(*), count(*) FILTER (m.model_id IN (SELECT child FROM inferred_releases))
            FROM release_membership m WHERE m.release = 'LLaMA 1' AND m.depth > 0""").fetchone()
        wave = inferred.execute("""
            SELECT count(*) FROM release_membership m JOIN models d ON d.id = m.model_id
            WHERE m.release = 'LLaMA 1' AND m.depth > 0
              AND d.created_at < TIMESTAMP '2023-07-18'""").fetchone()[0]
    assert after >= 2 * before and attributed > 0 and wave > 0
    shown = CliRunner().invoke(main, ["timeline", "--db", str(demo), "--inferred", "--view",
                                      "aligned", "--release", "LLaMA 1", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    curve = [r for r in json.loads(shown.stdout) if r["release"] == "LLaMA 1"]
    assert max(r["cumulative"] for r in curve) > 0
