"""hf-lineage tree, sql, report and export: outputs, read-only guarantees, one-line errors."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from analysis.db import connect
from analysis.tree import family_tree
from hf_lineage.cli import main
from hf_lineage.errors import AnalysisError, ConfigError, StorageError


@pytest.fixture(scope="module")
def db(hostile_hub_db) -> Path:
    return hostile_hub_db


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], env={"COLUMNS": "250"})


def assert_one_line_error(result, fragment: str, code: int = AnalysisError.exit_code) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and fragment in lines[0], result.stderr


def test_tree_shows_counts_relations_licenses(db):
    result = run("tree", "meta-llama/Llama-3.1-8B", "--db", db, "--depth", "2")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.splitlines()[0].startswith("meta-llama/Llama-3.1-8B")
    assert "descendants" in out and "generations deep" in out
    assert "[finetune]" in out or "[quantized]" in out
    conn = connect(db)
    family = family_tree(conn, "meta-llama/Llama-3.1-8B", 2)
    total = conn.execute("SELECT count(*) FROM descendants('meta-llama/Llama-3.1-8B')"
                         ).fetchall()[0][0]
    conn.close()
    assert f"{total:,} descendants," in out and family.descendants == total


def test_tree_counts_add_up(db):
    conn = connect(db)
    family = family_tree(conn, "huggyllama/llama-7b", 3)
    conn.close()
    assert family.nodes[0].descendants == family.descendants
    children: dict[str, int] = {}
    for node in family.nodes[1:]:
        children[node.parent] = children.get(node.parent, 0) + node.descendants + 1
    inner = [node for node in family.nodes if node.depth < 3]  # their children are all shown
    assert len(inner) > 1
    for node in inner:
        assert children.get(node.model_id, 0) == node.descendants


def test_tree_errors(db, tmp_path):
    assert_one_line_error(run("tree", "nobody/nothing", "--db", db), "unknown model")
    assert_one_line_error(run("tree", "x/y", "--db", tmp_path / "none.duckdb"),
                          "database not found", StorageError.exit_code)


def test_sql_table_csv_json_parquet(db, tmp_path):
    query = "SELECT family, count(*) AS n FROM family_members GROUP BY family ORDER BY family"
    table = run("sql", query, "--db", db)
    assert table.exit_code == 0 and "deepseek" in table.stdout and "3 rows" in table.stdout
    csv = run("sql", query, "--db", db, "--format", "csv")
    assert csv.stdout.splitlines()[0] == "family,n"
    rows = json.loads(run("sql", query, "--db", db, "--format", "json").stdout)
    assert [r["family"] for r in rows] == ["bridge", "deepseek", "llama"]
    out = tmp_path / "result.parquet"
    assert run("sql", query, "--db", db, "--format", "parquet", "--out", out).exit_code == 0
    assert pq.read_table(out).num_rows == 3
    assert_one_line_error(run("sql", query, "--db", db, "--format", "parquet"), "--out",
                          ConfigError.exit_code)


def test_sql_user_values_stay_data(db):
    hostile = "x'); DROP TABLE models; --"
    quoted = hostile.replace("'", "''")
    result = run("sql", f"SELECT count(*) AS n FROM models WHERE id = '{quoted}'",
                 "--db", db, "--format", "json")
    assert json.loads(result.stdout) == [{"n": 0}]
    assert_one_line_error(run("tree", hostile, "--db", db), "unknown model")


def test_sql_refuses_writes_and_changes_nothing(db):
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    for statement in ("DROP TABLE models", "DELETE FROM edges", "UPDATE models SET likes = 0",
                      "CREATE TABLE x AS SELECT 1", "ATTACH 'other.duckdb'",
                      "COPY models TO 'models.csv'", "SELECT 1; DROP TABLE models"):
        result = run("sql", statement, "--db", db)
        assert result.exit_code == AnalysisError.exit_code, statement
        assert "Traceback" not in result.output, statement
    assert_one_line_error(run("sql", "DROP TABLE models", "--db", db), "refused: DROP")
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    count = run("sql", "SELECT count(*) AS n FROM models", "--db", db, "--format", "json")
    assert json.loads(count.stdout)[0]["n"] > 0


def test_sql_bad_query_is_one_line_with_duckdbs_hints(db):
    """The error in one line, then what DuckDB says to fix it: the query's LINE with a caret
    under the fault, the candidate bindings, the name it may have meant."""
    syntax = run("sql", "SELECT 1 +", "--db", db)
    assert syntax.exit_code == AnalysisError.exit_code and "Traceback" not in syntax.output
    first, line, caret = syntax.stderr.splitlines()
    assert first.startswith("error: Parser Error: syntax error")
    assert line == "LINE 1: SELECT 1 +" and caret.index("^") == line.index("+")
    column = run("sql", "SELECT idd FROM models", "--db", db)
    assert column.stderr.splitlines()[0].startswith("error: Binder Error")
    assert re.search(r'^Candidate bindings: .*"id"', column.stderr, re.MULTILINE)
    table = run("sql", "SELECT * FROM modelz", "--db", db)
    assert 'Did you mean "models"' in table.stderr
    assert_one_line_error(run("sql", "DROP TABLE models", "--db", db), "refused: DROP")


def test_tree_suggests_the_nearest_stored_ids(db):
    """The same id in another case first, else the closest spellings; nothing when none is
    close."""
    case = run("tree", "META-LLAMA/llama-3.1-8b", "--db", db)
    assert_one_line_error(case, "did you mean meta-llama/Llama-3.1-8B?")
    typo = run("tree", "meta-llama/Lama-3.1-8B", "--db", db)
    assert_one_line_error(typo, "did you mean meta-llama/Llama-3.1-8B or ")
    assert_one_line_error(run("tree", "nobody/nothing", "--db", db), "unknown model")
    assert "did you mean" not in run("tree", "nobody/nothing", "--db", db).stderr


def test_report_and_export_print_what_they_wrote(db, tmp_path):
    result = run("report", "--db", db, "--out", tmp_path / "report")
    assert result.exit_code == 0, result.output
    paths = [Path(line) for line in result.stdout.splitlines()]
    assert [p.name for p in paths] == ["report.html", "summary.md"]
    assert all(p.is_file() for p in paths)
    result = run("export", "--parquet", tmp_path / "parquet", "--db", db)
    assert result.exit_code == 0, result.output
    assert "models" in result.stdout and (tmp_path / "parquet" / "models").is_dir()
    assert_one_line_error(run("report", "--db", tmp_path / "missing.duckdb"),
                          "database not found", StorageError.exit_code)


def test_timeline_views_and_formats(db, tmp_path):
    table = run("timeline", "--db", db)
    assert table.exit_code == 0, table.output
    assert "Llama 3.1" in table.stdout and "-30d" in table.stdout and "+90d" in table.stdout
    rows = json.loads(run("timeline", "--db", db, "--format", "json", "--window", "7").stdout)
    assert {r["window"] for r in rows} == {7}
    assert {"event", "date", "family", "before", "after", "complete"} <= set(rows[0])
    curves = run("timeline", "--db", db, "--view", "aligned", "--release", "DeepSeek-R1",
                 "--release", "Llama 2", "--days", "30", "--format", "csv")
    lines = curves.stdout.splitlines()
    assert lines[0].startswith("release,discovered,family,released,day,new_derivatives,cumulative")
    assert len(lines) == 1 + 2 * 31
    chart = tmp_path / "aligned.svg"
    summary = run("timeline", "--db", db, "--view", "aligned", "--release", "Llama 2",
                  "--chart", chart)
    assert summary.exit_code == 0 and "by day 90" in summary.stdout
    assert chart.read_text().startswith("<svg")
    weekly = run("timeline", "--db", db, "--view", "weekly", "--level", "release",
                 "--format", "csv")
    assert weekly.stdout.splitlines()[0] == (
        "family,release,discovered,period_start,new_derivatives,cumulative")


def test_timeline_table_is_readable_at_80_columns(db):
    """Every line fits, and no date or count is cut (event names wrap instead)."""
    narrow = CliRunner().invoke(main, ["timeline", "--db", str(db)], env={"COLUMNS": "80"})
    assert narrow.exit_code == 0, narrow.output
    lines = narrow.stdout.splitlines()
    assert max(map(len, lines)) <= 80 and "…" not in narrow.stdout
    rows = json.loads(run("timeline", "--db", db, "--format", "json", "--window", "90").stdout)
    shown = {(line.split()[-8], line.split()[-1]) for line in lines
             if re.search(r"\d{4}-\d\d-\d\d", line)}
    assert {(r["date"][:10], str(r["after"])) for r in rows} <= shown  # date, +90d: whole
    aligned = CliRunner().invoke(main, ["timeline", "--db", str(db), "--view", "aligned"],
                                 env={"COLUMNS": "80"})
    assert max(map(len, aligned.stdout.splitlines())) <= 80 and "…" not in aligned.stdout
    assert re.search(r"by day +by day +by day", aligned.stdout)  # the headers wrapped


def test_infer_evaluate_prints_percentages(generated_db, tmp_path):
    db = tmp_path / "hub.duckdb"
    shutil.copy(generated_db(2000, seed=2000), db)  # evaluation opens it as a crawl would
    table = run("infer", "--evaluate", "--db", db)
    assert table.exit_code == 0, table.output
    rows = [line for line in table.stdout.splitlines() if "confidence >=" in line]
    assert rows and all(re.search(r"\d+\.\d% +\d+\.\d%$", line.strip()) for line in rows)
    assert not re.search(r"\d\.\d{5,}", table.stdout)
    as_csv = csv.DictReader(io.StringIO(run("infer", "--evaluate", "--db", db, "--format",
                                            "csv").stdout))
    assert 0 < float(next(as_csv)["precision"]) <= 1  # data formats keep the share


def test_timeline_user_events_and_errors(db, tmp_path):
    mine = tmp_path / "mine.toml"
    mine.write_text('[[events]]\nname = "Paper"\ndate = 2024-08-01\nfamily = "llama"\n')
    rows = json.loads(run("timeline", "--db", db, "--view", "events", "--events", mine,
                          "--format", "json").stdout)
    assert {"Paper", "Alpaca", "Llama 3.1"} <= {r["name"] for r in rows}
    bad = tmp_path / "bad.toml"
    bad.write_text('[[events]]\nname = "Paper"\ndate = "2024-08-32"\n')
    assert_one_line_error(run("timeline", "--db", db, "--events", bad),
                          "entry 1 ('Paper'): date '2024-08-32' is not a date",
                          ConfigError.exit_code)
    assert_one_line_error(run("timeline", "--db", db, "--view", "aligned", "--release", "L9"),
                          "unknown release 'L9'")


def test_anatomy_table_and_formats(db):
    table = run("anatomy", "--db", db)
    assert table.exit_code == 0, table.output
    assert "573,653" in table.stdout and "whole crawl" in table.stdout
    assert "Laufer, Oderinwale & Kleinberg" in table.stdout
    # a full crawl measures every statistic (the family-crawl note: test_analysis_anatomy)
    assert "crawl scope: full" in table.stdout and "cannot be measured" not in table.stdout
    rows = json.loads(run("anatomy", "--db", db, "--format", "json").stdout)
    scopes = {r["scope"] for r in rows}
    assert scopes == {"whole crawl", "LLaMA", "DeepSeek"}
    changed = [r for r in rows if r["key"] == "license_changed"]
    assert all(r["published"] == 0.198 for r in changed) and changed[0]["value"] is not None
    header = run("anatomy", "--db", db, "--format", "csv").stdout.splitlines()[0]
    assert header.startswith("statistic,key,scope,family,value,unit,basis")
