"""Families and releases beyond the shipped roots, end to end: a generated Hub served over HTTP
(`serve`), family-crawled with a user's roots file (which the crawl stores), then analysed
without --roots.

- crawler/roots-with-qwen.toml adds Qwen as a third family: report, tree, sql, export, timeline
  and anatomy show it, and only the roots the crawl found.
- A roots file without the DeepSeek-R1 release: deepseek-ai still publishes R1, so the report's
  per-release tables show it as a discovered release, dated by its first model.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from analysis import report
from analysis.db import connect
from crawler.crawl import crawl
from crawler.roots import DEFAULT_ROOTS, Roots, dump_roots, load_roots, parse_roots
from hf_lineage.cli import main
from hub_double.generator import generated_store
from tests.crawl_helpers import fast_client

WITH_QWEN = DEFAULT_ROOTS.with_name("roots-with-qwen.toml")
HUB_MODELS = 1000  # enough background bases for Qwen2, Qwen2.5 and Qwen3 ones


def run(*args: object):
    result = CliRunner().invoke(main, [str(a) for a in args], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert not result.stderr.strip()  # the crawl's own roots: nothing to say
    return result


@pytest.fixture(scope="module")
def hub():
    store = generated_store(HUB_MODELS, seed=11)
    yield store
    store.close()


def family_crawl(serve, store, roots: Path, db: Path) -> Path:
    """A family crawl over HTTP of `store` with the roots file `roots`, stored in `db`."""
    double = serve(store)
    crawl(db, "family", roots_path=roots, client=fast_client(endpoint=double.url))
    return db


def served_ids(store) -> set[str]:
    return {row[0] for row in store.cursor().execute("SELECT id FROM models").fetchall()}


# -- a third family -----------------------------------------------------------------------------

def test_a_third_family_end_to_end(serve, hub, tmp_path):
    config = load_roots(WITH_QWEN)
    db = family_crawl(serve, hub, WITH_QWEN, tmp_path / "hub.duckdb")
    served = served_ids(hub)
    listed_qwen = {m for r in config.releases if r.family == "qwen" for m in r.models}
    found, missing = listed_qwen & served, listed_qwen - served
    assert found and missing  # the generated Hub serves some of the Qwen roots the file lists

    conn = connect(db)
    data = report.collect(conn, str(db))
    members = conn.execute("SELECT model_id, family, families FROM family_members").df()
    roots = set(conn.execute("SELECT model_id FROM family_roots").df()["model_id"])
    conn.close()
    _check_views(members, roots, found, missing)
    _check_report(data, missing, tmp_path)
    _check_commands(db, found, missing, tmp_path)


def _check_views(members, roots: set[str], found: set[str], missing: set[str]) -> None:
    assert found <= roots and not missing & set(members["model_id"])
    qwen = members[members["families"].map(lambda f: "qwen" in list(f))]
    assert (qwen["family"] == "qwen").sum() > 10
    bridges = qwen[qwen["family"] == "bridge"]["model_id"]
    # the R1 distills of Qwen2.5 bases belong to DeepSeek and to Qwen
    assert "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B" in set(bridges)


def _check_report(data: report.ReportData, missing: set[str], tmp_path: Path) -> None:
    assert list(data.labels) == ["llama", "deepseek", "qwen", "bridge"]
    sizes = data.frames["sizes_family"].set_index("family")
    assert sizes.loc["qwen", "models"] > 10
    assert sizes.loc["qwen", "roots_not_found"] == len(missing)
    assert set(data.frames["not_found"]["model_id"]) == missing
    releases = data.frames["sizes_release"]
    qwen = releases[releases["family"] == "qwen"].set_index("release")
    assert {"Qwen2.5", "Qwen3"} <= set(qwen.index)
    assert not qwen.loc["Qwen2.5", "discovered"] and qwen.loc["Qwen2", "discovered"]
    comparison = data.frames["comparison"]
    assert {"LLaMA", "DeepSeek", "Qwen"} <= set(comparison.columns)
    assert set(data.frames["openness"]["family"]) == {"llama", "deepseek", "qwen"}
    page = report.render_html(data)
    assert "<h1>LLaMA, DeepSeek and Qwen derivative ecosystems</h1>" in page
    assert "Qwen models<b>" in page and "Qwen: parent license → child license" in page
    markdown = report.render_markdown(data)
    assert markdown.startswith("# LLaMA, DeepSeek and Qwen derivative ecosystems")
    for model in missing:  # listed once, as not found, and in no other table
        assert page.count(f">{model}<") == 1 and markdown.count(f"| {model} |") == 1


def _check_commands(db: Path, found: set[str], missing: set[str], tmp_path: Path) -> None:
    root = "Qwen/Qwen2.5-Math-7B"
    assert root in found
    tree = run("tree", root, "--db", db, "--depth", "1")
    assert tree.stdout.startswith(root) and "descendants" in tree.stdout
    rows = json.loads(run("sql", "SELECT family, count(*) AS n FROM family_members "
                          "GROUP BY family ORDER BY family", "--db", db,
                          "--format", "json").stdout)
    assert [r["family"] for r in rows] == ["bridge", "deepseek", "llama", "qwen"]
    out = tmp_path / "parquet"
    run("export", "--parquet", out, "--db", db)
    assert (out / "models" / "family=qwen").is_dir()
    exported = set(pq.read_table(out / "family_members").column("model_id").to_pylist())
    assert found <= exported and not missing & exported
    weekly = json.loads(run("timeline", "--db", db, "--view", "weekly", "--format",
                            "json").stdout)
    assert {r["family"] for r in weekly} == {"llama", "deepseek", "qwen"}
    scopes = {r["scope"] for r in json.loads(run("anatomy", "--db", db, "--format",
                                                 "json").stdout)}
    assert scopes == {"whole crawl", "LLaMA", "DeepSeek", "Qwen"}
    adopted = parse_roots(run("roots", "--db", db).stdout, "printed")
    assert adopted.families == {"llama": "LLaMA", "deepseek": "DeepSeek", "qwen": "Qwen"}
    assert "Qwen2" in {r.name for r in adopted.releases}


# -- a release the roots file lacks -------------------------------------------------------------

def without(config: Roots, release: str) -> Roots:
    return Roots(config.families, config.organisations,
                 tuple(r for r in config.releases if r.name != release))


def test_a_release_missing_from_the_roots_file_is_discovered(serve, hub, tmp_path):
    shipped = load_roots()
    r1 = next(r for r in shipped.releases if r.name == "DeepSeek-R1")
    roots_file = tmp_path / "no-r1.toml"
    roots_file.write_text(dump_roots(without(shipped, "DeepSeek-R1")), encoding="utf-8")
    db = family_crawl(serve, hub, roots_file, tmp_path / "hub.duckdb")
    created = dict(hub.cursor().execute(
        "SELECT id, created_at FROM models WHERE id LIKE 'deepseek-ai/DeepSeek-R1%'").fetchall())
    first = min(created.values()).date()
    assert first == r1.released  # the generator publishes R1 on its announcement day

    conn = connect(db)
    data = report.collect(conn, str(db))
    roots = dict(conn.execute("SELECT model_id, release FROM family_roots "
                              "WHERE release = 'DeepSeek-R1'").fetchall())
    conn.close()
    # R1's own repos and the distills of bases outside the families are its roots; the Llama
    # distill descends from Llama 3.1 8B, a LLaMA root, so it is a LLaMA derivative here
    assert {"deepseek-ai/DeepSeek-R1", "deepseek-ai/DeepSeek-R1-Zero",
            "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"} <= set(roots)
    assert "deepseek-ai/DeepSeek-R1-Distill-Llama-8B" not in roots
    frames = data.frames
    for name, started in (("sizes_release", None), ("milestones", "started"),
                          ("aligned_summary", "released"), ("drift_by_release", None),
                          ("downloads_release", None), ("growth_release", None)):
        rows = frames[name][frames[name]["release"] == "DeepSeek-R1"]
        assert len(rows) and rows["discovered"].all(), name
        if started:
            assert {pd.Timestamp(day).date() for day in rows[started]} == {first}, name
    listed = frames["sizes_release"][~frames["sizes_release"]["discovered"]]
    assert "DeepSeek-R1" not in set(listed["release"]) and len(listed) >= 10
    events = frames["events"].set_index("name")
    assert events.loc["DeepSeek-R1", "date"].date() == date(2025, 1, 20)
    assert events.loc["DeepSeek-R1", "note"].startswith("discovered release")
    page = report.render_html(data)
    section = page[page.index(">Root releases<"):]
    row = section[section.index("<td class='text'>DeepSeek-R1</td>"):][:80]
    assert "<td class='num'>True</td>" in row  # the Root releases table marks it
    assert "DeepSeek-R1 (discovered)" in page  # and the charts name it so
