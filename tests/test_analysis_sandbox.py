"""hf-lineage sql is sandboxed: it reads the database and nothing else.

No host file is read, listed or written, no extension is installed or loaded, no setting is
changed (so nothing profiles or logs to a file), whatever the query; each refusal is one line
with exit code 6. Notebooks keep an ordinary read-only connection.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from analysis.db import connect
from hf_lineage.cli import main
from hf_lineage.errors import AnalysisError

SECRET = "hf-lineage-sandbox-secret-5b0e"


@pytest.fixture(scope="module")
def db(hostile_hub_db) -> Path:
    return hostile_hub_db  # read only


@pytest.fixture()
def host(tmp_path) -> Path:
    """A folder of host files a query must not reach: text, CSV, JSON and Parquet."""
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    (tmp_path / "secret.csv").write_text(f"word\n{SECRET}\n", encoding="utf-8")
    (tmp_path / "secret.json").write_text(f'{{"word": "{SECRET}"}}', encoding="utf-8")
    conn = duckdb.connect()
    conn.execute(f"COPY (SELECT '{SECRET}' AS word) TO '{tmp_path / 'secret.parquet'}'")
    conn.close()
    return tmp_path


def sql(db: Path, query: str, *options: str):
    return CliRunner().invoke(main, ["sql", query, "--db", str(db), "--format", "csv", *options])


def assert_refused(result, fragment: str = "") -> None:
    assert result.exit_code == AnalysisError.exit_code, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert fragment in lines[0], lines[0]
    assert SECRET not in result.stdout and "Traceback" not in result.output


READS = [
    "SELECT * FROM read_text('{dir}/secret.txt')",
    "SELECT * FROM read_blob('{dir}/secret.txt')",
    "SELECT * FROM read_csv('{dir}/secret.csv')",
    "SELECT * FROM read_json('{dir}/secret.json')",
    "SELECT * FROM read_parquet('{dir}/secret.parquet')",
    "SELECT * FROM parquet_metadata('{dir}/secret.parquet')",
    "SELECT * FROM sniff_csv('{dir}/secret.csv')",
    "SELECT * FROM glob('{dir}/*')",
    "FROM '{dir}/secret.csv'",
    "SELECT * FROM query('SELECT * FROM read_text(''{dir}/secret.txt'')')",
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM read_csv('/etc/passwd')",
]


@pytest.mark.parametrize("query", READS)
def test_host_files_cannot_be_read(db, host, query):
    assert_refused(sql(db, query.format(dir=host)))


def test_read_text_of_etc_hostname_is_one_line(db):
    result = CliRunner().invoke(main, ["sql", "SELECT * FROM read_text('/etc/hostname')",
                                       "--db", str(db)])
    assert_refused(result, "refused: Permission Error")
    assert "no files, network or extensions" in result.stderr


WRITES_AND_SETTINGS = [
    ("SELECT * FROM enable_logging(storage := 'file', storage_path := '{dir}/log')", "locked"),
    ("PRAGMA enable_profiling", "locked"),
    ("PRAGMA profiling_output = '{dir}/profile.json'", "SET"),
    ("PRAGMA disable_optimizer", "locked"),
    ("PRAGMA enable_checkpoint_on_shutdown", "locked"),
    ("SET enable_external_access = true", "SET"),
    ("RESET lock_configuration", "SET"),
    ("CALL enable_logging()", "CALL"),
    ("COPY (SELECT 1) TO '{dir}/copy.csv'", "COPY"),
    ("EXPORT DATABASE '{dir}/export'", "EXPORT"),
    ("ATTACH '{dir}/other.duckdb' AS other", "ATTACH"),
    ("INSTALL httpfs", "LOAD"),
    ("LOAD parquet", "LOAD"),
]


@pytest.mark.parametrize("query,fragment", WRITES_AND_SETTINGS)
def test_settings_are_locked_and_nothing_is_written(db, host, query, fragment):
    before = sorted(p.name for p in host.iterdir())
    result = sql(db, query.format(dir=host))
    assert_refused(result, fragment)
    assert result.stdout == ""  # nothing ran: no profile, no plan, no rows
    assert sorted(p.name for p in host.iterdir()) == before


def test_settings_read_back_locked_and_closed(db):
    query = ("SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access',"
             " 'autoinstall_known_extensions', 'autoload_known_extensions', "
             "'allow_community_extensions', 'lock_configuration') ORDER BY name")
    result = sql(db, query)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [
        '"allow_community_extensions","false"', '"autoinstall_known_extensions","false"',
        '"autoload_known_extensions","false"', '"enable_external_access","false"',
        '"lock_configuration","true"']


@pytest.mark.parametrize("query", ["FROM 'https://huggingface.co/api/models.csv'",
                                   "SELECT * FROM read_json('http://127.0.0.1:9/models')"])
def test_no_extension_is_installed_for_a_url(db, tmp_path, query):
    """DuckDB auto-installs httpfs into ~/.duckdb/extensions before fetching a URL; sandboxed,
    it neither installs nor reaches out, so the home directory stays empty."""
    home = tmp_path / "home"
    home.mkdir()
    result = subprocess.run([sys.executable, "-m", "hf_lineage", "sql", query, "--db", str(db)],
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "HOME": str(home)})
    assert result.returncode == AnalysisError.exit_code, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert list(home.iterdir()) == []


def test_the_sandbox_keeps_the_lineage_views(db):
    result = sql(db, "SELECT count(*) > 0 AS ok FROM descendants('meta-llama/Llama-3.1-8B')")
    assert result.exit_code == 0 and result.stdout.splitlines() == ["ok", "true"]


def test_notebook_connections_are_not_sandboxed_unless_asked(db, host):
    """The library's default is an ordinary read-only connection: a notebook's SQL is the
    user's own code and may read their files; sandboxed=True is what `hf-lineage sql` uses."""
    query = f"SELECT word FROM read_csv('{host}/secret.csv')"
    conn = connect(db)
    assert conn.sql(query).fetchall() == [(SECRET,)]
    conn.close()
    conn = connect(db, sandboxed=True)
    with pytest.raises(duckdb.PermissionException):
        conn.sql(query).fetchall()
    with pytest.raises(duckdb.InvalidInputException, match="locked"):
        conn.execute("SET threads = 1")
    conn.close()
