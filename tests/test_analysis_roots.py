"""The roots an analysis follows and what it makes of them: the roots the crawl stored (a --roots
override said in one line), configured roots the crawl lacks counted nowhere, releases
discovered from organisation model names, and `hf-lineage roots` printing a file to adopt."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from analysis import anatomy, export, metrics, openness, releases, report, timeline
from analysis.db import connect
from crawler.roots import DEFAULT_ROOTS, dump_roots, load_roots, parse_roots
from hf_lineage.cli import main
from hf_lineage.errors import ConfigError
from hf_lineage.sample_data import open_text, sample_path
from tests.analysis_fixtures import custom_graph, lineage_graph, tiny_roots

EDGES_SAMPLE = sample_path("lineage-edges-2025-06.csv")
WITH_QWEN = DEFAULT_ROOTS.with_name("roots-with-qwen.toml")


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args], env={"COLUMNS": "250"})


def stderr_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def custom(tmp_path_factory) -> Path:
    """A crawl made with custom_roots(), which it stored (analysis_fixtures.custom_graph)."""
    return custom_graph(tmp_path_factory.mktemp("custom") / "custom.duckdb")


# -- the release stem rule ----------------------------------------------------------------------

@pytest.mark.parametrize(("model_id", "stem"), [
    ("deepseek-ai/DeepSeek-V4-Flash", "DeepSeek-V4"),
    ("deepseek-ai/DeepSeek-V4-Pro", "DeepSeek-V4"),
    ("meta-llama/Llama-3.5-8B-Instruct", "Llama-3.5"),
    ("deepseek-ai/deepseek-coder-v2-lite-instruct", "deepseek-coder-v2"),
    ("deepseek-ai/DeepSeek-R1-0528-Qwen3-8B", "DeepSeek-R1"),
    ("deepseek-ai/DeepSeek-V3-0324", "DeepSeek-V3"), ("deepseek-ai/Janus-Pro-7B", "Janus-Pro"),
    ("deepseek-ai/deepseek-coder-7b-instruct-v1.5", "deepseek-coder-v1.5"),
    ("meta-llama/Llama-4-Scout-17B-16E-Instruct", "Llama-4"),
    ("meta-llama/Llama-3.2-1B-Instruct-QLORA_INT4_EO8", "Llama-3.2"),
    ("meta-llama/CodeLlama-13b-Instruct-hf", "CodeLlama"),
    ("meta-llama/LlamaGuard-7b", "LlamaGuard"),
    ("Qwen/Qwen2.5-Coder-32B-Instruct-GPTQ-Int4", "Qwen2.5"), ("Qwen/Qwen-1_8B-Chat", "Qwen"),
    ("Qwen/Qwen3-235B-A22B", "Qwen3"), ("mistralai/Mixtral-8x22B-v0.1", "Mixtral-v0.1"),
    ("mistralai/Mistral-Small-3.1-24B-Instruct-2503", "Mistral-Small-3.1"),
    ("google/gemma-3-27b-it-qat-q4_0-unquantized", "gemma-3"),
])
def test_stems_of_real_names(model_id, stem):
    assert releases.stem(model_id) == stem


def test_keys_ignore_case_joins_and_the_organisations_own_words():
    assert releases.key("meta-llama/Meta-Llama-3.1-8B-Instruct") == releases.key(
        "meta-llama/Llama-3.1-8B") == "3.1"
    assert releases.key("deepseek-ai/DeepSeek-Coder-V2-Lite-Base") == releases.key(
        "deepseek-ai/deepseek-coder-v2-lite-instruct")
    assert releases.key("Qwen/Qwen-7B") == "qwen"  # nothing but the organisation's word: kept
    assert releases.key("deepseek-ai/DeepSeek-V3") != releases.key("deepseek-ai/DeepSeek-V3.1")


def real_organisation_models(*organisations: str) -> list[str]:
    """Model ids of these organisations in the real edge sample (parents and children)."""
    with open_text(EDGES_SAMPLE) as handle:
        ids = {i for row in csv.DictReader(handle) for i in (row["source"], row["target"])}
    return sorted(i for i in ids if i.split("/")[0] in organisations)


def test_real_organisation_models_find_their_releases():
    config = load_roots(WITH_QWEN)
    models = real_organisation_models("meta-llama", "deepseek-ai", "Qwen")
    assert len(models) > 200
    listed = config.root_models()
    got = {a.model_id: (a.release, a.discovered) for a in releases.assign(
        [(m, config.organisations[m.split("/")[0]], None) for m in models if m not in listed],
        config)}
    # the roots files' own models all carry the key of the release listing them
    for model, release in listed.items():
        assert releases.assign([(model, release.family, None)], config)[0].release == \
            release.name, model
    assert got["meta-llama/Llama-3.2-11B-Vision-Instruct"] == ("Llama 3.2", False)
    assert got["meta-llama/Meta-Llama-3.1-8B-Instruct"] == ("Llama 3.1", False)  # old name
    assert got["deepseek-ai/deepseek-coder-1.3b-instruct"] == ("DeepSeek Coder", False)
    assert got["deepseek-ai/DeepSeek-R1-0528"] == ("DeepSeek-R1", False)
    assert got["Qwen/Qwen2.5-Coder-7B-Instruct"] == ("Qwen2.5", False)
    assert got["meta-llama/CodeLlama-7b-hf"] == got["meta-llama/CodeLlama-13b-hf"] == (
        "CodeLlama", True)
    assert got["meta-llama/Llama-Guard-3-8B"] == ("Llama-Guard-3", True)
    assert got["deepseek-ai/DeepSeek-Coder-V2-Lite-Base"] == ("DeepSeek-Coder-V2", True)
    assert got["Qwen/Qwen2-7B-Instruct"] == got["Qwen/Qwen2-72B"] == ("Qwen2", True)
    discovered = {r for r, d in got.values() if d}
    assert len(discovered) < len([m for m in got if got[m][1]]) / 2  # they group, not scatter


def test_new_releases_group_and_are_dated_by_their_first_model():
    config = tiny_roots()
    found = releases.assign([
        ("deepseek-ai/DeepSeek-V4-Pro", "deepseek", None),
        ("deepseek-ai/DeepSeek-V4-Flash", "deepseek", None),
        ("deepseek-ai/R1-Distill-Qwen", "deepseek", None),
    ], config)
    assert {(a.model_id, a.release, a.discovered) for a in found} == {
        ("deepseek-ai/DeepSeek-V4-Pro", "DeepSeek-V4", True),
        ("deepseek-ai/DeepSeek-V4-Flash", "DeepSeek-V4", True),
        ("deepseek-ai/R1-Distill-Qwen", "DeepSeek-R1", False),  # tiny_roots' R1 stem
    }


# -- which roots: the crawl's own, an override, the shipped file --------------------------------

def test_analysis_follows_the_roots_the_crawl_stored(custom):
    conn = connect(custom)
    families = conn.execute("SELECT family, label FROM lineage_families").fetchall()
    sizes = metrics.sizes(conn, "family")
    conn.close()
    assert families == [("mine", "Mine")]
    assert sizes["family"].tolist() == ["mine"]  # no LLaMA, though Llama-2-7b-hf is crawled
    result = run("sql", "SELECT DISTINCT family FROM family_members", "--db", custom,
                 "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout) == [{"family": "mine"}]
    assert stderr_lines(result) == []  # the crawl's own roots: nothing to say


@pytest.mark.parametrize("command", [
    ["tree", "mine-org/base-7b"], ["sql", "SELECT 1"], ["timeline"], ["anatomy"], ["roots"],
])
def test_roots_override_is_said_in_one_line(custom, command, tmp_path):
    result = run(*command, "--db", custom, "--roots", DEFAULT_ROOTS)
    assert result.exit_code == 0, result.output
    assert stderr_lines(result) == [f"roots: {DEFAULT_ROOTS} (--roots), instead of the roots "
                                    "the database was crawled with"]


def test_report_and_export_with_an_override(custom, tmp_path):
    result = run("report", "--db", custom, "--out", tmp_path / "r", "--roots", DEFAULT_ROOTS)
    assert result.exit_code == 0 and len(stderr_lines(result)) == 1
    page = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "<h1>LLaMA and DeepSeek derivative ecosystems</h1>" in page
    assert f"families and releases from {DEFAULT_ROOTS}" in page
    result = run("export", "--parquet", tmp_path / "p", "--db", custom, "--roots", DEFAULT_ROOTS)
    assert result.exit_code == 0 and len(stderr_lines(result)) == 1
    assert (tmp_path / "p" / "models" / "family=llama").is_dir()


def test_a_database_without_stored_roots_falls_back_and_says_so(tmp_path):
    db = lineage_graph(tmp_path / "old.duckdb")  # no meta 'roots': crawled before they were kept
    result = run("sql", "SELECT DISTINCT family FROM lineage_families ORDER BY 1", "--db", db,
                 "--format", "csv")
    assert result.exit_code == 0
    assert [row[0] for row in csv.reader(io.StringIO(result.stdout))] == [
        "family", "deepseek", "llama"]
    assert stderr_lines(result) == [f"roots: {DEFAULT_ROOTS} (the shipped file: the database "
                                    "stores no 'roots', it was crawled before roots were stored)"]
    with pytest.warns(UserWarning, match="crawled before roots were stored"):
        connect(db).close()


def test_a_bad_roots_file_is_one_line(custom, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[families.bridge]\nlabel = "B"\n', encoding="utf-8")
    result = run("report", "--db", custom, "--roots", bad, "--out", tmp_path / "r")
    assert result.exit_code == ConfigError.exit_code
    assert stderr_lines(result) == [f"error: roots file {bad}: 'bridge' cannot name a family "
                                    "(the analysis calls a model reaching several families a "
                                    "'bridge')"]


# -- roots the crawl did not find ---------------------------------------------------------------

def test_roots_not_found_are_listed_and_counted_nowhere(custom, tmp_path):
    conn = connect(custom)
    missing = conn.execute("SELECT family, release, model_id, kind FROM roots_not_found "
                           "ORDER BY model_id").fetchall()
    members = {r[0] for r in conn.execute("SELECT model_id FROM family_members").fetchall()}
    release_rows = metrics.sizes(conn, "release").set_index("release")
    family_row = metrics.sizes(conn, "family").set_index("family").loc["mine"]
    events = set(timeline.events(conn)["name"])
    edges = anatomy.anatomy(conn).set_index(["scope", "key"]).loc[("Mine", "edges"), "value"]
    opened = openness.summary(conn, "family").set_index("family").loc["mine", "models"]
    data = report.collect(conn)
    written = export.export_parquet(conn, tmp_path / "parquet")
    conn.close()
    assert missing == [("mine", None, "ghost-org", "organisation"),
                       ("mine", "R2", "gone/root", "release model"),
                       ("mine", "R1", "mine-org/missing-7b", "release model")]
    # gone/root's child and grandchild have no root in the crawl: no family's models
    assert members == {"mine-org/base-7b", "x/child", "mine-org/Tool-2-1B",
                       "mine-org/Tool-2-8B-Instruct"}
    assert "R2" not in release_rows.index and "R2" not in events
    assert release_rows.loc["R1", ["models", "roots", "roots_not_found"]].tolist() == [2, 1, 1]
    assert family_row[["models", "roots_not_found", "descendants"]].tolist() == [4, 3, 1]
    assert edges == 1 and opened == 4  # x/child -> base only; y/orphan -> gone/root is no edge
    assert set(data.frames["not_found"]["model_id"]) == {"ghost-org", "gone/root",
                                                         "mine-org/missing-7b"}
    assert written["family_members"] == 4 and written["roots_not_found"] == 3


# -- discovered releases ------------------------------------------------------------------------

def test_discovered_releases_in_the_views_and_per_release_tables(custom):
    conn = connect(custom)
    dates = conn.execute("SELECT release, released, discovered FROM lineage_release_dates "
                         "ORDER BY released").fetchall()
    membership = conn.execute("SELECT DISTINCT release, discovered FROM release_membership "
                              "ORDER BY release").fetchall()
    growth = metrics.growth(conn, "release")
    conn.close()
    # Tool-2-1B (created 2024-03-03) and Tool-2-8B-Instruct make one release, "Tool-2"
    assert dates == [("R1", date(2024, 3, 1), False), ("Tool-2", date(2024, 3, 3), True)]
    assert membership == [("R1", False), ("Tool-2", True)]
    assert list(growth.columns[:3]) == ["family", "release", "discovered"]


def test_roots_command_prints_a_roots_file_to_adopt(custom, tmp_path):
    result = run("roots", "--db", custom)
    assert result.exit_code == 0, result.output
    adopted = parse_roots(result.stdout, "printed")
    assert adopted.families == {"mine": "Mine"}
    assert adopted.organisations == {"mine-org": "mine", "ghost-org": "mine"}
    by_name = {r.name: r for r in adopted.releases}
    assert by_name["Tool-2"].models == ("mine-org/Tool-2-1B", "mine-org/Tool-2-8B-Instruct")
    assert by_name["Tool-2"].released == date(2024, 3, 3)
    assert by_name["R2"].models == ("gone/root",)  # configured: kept, marked as not found
    assert "# discovered: 2 roots of an organisation, the first created 2024-03-03" in \
        result.stdout
    assert '"gone/root",  # not found in this crawl' in result.stdout
    out = tmp_path / "adopt.toml"
    assert run("roots", "--db", custom, "--out", out).exit_code == 0
    again = run("roots", "--db", custom, "--roots", out)  # the adopted file: the same answer
    assert parse_roots(again.stdout, "again").releases == adopted.releases


def test_dump_roots_round_trips():
    for config in (load_roots(), load_roots(WITH_QWEN), tiny_roots()):
        text = dump_roots(config, "a header\nover two lines",
                          {"Llama 2": "a note", "meta-llama/L2": 'with "quotes" # and a hash'})
        back = parse_roots(text, "dumped")
        assert (back.families, back.organisations, back.releases) == (
            config.families, config.organisations, config.releases)
    odd = parse_roots('[families."my family"]\nlabel = "Tab\\there \\"quoted\\""\n', "odd")
    assert parse_roots(dump_roots(odd), "again").families == odd.families


def test_reserved_family_key_is_refused():
    with pytest.raises(ConfigError, match="'bridge' cannot name a family"):
        parse_roots('[families.bridge]\nlabel = "B"\n', "mine.toml")


def test_config_tables_keep_the_roots_files_order(custom):
    conn = connect(custom, load_roots(WITH_QWEN))
    order = [r[0] for r in conn.execute("SELECT family FROM lineage_families ORDER BY position"
                                        ).fetchall()]
    conn.close()
    assert order == ["llama", "deepseek", "qwen"]

