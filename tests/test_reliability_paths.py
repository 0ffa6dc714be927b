"""Every path a crawl writes beside its database is its own, and --db is a crawl database.

A symbolic link, a hard link or a foreign file at `<db>.wal`, `<db>.stage`, `<db>.tmp` or
`<db>.crawl-lock` is refused with one line before anything is touched or requested (DuckDB
overwrote a symlinked WAL's target and the stage deleted the files of a symlinked folder). A
--db that is a Parquet file, a folder, an unrelated file or another program's DuckDB database is
refused the same way, and leaves nothing beside it. An export never writes through a link.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from crawler.crawl import crawl
from hf_lineage.errors import ConfigError, StorageError
from tests.crawl_helpers import fast_client
from tests.hub_rows import numbered_store
from tests.test_crawler_resume import crawl_command


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and link under `folder` and its content (links by their target)."""
    seen = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            seen[key] = f"-> {os.readlink(path)}"
        elif path.is_file():
            seen[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return seen


def user_files(tmp_path: Path) -> Path:
    """A user's folder the hostile paths point into."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work\n", encoding="utf-8")
    (mine / "00000001.json").write_text('{"mine": true}\n', encoding="utf-8")
    return mine


def link(path: Path, target: Path) -> None:
    path.symlink_to(target)


def foreign_file(path: Path, _mine: Path) -> None:
    path.write_text("not the crawl's\n", encoding="utf-8")


def folder_with(entry: str):
    def make(path: Path, mine: Path) -> None:
        path.mkdir()
        if entry == "link":
            (path / "00000001.json").symlink_to(mine / "thesis.tex")
        else:
            (path / entry).write_text("mine\n", encoding="utf-8")
    return make


def hard_link(path: Path, mine: Path) -> None:
    os.link(mine / "thesis.tex", path)


HOSTILE = {
    "a symlinked WAL": (".wal", lambda p, mine: link(p, mine / "thesis.tex"), "symbolic link"),
    "a foreign WAL": (".wal", foreign_file, "not a DuckDB write-ahead log"),
    "a hard-linked WAL": (".wal", hard_link, "hard link"),
    "a symlinked stage": (".stage", lambda p, mine: link(p, mine), "symbolic link"),
    "a stage holding a user's file": (".stage", folder_with("notes.txt"), "'notes.txt'"),
    "a stage holding a link": (".stage", folder_with("link"), "'00000001.json'"),
    "a stage that is a file": (".stage", foreign_file, "not a folder"),
    "a symlinked spill folder": (".tmp", lambda p, mine: link(p, mine), "symbolic link"),
    "a spill folder holding a user's file": (".tmp", folder_with("cache.bin"), "'cache.bin'"),
    "a symlinked lock": (".crawl-lock", lambda p, mine: link(p, mine / "thesis.tex"),
                         "symbolic link"),
    "a lock holding data": (".crawl-lock", foreign_file, "holds data"),
}


@pytest.mark.parametrize("suffix, make, says", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_path_beside_the_database_that_is_not_the_crawls_is_refused(
        suffix, make, says, serve, tmp_path):
    double = serve(numbered_store(20), page_size=5)
    db = tmp_path / "hub.duckdb"
    crawl(db, "full", client=fast_client())
    mine = user_files(tmp_path)
    Path(f"{db}{suffix}").unlink(missing_ok=True)  # the crawl's own lock, left by the crawl
    make(Path(f"{db}{suffix}"), mine)
    before, files = db.read_bytes(), snapshot(tmp_path)
    double.log.reset()
    with pytest.raises(StorageError, match=f"refused: .*{suffix}.*{says}"):
        crawl(db, "full", client=fast_client())
    assert double.log.total() == 0  # refused before any request
    assert snapshot(tmp_path) == files and db.read_bytes() == before


def test_a_refusal_is_one_line_and_exit_5(serve, tmp_path):
    double = serve(numbered_store(5))
    db = tmp_path / "hub.duckdb"
    mine = user_files(tmp_path)
    Path(f"{db}.stage").symlink_to(mine)
    result = subprocess.run(crawl_command(db, double.url, "full"), capture_output=True,
                            text=True, timeout=120)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode == StorageError.exit_code and len(errors) == 1, result.stderr
    assert "hub.duckdb.stage is a symbolic link" in errors[0]
    assert "Traceback" not in result.stderr and double.log.total() == 0
    assert sorted(p.name for p in mine.iterdir()) == ["00000001.json", "thesis.tex"]


def test_the_crawls_own_leftovers_are_accepted(serve, tmp_path):
    """What a killed crawl leaves (staged pages, a WAL, DuckDB's spill files, the lock) is
    the crawl's own: the next crawl resumes with it."""
    double = serve(numbered_store(20), page_size=5)
    db = tmp_path / "hub.duckdb"
    crawl(db, "full", client=fast_client())
    stage, tmp = Path(f"{db}.stage"), Path(f"{db}.tmp")
    stage.mkdir()
    (stage / "00000007.json").write_text("[]", encoding="utf-8")  # stale: never listed
    tmp.mkdir()
    (tmp / "duckdb_temp_123_0_storage_S32K-0.tmp").write_bytes(b"\0" * 64)
    conn = duckdb.connect(str(db))
    conn.execute("SET checkpoint_threshold = '1GB'")
    conn.execute("CREATE TABLE leftover AS SELECT 1 AS x")  # committed, only in the WAL
    for suffix in ("", ".wal"):  # the files as a process killed now leaves them
        shutil.copy(f"{db}{suffix}", tmp_path / f"killed{suffix}")
    conn.close()
    for suffix in ("", ".wal"):
        shutil.copy(tmp_path / f"killed{suffix}", f"{db}{suffix}")
    double.log.reset()
    assert crawl(db, "full", client=fast_client()).status == "ok"
    assert double.log.counts()["list"] == 4
    conn = duckdb.connect(str(db), read_only=True)
    assert conn.execute("SELECT x FROM leftover").fetchall() == [(1,)]  # the WAL was replayed
    conn.close()
    assert not stage.exists()


NOT_DATABASES = {
    "a Parquet file": ("x.parquet", "a Parquet file"),
    "a folder": ("folder.duckdb", "a folder"),
    "a text file": ("notes.txt", "a file of another kind"),
    "an empty file": ("empty.duckdb", "an empty file"),
    "another program's DuckDB database": ("sales.duckdb", "a DuckDB database of something"),
    "a link to nothing": ("dangling.duckdb", "a symbolic link to nothing"),
}


def make_not_a_database(path: Path) -> None:
    if path.suffix == ".parquet":
        duckdb.sql(f"COPY (SELECT 1 AS x) TO '{path}' (FORMAT parquet)")
    elif path.name == "folder.duckdb":
        path.mkdir()
        (path / "inside.txt").write_text("mine\n", encoding="utf-8")
    elif path.suffix == ".txt":
        path.write_text("dear diary\n", encoding="utf-8")
    elif path.name == "empty.duckdb":
        path.touch()
    elif path.name == "sales.duckdb":
        conn = duckdb.connect(str(path))
        conn.execute("CREATE TABLE sales AS SELECT 42 AS amount")
        conn.close()
    else:
        path.symlink_to(path.parent / "nowhere")


@pytest.mark.parametrize("name, says", NOT_DATABASES.values(), ids=NOT_DATABASES.keys())
def test_a_db_that_is_not_a_crawl_database_is_refused_before_any_request(
        name, says, serve, tmp_path):
    double = serve(numbered_store(5))
    path = tmp_path / name
    make_not_a_database(path)
    files = snapshot(tmp_path)
    with pytest.raises(StorageError, match=f"refused: .*{name} is {says}"):
        crawl(path, "full", client=fast_client())
    assert double.log.total() == 0
    assert snapshot(tmp_path) == files  # nothing changed, nothing left beside it


def test_an_export_never_writes_through_a_link(hostile_hub_db, tmp_path):
    from click.testing import CliRunner

    from hf_lineage.cli import main

    out = tmp_path / "export"
    assert CliRunner().invoke(main, ["export", "--parquet", str(out), "--db",
                                     str(hostile_hub_db)]).exit_code == 0
    mine = user_files(tmp_path)
    shutil.rmtree(out / "edges")
    (out / "edges").symlink_to(mine)  # a dataset folder now leads to the user's files
    files = snapshot(mine)
    result = CliRunner().invoke(main, ["export", "--parquet", str(out), "--db",
                                       str(hostile_hub_db)])
    assert result.exit_code == ConfigError.exit_code
    assert "symbolic link inside the export folder" in result.stderr
    assert snapshot(mine) == files


def test_roots_out_never_writes_over_a_database(hostile_hub_db, tmp_path):
    from click.testing import CliRunner

    from hf_lineage.cli import main

    copy = tmp_path / "hub.duckdb"
    shutil.copy(hostile_hub_db, copy)
    onto = tmp_path / "adopt.toml"
    onto.symlink_to(copy)  # a roots file name that leads to the database
    before = copy.read_bytes()
    for out in (copy, onto):
        result = CliRunner().invoke(main, ["roots", "--db", str(copy), "--out", str(out)])
        assert result.exit_code == ConfigError.exit_code and "refused" in result.stderr
    assert copy.read_bytes() == before
    written = CliRunner().invoke(main, ["roots", "--db", str(copy), "--out",
                                        str(tmp_path / "roots.toml")])
    assert written.exit_code == 0 and "[[releases]]" in (tmp_path / "roots.toml").read_text()
