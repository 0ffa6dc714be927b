"""Commands never destroy what they did not create.

`--out` never overwrites the database, its write-ahead log or any DuckDB file (also through a
symlink); `export --parquet` writes only into a folder it owns and deletes only files an
earlier export wrote there.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from analysis.export_folder import MARKER
from hf_lineage.cli import main
from hf_lineage.errors import ConfigError
from tests.analysis_fixtures import create_db

QUERY = "SELECT id FROM models ORDER BY id LIMIT 3"


@pytest.fixture(scope="module")
def db(hostile_hub_db) -> Path:
    return hostile_hub_db  # read only (the tests check it stays byte for byte the same)


def count(db: Path, table: str) -> int:
    conn = duckdb.connect(str(db), read_only=True)
    rows = conn.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    conn.close()
    return rows


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_refused(result, fragment: str) -> None:
    assert result.exit_code == ConfigError.exit_code, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and fragment in lines[0], result.stderr


@pytest.fixture()
def other_db(tmp_path) -> Path:
    """Another DuckDB database, not the one being read, under an innocent name."""
    path = tmp_path / "results.csv"
    conn = create_db(path)
    conn.execute("INSERT INTO meta VALUES ('precious', 'yes')")
    conn.close()
    return path


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "parquet"])
def test_sql_out_never_overwrites_a_database(db, tmp_path, other_db, fmt):
    link = tmp_path / "link.out"
    link.symlink_to(db)
    before, other_before = digest(db), digest(other_db)
    for target, fragment in ((db, "is the database being read"),
                             (link, "is the database being read"),
                             (other_db, "is a DuckDB database")):
        assert_refused(run("sql", QUERY, "--db", db, "--format", fmt, "--out", target), fragment)
    assert_refused(run("sql", QUERY, "--db", db, "--format", fmt, "--out", f"{db}.wal"),
                   "is the database being read")
    assert not Path(f"{db}.wal").exists()
    assert digest(db) == before and digest(other_db) == other_before


def test_sql_out_writes_over_an_ordinary_file(db, tmp_path):
    out = tmp_path / "ids.csv"
    out.write_text("an older, longer result that must not survive\n" * 50, encoding="utf-8")
    assert run("sql", QUERY, "--db", db, "--format", "csv", "--out", out).exit_code == 0
    assert out.read_text(encoding="utf-8").splitlines()[0] == "id"
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4


def test_report_never_writes_through_a_symlink_onto_the_database(db, tmp_path):
    out = tmp_path / "report"
    out.mkdir()
    (out / "report.html").symlink_to(db)
    before = digest(db)
    assert_refused(run("report", "--db", db, "--out", out), "is the database being read")
    assert digest(db) == before


# -- export ------------------------------------------------------------------------------------
def exported_rows(folder: Path, dataset: str) -> int:
    conn = duckdb.connect()
    pattern = str(folder / dataset / "**" / "*.parquet")
    rows = conn.execute("SELECT count(*) FROM read_parquet(?, hive_partitioning = true)",
                        [pattern]).fetchall()[0][0]
    conn.close()
    return rows


def parquet_files(folder: Path) -> set[Path]:
    return set(folder.rglob("*.parquet"))


def test_export_refuses_a_folder_it_does_not_own(db, tmp_path):
    """`export --parquet .` in a project with a models/ folder used to wipe it."""
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "models" / "train.py").write_text("print('mine')\n", encoding="utf-8")
    result = run("export", "--parquet", project, "--db", db)
    assert_refused(result, "not empty and holds no hf-lineage export")
    assert (project / "models" / "train.py").read_text(encoding="utf-8") == "print('mine')\n"
    assert sorted(p.name for p in project.rglob("*")) == ["models", "train.py"]


def test_export_replaces_only_its_own_files(db, tmp_path):
    out = tmp_path / "export"
    assert run("export", "--parquet", out, "--db", db).exit_code == 0
    first = parquet_files(out)
    models = exported_rows(out, "models")
    assert models == count(db, "models") and (out / MARKER).is_file()
    # a user's notes beside and inside the export, and a file the marker must not be trusted on
    (out / "README.txt").write_text("notes\n", encoding="utf-8")
    (out / "models" / "mine.parquet").write_bytes((next(iter(first))).read_bytes())
    victim = tmp_path / "victim.parquet"
    victim.write_bytes(b"PAR1 not ours")
    marker = json.loads((out / MARKER).read_text(encoding="utf-8"))
    marker["files"] += ["../victim.parquet", "README.txt", "/etc/hostname"]
    (out / MARKER).write_text(json.dumps(marker), encoding="utf-8")

    assert run("export", "--parquet", out, "--db", db).exit_code == 0
    second = parquet_files(out)
    assert not first & second  # every file of the first export is gone …
    assert (out / "models" / "mine.parquet").is_file()  # … but nothing else
    assert (out / "README.txt").read_text(encoding="utf-8") == "notes\n"
    assert victim.read_bytes() == b"PAR1 not ours"
    listed = set(json.loads((out / MARKER).read_text(encoding="utf-8"))["files"])
    assert {str(p.relative_to(out)) for p in second} - listed == {"models/mine.parquet"}


def test_export_rows_are_not_doubled_by_a_rerun(db, tmp_path):
    out = tmp_path / "export"
    for _ in range(2):
        assert run("export", "--parquet", out, "--db", db).exit_code == 0
    assert exported_rows(out, "models") == count(db, "models")
    assert exported_rows(out, "model_tags") == count(db, "model_tags")


def test_export_into_an_empty_folder_and_not_onto_a_file(db, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run("export", "--parquet", empty, "--db", db).exit_code == 0
    assert exported_rows(empty, "models") == count(db, "models")
    a_file = tmp_path / "file"
    a_file.write_text("x", encoding="utf-8")
    onto_file = run("export", "--parquet", a_file, "--db", db)  # click refuses it as usage
    assert onto_file.exit_code == ConfigError.exit_code and "is a file" in onto_file.stderr
    assert a_file.read_text(encoding="utf-8") == "x"


def test_export_refuses_an_unreadable_marker(db, tmp_path):
    out = tmp_path / "export"
    out.mkdir()
    (out / MARKER).write_text("{not json", encoding="utf-8")
    (out / "keep.txt").write_text("keep", encoding="utf-8")
    assert_refused(run("export", "--parquet", out, "--db", db), "not a readable")
    assert sorted(os.listdir(out)) == sorted([MARKER, "keep.txt"])
