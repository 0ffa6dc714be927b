"""Data prints as data: markup in values is shown as written, and control characters, terminal
escapes and bidi overrides from the crawl are shown escaped wherever a terminal, a Markdown or
an HTML file receives them (hf_lineage.printable)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from hf_lineage.cli import main
from hf_lineage.printable import printable
from hub_double.crawled import crawled_db
from tests.hub_rows import model_row, store_of

ROOT = "meta-llama/Llama-3.1-8B"
# What must never reach a terminal or a document raw: ESC (colours, clear screen, window title),
# carriage return and backspace (overwrite), BEL, bidi overrides and isolates, zero width.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
CLEAR_SCREEN = "\x1b[2J\x1b[31m"
HOSTILE = {  # id -> what the escaped id shows
    f"evil/red{CLEAR_SCREEN}x": "evil/red\\x1b[2J\\x1b[31mx",
    "evil/over\rwrite\b": "evil/over\\rwrite\\x08",
    "evil/gpt\u202e2-lm": "evil/gpt\\u202e2-lm",
    "evil/[bold]loud[/]": "evil/[bold]loud[/]",
}
CARD = f"---\nlicense: mit\nbase_model: {ROOT}\n---\nhello{CLEAR_SCREEN}\x07 [/] world\n"


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    """The root, children with hostile ids and licenses, and a child with a hostile card (a
    hostile id is never requested, so its card is never read)."""
    rows = [model_row(ROOT, 0, card_data={"license": "llama3.1"}, tags=["license:llama3.1"]),
            model_row("fine/name", 9, card=CARD.encode(), tags=[f"base_model:{ROOT}"])]
    for n, model_id in enumerate(HOSTILE, start=1):
        rows.append(model_row(model_id, n, card_data={"license": f"mit\x1b]0;title\x07{n}",
                                                      "base_model": ROOT},
                              tags=[f"base_model:{ROOT}", f"base_model:finetune:{ROOT}"],
                              downloads=10**6 + n))
    return crawled_db(store_of(rows), tmp_path_factory.mktemp("hostile") / "hub.duckdb")


def run(*args: object, columns: int = 250):
    return CliRunner().invoke(main, [str(a) for a in args], env={"COLUMNS": str(columns)})


def test_printable_escapes_what_a_terminal_would_obey():
    assert printable("a\x1b[31mb\rc\bd\x07e\x00") == "a\\x1b[31mb\\rc\\x08d\\x07e\\x00"
    assert printable("x\u202ey\u2066z\u200bw\ufeff\U000e0041") == \
        "x\\u202ey\\u2066z\\u200bw\\ufeff\\U000e0041"
    assert printable("l1\nl2\tt") == "l1\\nl2\\tt"
    assert printable("l1\nl2\tt", keep="\n") == "l1\nl2\\tt"
    assert printable("[bold]é 日本 ü – “quotes” \\ stay") == "[bold]é 日本 ü – “quotes” \\ stay"
    once = printable("".join(HOSTILE))
    assert printable(once) == once and not RAW.search(once)


def test_sql_table_shows_values_and_names_as_written(db):
    result = run("sql", "SELECT '[/]' AS \"[b]name\", '[bold]x[/bold]' AS b, "
                 "'[red]not red' AS c, 'a' || chr(27) || '[2Jb' AS d, 'NULL' AS e, NULL AS f",
                 "--db", db)
    assert result.exit_code == 0, result.output
    out = result.stdout
    for shown in ("[/]", "[b]name", "[bold]x[/bold]", "[red]not red", "a\\x1b[2Jb"):
        assert shown in out, out
    assert not RAW.search(out)
    ids = run("sql", "SELECT id, license FROM models ORDER BY id", "--db", db)
    assert ids.exit_code == 0 and not RAW.search(ids.stdout)
    for escaped in HOSTILE.values():
        assert escaped in ids.stdout
    assert "mit\\x1b]0;title\\x07" in ids.stdout


def test_sql_table_cuts_only_what_is_too_long_and_says_so(db):
    result = run("sql", "SELECT repeat('x', 5000) AS long", "--db", db)
    assert result.exit_code == 0, result.output
    assert "(5,000 characters: --format csv shows them all)" in result.stdout
    body = run("sql", "SELECT body FROM cards WHERE body LIKE 'hello%' LIMIT 1", "--db", db)
    assert "hello\\x1b[2J\\x1b[31m\\x07 [/] world" in body.stdout
    exact = run("sql", "SELECT repeat('x', 5000) AS long", "--db", db, "--format", "csv")
    assert exact.stdout.splitlines()[1].strip('"') == "x" * 5000  # csv keeps the data exact
    raw = run("sql", f"SELECT id FROM models WHERE id = '{next(iter(HOSTILE))}'", "--db", db,
              "--format", "csv")
    assert CLEAR_SCREEN in raw.stdout


def test_a_value_on_two_lines_is_not_two_rows(db):
    """A cell keeps a value's newlines (a card's text); lines between the rows then show where
    each row ends, so `evil/new` + newline + `line` cannot pass for two models."""
    split = run("sql", "SELECT 'evil/new' || chr(10) || 'line' AS id UNION ALL SELECT 'b/c' "
                "ORDER BY id", "--db", db).stdout.splitlines()
    rows = [i for i, line in enumerate(split) if "evil/new" in line or "b/c" in line]
    assert any(line.startswith("├") for line in split[rows[0]:rows[1]]), split
    one_line = run("sql", "SELECT 'a/b' AS id UNION ALL SELECT 'b/c'", "--db", db).stdout
    assert "├" not in one_line


def test_tree_shows_ids_and_licenses_escaped(db):
    result = run("tree", ROOT, "--db", db)
    assert result.exit_code == 0, result.output
    assert not RAW.search(result.stdout)
    for escaped in HOSTILE.values():
        assert escaped in result.stdout
    assert "[finetune]" in result.stdout and "mit\\x1b]0;title\\x07" in result.stdout


def test_report_files_show_escapes(db, tmp_path):
    result = run("report", "--db", db, "--out", tmp_path / "report")
    assert result.exit_code == 0, result.output
    page = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    summary = (tmp_path / "report" / "summary.md").read_text(encoding="utf-8")
    for document in (page, summary):
        assert not RAW.search(document)
    rendered = re.sub(r"\\(.)", r"\1", summary)  # what Markdown shows of its \-escapes
    for escaped in HOSTILE.values():
        assert escaped in rendered
    assert "evil/gpt\\u202e2-lm" in page


def test_errors_show_escapes(db):
    result = run("tree", "evil/\x1b[2Jgone\u202e", "--db", db)
    assert result.exit_code != 0
    assert not RAW.search(result.stderr) and "evil/\\x1b[2Jgone\\u202e" in result.stderr


def test_crawl_summary_and_progress_show_escapes(serve, tmp_path):
    rows = [model_row(ROOT, 0, card_data={"license": "llama3.1"}, tags=["license:llama3.1"])]
    rows += [model_row(model_id, n, tags=[f"base_model:{ROOT}"], card_data={"base_model": ROOT})
             for n, model_id in enumerate(HOSTILE, start=1)]
    serve(store_of(rows))
    db = tmp_path / f"hub{CLEAR_SCREEN}\u202e.duckdb"
    result = run("crawl", "--db", db, "--api-budget", 100000, "--resolver-budget", 100000)
    assert result.exit_code == 0, result.output
    assert not RAW.search(result.output)
    assert "hub\\x1b[2J\\x1b[31m\\u202e.duckdb" in result.stdout
