"""Every exit code of the README's table, provoked through the command line; the table, the
command's help and hf_lineage.errors.EXIT_CODES say the same."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import filelock
import pytest
from click.testing import CliRunner

from crawler.store import Database
from hf_lineage.cli import main
from hf_lineage.errors import EXIT_CODES
from hub_double.faults import Fault
from tests.hub_rows import model_row, store_of

README = Path(__file__).resolve().parents[1] / "README.md"


@dataclass
class Context:
    db: Path  # a crawled database
    tmp: Path
    serve: Callable
    monkeypatch: pytest.MonkeyPatch
    held: list = field(default_factory=list)  # locks kept until the test ends


def busy(c: Context) -> list:
    """Another crawl holds the database's crawl lock (released when the test ends)."""
    lock = filelock.FileLock(f"{c.db}.crawl-lock", timeout=0)
    lock.acquire()
    c.held.append(lock)
    return ["crawl", "--db", c.db]


def nonsense_hub(c: Context) -> list:
    """The Hub's listing points its next page to another origin: refused, nothing retried."""
    double = c.serve(store_of([model_row("meta-llama/Llama-3.1-8B")]))
    double.faults.add(Fault("link", kinds={"list"}, count=None,
                            location="http://127.0.0.1:9/api/models?page=2"))
    return ["crawl", "--db", c.tmp / "new.duckdb"]


def broken(exception: type[BaseException]) -> Callable[[Context], list]:
    """`tree` whose library call raises `exception` (a bug, or Ctrl-C)."""
    def provoke(c: Context) -> list:
        def fail(*args, **kwargs):
            raise exception("provoked by the test")

        c.monkeypatch.setattr("analysis.tree.family_tree", fail)
        return ["tree", "meta-llama/Llama-3.1-8B", "--db", c.db]
    return provoke


def empty_incremental(c: Context) -> list:
    """A database that holds no completed crawl yet."""
    with Database(c.tmp / "empty.duckdb"):
        pass
    return ["crawl", "--mode", "incremental", "--db", c.tmp / "empty.duckdb"]


def not_ours(c: Context) -> list:
    import duckdb

    duckdb.connect(str(c.tmp / "other.duckdb")).execute("CREATE TABLE t (x INT)").close()
    return ["sql", "SELECT 1", "--db", c.tmp / "other.duckdb"]


CASES: list[tuple[int, str, Callable[[Context], list]]] = [
    (0, "a query", lambda c: ["sql", "SELECT 1 AS one", "--db", c.db]),
    (2, "--format parquet without --out",
     lambda c: ["sql", "SELECT 1", "--db", c.db, "--format", "parquet"]),
    (2, "an unknown option", lambda c: ["tree", "x/y", "--db", c.db, "--no-such-option"]),
    (2, "an incremental crawl of an empty database", empty_incremental),
    (3, "a Hub that answers nonsense", nonsense_hub),
    (4, "another crawl holds the database", busy),
    (5, "a missing database", lambda c: ["tree", "x/y", "--db", c.tmp / "missing.duckdb"]),
    (5, "a missing database to infer on",
     lambda c: ["infer", "--evaluate", "--db", c.tmp / "missing.duckdb"]),
    (5, "a DuckDB file that is not an hf-lineage database", not_ours),
    (5, "a file that is not a database",
     lambda c: (c.tmp / "text.duckdb").write_text("not a database") and
     ["sql", "SELECT 1", "--db", c.tmp / "text.duckdb"]),
    (6, "an unknown model", lambda c: ["tree", "nobody/nothing", "--db", c.db]),
    (6, "a bad query", lambda c: ["sql", "SELECT nope FROM models", "--db", c.db]),
    (6, "a refused query", lambda c: ["sql", "DROP TABLE models", "--db", c.db]),
    (70, "a bug", broken(RuntimeError)),
    (130, "Ctrl-C", broken(KeyboardInterrupt)),
]


@pytest.mark.parametrize(("code", "what", "provoke"), CASES, ids=[c[1] for c in CASES])
def test_exit_code(code, what, provoke, generated_family_crawl, tmp_path, serve, monkeypatch):
    context = Context(generated_family_crawl[0], tmp_path, serve, monkeypatch)
    args = [str(a) for a in provoke(context)]
    result = CliRunner().invoke(main, args, env={"COLUMNS": "200"})
    assert result.exit_code == code, (what, result.output)
    assert "Traceback" not in result.output
    if code not in (0, 2):  # click's own usage errors are its two lines
        errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1, result.stderr


def test_every_documented_code_is_provoked():
    assert {code for code, _, _ in CASES} == set(EXIT_CODES)


def test_the_readme_and_the_help_state_the_codes():
    table = dict(re.findall(r"^\| (\d+) \| (.+) \|$", README.read_text(encoding="utf-8"),
                            re.MULTILINE))
    assert {int(code): meaning for code, meaning in table.items()} == EXIT_CODES
    help_text = "".join(CliRunner().invoke(main, ["--help"]).output.split())  # as wrapped
    for code, meaning in EXIT_CODES.items():
        assert "".join(f"{code} {meaning}".split()) in help_text
