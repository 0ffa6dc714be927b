"""The `hf-lineage` command: a thin layer whose commands mirror library calls.

Everything a command does is a function in `crawler`, `analysis` or `hub_double`, so notebooks
can make the same calls. Commands only parse arguments, show progress and format output.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click
import duckdb
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table
from rich.text import Text

from hf_lineage import printable
from hf_lineage.errors import (
    EXIT_CODES,
    EXIT_INTERNAL,
    ConfigError,
    HfLineageError,
    Interrupted,
    StorageError,
    interrupted,
    one_line,
    storage_failure,
)

if TYPE_CHECKING:
    from crawler.http import HubClient
    from crawler.store.runs import RunRecord

DEFAULT_DB = "data/hub.duckdb"
MAX_TABLE_ROWS = 10_000  # a rich table lays out every cell at once: 100,000 rows take 45 s
MAX_CELL_CHARS = 2_000  # a card body is up to 1 MiB: a table shows its start
SHORT_WORD = 10  # a _show table folds no word of a column up to this long (family, license …)
NUMBER_HEADER = 6  # a _show table's number column is no wider than its values or this
err_console = Console(stderr=True)


class Cli(click.Group):
    """The command group; every command's failures end here, mapped once to exit codes
    (hf_lineage.errors): one line on stderr, the traceback only with -v."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except HfLineageError as exc:
            _fail(ctx, str(exc), exc.exit_code)
        except KeyboardInterrupt:
            _fail(ctx, "interrupted", Interrupted.exit_code, traceback=False)
        except OSError as exc:  # a read-only folder, a full disk …
            where = f" {exc.filename}" if exc.filename else ""
            _fail(ctx, f"cannot use{where}: {exc.strerror or exc}", StorageError.exit_code)
        except Exception as exc:  # noqa: BLE001 - a bug unless the database file failed
            if interrupted(exc):  # Ctrl-C as DuckDB reports it
                _fail(ctx, "interrupted", Interrupted.exit_code, traceback=False)
            elif isinstance(exc, duckdb.Error) and storage_failure(exc):  # full disk, damaged …
                _fail(ctx, f"database: {one_line(exc)}", StorageError.exit_code)
            else:
                _fail(ctx, f"internal error: {type(exc).__name__}: {one_line(exc)} (run with "
                      "-v for the traceback, and please report it)", EXIT_INTERNAL)


def _fail(ctx: click.Context, message: str, code: int, traceback: bool = True) -> None:
    """One clear line on stderr (never wrapped; a query error adds DuckDB's hint lines), the
    traceback under -v, and the exit code. Escapes in the message are shown, not obeyed."""
    if traceback and (ctx.find_root().params.get("verbose")):
        err_console.print_exception()
    click.echo(f"error: {printable.printable(message, keep=chr(10))}", err=True)
    ctx.exit(code)


MAIN_HELP = ("Crawl Hugging Face Hub model metadata into DuckDB and measure model lineages."
             "\n\nExit codes: " + "; ".join(f"{code} {meaning}"
                                           for code, meaning in EXIT_CODES.items()) + ".")


@click.group(cls=Cli, help=MAIN_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="hf-lineage")
@click.option("-v", "--verbose", is_flag=True, help="Show the traceback of a failure.")
def main(verbose: bool) -> None:
    """The command group (its help is MAIN_HELP, with the exit codes of errors.EXIT_CODES)."""


# -- options shared by several commands --------------------------------------------------------
def db_option(default: str = DEFAULT_DB) -> Callable:
    return click.option("--db", "db_path", default=default, show_default=True,
                        type=click.Path(dir_okay=False), help="The crawl database.")


def roots_option() -> Callable:
    return click.option("--roots", "roots_path", type=click.Path(exists=True, dir_okay=False),
                        help="Analyse with this roots file instead of the roots the database "
                        "was crawled with (said on stderr).")


class MinConfidence(click.ParamType):
    """--inferred's value: a confidence between 0 and 1. A bare --inferred followed by an
    argument takes that argument as its value, so the error says how to write it."""

    name = "min_confidence"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        from analysis.edges import DEFAULT_MIN_CONFIDENCE

        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a confidence between 0 and 1 (a bare --inferred "
                      f"takes the next word as its value: put it after the arguments, or "
                      f"write --inferred={DEFAULT_MIN_CONFIDENCE:g})", param, ctx)
        if not 0.0 <= number <= 1.0:  # NaN fails too
            self.fail(f"{value!r} is not a confidence between 0 and 1", param, ctx)
        return number


def inferred_option() -> Callable:
    from analysis.edges import DEFAULT_MIN_CONFIDENCE

    return click.option(
        "--inferred", "inferred", type=MinConfidence(), is_flag=False,
        flag_value=DEFAULT_MIN_CONFIDENCE, default=None, metavar="[MIN_CONFIDENCE]",
        help="Also follow inferred edges: the parents the crawler inferred for models that "
        f"declare none (inferred_edges), with at least this confidence ({DEFAULT_MIN_CONFIDENCE:g} "
        "when given without a value). Default: documented edges only, as published figures "
        "should be. Inferred figures are estimates (docs/inference.md); the output says so.")


def format_option(*choices: str) -> Callable:
    return click.option("--format", "fmt", type=click.Choice(choices), default=choices[0],
                        show_default=True, help="Output format.")


@contextmanager
def analysis_connection(db_path: str, roots_path: str | None = None, sandboxed: bool = False,
                        inferred: float | None = None, views: bool = True
                        ) -> Iterator[duckdb.DuckDBPyConnection]:
    """The crawl at `db_path`, read-only with the lineage views, closed afterwards; the roots
    are the crawl's own unless `roots_path` is given (a departure is one line on stderr);
    `sandboxed` for SQL the user typed (analysis.db); `inferred` adds inferred edges (said on
    stderr); `views=False` installs the lineage views only when first needed (analysis.db).
    Ctrl-C stops its running query."""
    from analysis.db import connect
    from hf_lineage.interrupt import interrupt_on_ctrl_c

    conn = connect(db_path, roots_path, notify=lambda line: click.echo(line, err=True),
                   sandboxed=sandboxed, inferred=inferred, views=views)
    try:
        with interrupt_on_ctrl_c(conn):
            yield conn
    finally:
        conn.close()


@contextmanager
def output(out_path: str | None, conn: duckdb.DuckDBPyConnection | None, binary: bool = False
           ) -> Iterator[IO]:
    """`--out FILE` (never a database, nor `conn`'s: analysis.outputs) or stdout, its write
    failures as one line; a reader that stops reading stdout (`| head`) ends it quietly."""
    from analysis.outputs import cannot_write, database_files, open_output

    try:
        if out_path:
            protected = database_files(conn) if conn else set()
            with open_output(out_path, protected, binary=binary) as handle:
                yield handle
        else:
            yield sys.stdout.buffer if binary else sys.stdout
            sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    except OSError as exc:  # a read-only folder, a full disk
        if not out_path:
            _silence_stdout()
        raise cannot_write(out_path or "stdout", exc) from exc


def _silence_stdout() -> None:
    """Point a failed stdout at /dev/null, so Python's last flush at exit adds no second error."""
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError):  # not a real file (a test runner's capture)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


# -- analysis commands (tree, sql, report, export, timeline, anatomy, roots) --------------------
@main.command()
@click.argument("model_id")
@db_option()
@roots_option()
@click.option("--depth", default=2, show_default=True, type=click.IntRange(min=0),
              help="Generations shown below MODEL_ID (counts always cover the whole tree).")
@click.option("--max-children", default=10, show_default=True, type=click.IntRange(min=1),
              help="Children shown per node, the most prolific first.")
@inferred_option()
def tree(model_id: str, db_path: str, roots_path: str | None, depth: int, max_children: int,
         inferred: float | None) -> None:
    """Show MODEL_ID's family tree: descendants with counts, relations and licenses."""
    from analysis.tree import family_tree, render

    with analysis_connection(db_path, roots_path, inferred=inferred, views=False) as conn:
        family = family_tree(conn, model_id, depth, max_children)
    Console().print(render(family, max_children))


@main.command()
@click.argument("query")
@db_option()
@roots_option()
@format_option("table", "csv", "json", "parquet")
@click.option("--out", "out_path", type=click.Path(dir_okay=False),
              help="Write the result here instead of stdout (required for parquet).")
@click.option("--max-rows", default=1000, show_default=True,
              type=click.IntRange(min=1, max=MAX_TABLE_ROWS),
              help="Rows shown by --format table (more rows: --format csv).")
@inferred_option()
def sql(query: str, db_path: str, roots_path: str | None, fmt: str, out_path: str | None,
        max_rows: int, inferred: float | None) -> None:
    """Run one read-only SQL QUERY (lineage views included, see docs/schema.md).

    The query reads the database and nothing else (no files, network or extensions); results
    stream out in constant memory; Ctrl-C stops it.
    """
    from analysis import adhoc

    if fmt == "parquet" and not out_path:
        raise ConfigError("--format parquet needs --out FILE (parquet is not written to a "
                          "terminal)")
    with analysis_connection(db_path, roots_path, sandboxed=True, inferred=inferred) as conn:
        rel = adhoc.relation(conn, query)  # a bad or refused query fails before any output
        with output(out_path, conn, binary=fmt == "parquet") as sink:
            if fmt == "table":
                print_table(*adhoc.head(rel, max_rows, MAX_CELL_CHARS), max_rows, sink)
            else:
                adhoc.write(rel, fmt, sink)


def print_table(columns: list[str], rows: list[tuple], more: bool, max_rows: int,
                sink: IO) -> None:
    """A result as a rich table, then a line saying how many rows, or that more were left.
    Names and values are shown as written (printable: never markup, escapes made visible);
    a value longer than MAX_CELL_CHARS is cut, saying how long it is. When a value spans lines,
    lines between the rows show where each row ends (a value's second line is no row)."""
    from analysis.adhoc import Long

    cells = [[Text("NULL", style="dim") if v is None
              else _cell(v.start, v.length) if isinstance(v, Long)
              else _cell(str(v)) for v in row] for row in rows]
    multi_line = any("\n" in cell.plain for row in cells for cell in row)
    table = Table(*(Column(header=printable.text(name)) for name in columns),
                  show_lines=multi_line)
    for row in cells:
        table.add_row(*row)
    console = Console(file=sink, width=None if sink is sys.stdout else 200)
    console.print(table)
    console.print(f"first {max_rows:,} rows shown; the result has more (raise --max-rows, or "
                  "use --format csv)" if more else f"{len(rows):,} rows", soft_wrap=True)


def _cell(value: str, length: int | None = None) -> Text:
    """A table cell: printable text, multi-line values kept, long ones cut (`length`: the
    whole value's, when `value` is its start)."""
    length = len(value) if length is None else length
    if length <= MAX_CELL_CHARS:
        return printable.text(value, keep="\n")
    return printable.text(value[:MAX_CELL_CHARS], keep="\n").append(
        f" … ({length:,} characters: --format csv shows them all)", style="dim")


@main.command()
@db_option()
@roots_option()
@click.option("--out", "out_dir", default="report", show_default=True,
              type=click.Path(file_okay=False), help="Directory for report.html and summary.md.")
@inferred_option()
def report(db_path: str, roots_path: str | None, out_dir: str, inferred: float | None) -> None:
    """Write the HTML report (inline SVG charts) and a Markdown summary.

    Its figures follow --inferred; its section "Documented and inferred lineage" always sets
    both edge sets side by side (at 0.5 without --inferred)."""
    from analysis.report import write_report

    with analysis_connection(db_path, roots_path, inferred=inferred) as conn:
        paths = write_report(conn, out_dir, source=str(db_path))
    for path in paths:
        click.echo(printable.printable(path))


@main.command()
@click.option("--parquet", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Directory for the Hive-partitioned Parquet datasets.")
@db_option()
@roots_option()
@inferred_option()
def export(out_dir: str, db_path: str, roots_path: str | None, inferred: float | None) -> None:
    """Export the crawl and its lineage as partitioned Parquet (Spark, Trino, DuckDB)."""
    from analysis.export import export_parquet

    try:
        with analysis_connection(db_path, roots_path, inferred=inferred) as conn:
            written = export_parquet(conn, out_dir)
    except BaseException as exc:  # Ctrl-C in Python or inside DuckDB: say how to finish
        if isinstance(exc, KeyboardInterrupt | Interrupted) or interrupted(exc):
            raise Interrupted("interrupted; run the export again to complete the folder"
                              ) from None
        raise
    for name, rows in written.items():
        click.echo(f"{printable.printable(Path(out_dir) / name)}\t{rows:,} rows")


def _show(frame, fmt: str, caption: str = "", percent: tuple[str, ...] = ()) -> None:
    """A DataFrame on stdout: a table, CSV, or JSON records (missing values as null).

    The table fits 80 columns where it can (_table): no outer border, numbers and dates never
    wrapped, text wrapped, never cut; `percent` columns (shares from 0 to 1) as percentages."""
    import pandas as pd
    import pyarrow as pa

    from analysis import adhoc

    if fmt != "table":
        cleaned = frame.astype(object).where(pd.notna(frame), None)
        arrow = pa.Table.from_pandas(cleaned, preserve_index=False)
        with duckdb.connect() as scratch, output(None, None) as sink:  # sql's writers
            adhoc.write(scratch.from_arrow(arrow), fmt, sink)
        return
    console = Console()
    table = _table(frame, caption, percent, tight=False)
    natural = console.measure(table, options=console.options.update_width(10**6)).maximum
    if natural > console.width:  # number headers wrap rather than cut
        table = _table(frame, caption, percent, tight=True)
    console.print(table)


def _table(frame, caption: str, percent: tuple[str, ...], tight: bool) -> Table:
    """_show's rich table: numbers and dates never wrap (`tight`: their headers wrap at
    NUMBER_HEADER); text wraps, words up to SHORT_WORD (a family, a license) kept whole."""
    import pandas as pd

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False,
                  caption=printable.text(caption) if caption else None)
    columns = []
    for name in frame.columns:
        kind = frame[name].dtype
        number = pd.api.types.is_numeric_dtype(kind) and not pd.api.types.is_bool_dtype(kind)
        header = str(name).replace("_", " ")
        cells = [_shown(v, name in percent) for v in frame[name].astype(object)]
        widest = None
        if number or pd.api.types.is_datetime64_any_dtype(kind):
            width = max(map(len, cells), default=1)
            widest = max(width, NUMBER_HEADER) if tight else None
        else:
            width = min(max((len(w) for t in [header, *cells] for w in t.split()), default=1),
                        SHORT_WORD)
        table.add_column(printable.text(header), justify="right" if number else "left",
                         overflow="fold", min_width=width, max_width=widest)
        columns.append(cells)
    for row in zip(*columns, strict=True):
        table.add_row(*map(printable.text, row))
    return table


def _shown(value: object, percent: bool) -> str:
    """One value of a _show table as text."""
    import pandas as pd

    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return "–"
    if isinstance(value, pd.Timestamp):
        return str(value.date())
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if percent:
        return f"{100 * value:.1f}%"
    if isinstance(value, float) and abs(value) < 1000:
        return f"{value:.3g}"
    return f"{value:,.0f}"


WINDOW_HEADERS = re.compile(r"^(before|after)_(\d+)$")


@main.command()
@db_option()
@roots_option()
@click.option("--view", type=click.Choice(["windows", "aligned", "weekly", "daily", "monthly",
                                           "events"]),
              default="windows", show_default=True,
              help="windows: derivatives before/after each event; aligned: releases side by "
              "side from their release day; weekly/daily/monthly: new derivatives per period "
              "(with --inferred: documented and inferred only apart); events: the events "
              "themselves.")
@click.option("--release", "releases", multiple=True, metavar="NAME",
              help="A release to align (repeatable; default every release of the roots).")
@click.option("--days", default=90, show_default=True, type=click.IntRange(min=0),
              help="Days after release day the aligned curves cover.")
@click.option("--window", "window_days", multiple=True, type=click.IntRange(min=1),
              help="Window in days around each event, or aligned checkpoint (repeatable; "
              "default 7, 30, 90).")
@click.option("--level", type=click.Choice(["family", "release"]), default="family",
              show_default=True, help="Groups of --view weekly/daily.")
@click.option("--events", "events_path", type=click.Path(dir_okay=False),
              help="A TOML file of your own events ([[events]] name, date[, family, note]), "
              "added to crawler/events.toml and the releases.")
@click.option("--chart", "chart_path", type=click.Path(dir_okay=False),
              help="Also write the chart as SVG here (aligned: the curves; otherwise the "
              "weekly derivatives with the events).")
@format_option("table", "csv", "json")
@inferred_option()
def timeline(db_path: str, roots_path: str | None, view: str, releases: tuple[str, ...],
             days: int, window_days: tuple[int, ...], level: str, events_path: str | None,
             chart_path: str | None, fmt: str, inferred: float | None) -> None:
    """Derivatives over time: around events, aligned on release day, per day, week or month."""
    from analysis import edges, events
    from analysis import timeline as tl
    from analysis.outputs import database_files, write_text

    with analysis_connection(db_path, roots_path, inferred=inferred) as conn:
        if events_path:
            events.add(conn, events_path)
        frame = tl.view(conn, view, releases or None, days, window_days or tl.WINDOWS, level,
                        wide=fmt == "table")
        if chart_path:  # never over a database (analysis.outputs)
            write_text(chart_path, tl.chart(conn, view, releases or None, days),
                       database_files(conn))
        end = tl.crawl_end(conn)
    caption = (f"{len(frame):,} rows; data to {end.date() if end is not None else '–'}; "
               f"edges: {edges.short(inferred)}")
    if view == "windows" and fmt == "table":  # six counts beside the event: 80 columns
        frame = frame.rename(columns=lambda c: WINDOW_HEADERS.sub(
            lambda m: ("-" if m[1] == "before" else "+") + m[2] + "d", c))
        caption += ("; -Nd / +Nd: derivatives created in the N days before / from the event's "
                    "day")
    _show(frame, fmt, caption)


@main.command()
@db_option()
@roots_option()
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="table: one row per statistic; csv/json: one row per "
              "statistic and scope, with value, basis, published figure, source and note.")
@inferred_option()
def anatomy(db_path: str, roots_path: str | None, fmt: str, inferred: float | None) -> None:
    """The Anatomy table: the crawl's lineage statistics beside the published figures."""
    from analysis import anatomy as an
    from analysis import edges

    with analysis_connection(db_path, roots_path, inferred=inferred) as conn:
        frame = an.anatomy(conn)
        scope = an.crawl_scope(conn)
    if fmt != "table":
        _show(frame, fmt)
        return
    _show(an.table(frame), fmt, f"crawl scope: {scope}; edges: {edges.short(inferred)}")
    for mark, note in an.notes(frame).itertuples(index=False):
        click.echo(f"[{mark}] {note}")
    for short, full in an.SOURCES.items():
        click.echo(f"{short}: {full}")
    click.echo("definitions: docs/schema.md (the anatomy view) and analysis/anatomy.py")


@main.command("roots")
@db_option()
@roots_option()
@click.option("--out", "out_path", type=click.Path(dir_okay=False),
              help="Write the roots file here instead of stdout.")
def roots_command(db_path: str, roots_path: str | None, out_path: str | None) -> None:
    """Print the effective roots as a roots file to adopt: the configured families and releases
    with the releases discovered from the organisations' models, and their models."""
    from analysis.outputs import database_files, write_text
    from analysis.releases import effective_file

    with analysis_connection(db_path, roots_path) as conn:
        text = effective_file(conn, str(db_path))
        protected = database_files(conn)
    if out_path:  # never over a database (analysis.outputs)
        write_text(out_path, text, protected)
        click.echo(out_path)
    else:
        click.echo(text, nl=False)


# -- crawler and Hub double commands -----------------------------------------------------------
def hub_options(command: Callable) -> Callable:
    """The options of commands that talk to the Hub: where, and at what pace."""
    for option in reversed((
        click.option("--endpoint", envvar="HF_ENDPOINT", help="Hub URL (default: HF_ENDPOINT "
                     "or https://huggingface.co)."),
        click.option("--api-budget", type=click.IntRange(min=2), help="Requests per 5 minutes "
                     "on the api bucket (default: the quota the Hub states in its "
                     "RateLimit-Policy header, e.g. "
                     "2,500 for a PRO token; 500 anonymous / 1,000 with a token until it has "
                     "answered)."),
        click.option("--resolver-budget", type=click.IntRange(min=2), help="Requests per 5 "
                     "minutes for file downloads (default: the Hub's stated quota; 3,000 "
                     "anonymous / 5,000 with "
                     "a token until it has answered)."),
        click.option("--workers", default=16, show_default=True, type=click.IntRange(min=1),
                     help="Concurrent file downloads (cards, evidence files)."),
        click.option("--request-deadline", "request_deadline", default=600.0,
                     show_default=True, type=click.FloatRange(min=1),
                     help="Seconds one request may take with all its retries and the waits "
                     "the Hub asks for (not the budget's pacing); past it the run fails with "
                     "exit 3 and resumes when run again."),
    )):
        command = option(command)
    return command


def _client(endpoint: str | None, api_budget: int | None, resolver_budget: int | None,
            request_deadline: float, progress) -> HubClient:
    from crawler.http import Budget, HubClient, RetryPolicy

    budgets = {name: Budget(value, source=flag) for name, flag, value in
               (("api", "--api-budget", api_budget),
                ("resolvers", "--resolver-budget", resolver_budget)) if value is not None}
    return HubClient(endpoint=endpoint, budgets=budgets, on_wait=progress.wait,
                     on_budget=progress.budget, on_retry=progress.note,
                     retry=RetryPolicy(deadline_s=request_deadline))


@main.command()
@click.option("--mode", type=click.Choice(["family", "full", "incremental"]), default="family",
              show_default=True, help="family: the roots and every descendant; full: every "
              "model on the Hub; incremental: what changed since the last crawl.")
@db_option()
@click.option("--roots", "roots_path", type=click.Path(exists=True, dir_okay=False),
              help="Roots file (default: the roots the database was crawled with, else the "
              "shipped crawler/roots.toml).")
@hub_options
@click.option("--hub-size", type=click.IntRange(min=1), help="Models on the Hub, for a family "
              "crawl's choice of road (default: measured by the last listing, else 2.2M).")
@click.option("--cards/--no-cards", default=True, show_default=True,
              help="Fetch README.md of models whose sha changed.")
@click.option("--refresh-counts", is_flag=True, help="With --mode incremental: also refresh "
              "downloads and likes of every stored model (a light listing of the whole Hub, "
              "1,000 models a request).")
@click.option("--infer/--no-infer", default=None,
              help="Also infer the parents base_model does not state, from names, tags, cards "
              "and files (inferred_edges; docs/inference.md); a family crawl then lists the "
              "whole Hub to find undocumented members. Default: as the database was crawled.")
@click.option("--evidence-files", is_flag=True, help="With --infer: first read the evidence "
              "files the listing shows for undocumented models (adapter and mergekit configs, "
              "config.json, GGUF headers): one resolver request each, only when the repo "
              "changed.")
def crawl(mode: str, db_path: str, roots_path: str | None, endpoint: str | None,
          api_budget: int | None, resolver_budget: int | None, workers: int,
          request_deadline: float,
          hub_size: int | None, cards: bool, refresh_counts: bool, infer: bool | None,
          evidence_files: bool) -> None:
    """Crawl Hub model metadata, cards and base_model relations into DuckDB."""
    from crawler.crawl import crawl as run_crawl
    from hf_lineage.progress import RichProgress

    started = time.monotonic()
    with RichProgress(err_console) as progress:
        client = _client(endpoint, api_budget, resolver_budget, request_deadline, progress)
        try:
            record = run_crawl(db_path, mode, roots_path=roots_path, client=client,
                               progress=progress, hub_size=hub_size, cards=cards,
                               card_workers=workers, refresh_counts=refresh_counts,
                               infer=infer, evidence_files=evidence_files)
        except KeyboardInterrupt:
            raise Interrupted("interrupted; run the same command again to resume from the "
                              "checkpoint") from None
    print_summary(record, db_path, time.monotonic() - started)


@main.command()
@db_option()
@hub_options
@click.option("--evidence-files", is_flag=True, help="First read the evidence files the "
              "listing shows for undocumented models (one resolver request each).")
@click.option("--evaluate", is_flag=True, help="Instead, measure inference: hide the "
              "documented parents of models that have them, infer, and report precision and "
              "recall per source and overall (writes nothing).")
@click.option("--labels", "labels_path", type=click.Path(dir_okay=False), default=None,
              help="With --evaluate: score against hand labels of what cards state (a JSONL "
              "file, tests/data/labels/README.md) instead of documented lineage.")
@click.option("--samples", is_flag=True, help="With --labels: the labelled cards are the real "
              "samples of tests/data/hub-samples (the project's own labelled set), not --db.")
@click.option("--min-confidence", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="With --labels: the threshold precision and recall are measured at.")
@format_option("table", "csv", "json")
def infer(db_path: str, endpoint: str | None, api_budget: int | None,
          resolver_budget: int | None, workers: int, request_deadline: float,
          evidence_files: bool, evaluate: bool, labels_path: str | None, samples: bool,
          min_confidence: float, fmt: str) -> None:
    """Infer the parents base_model does not state (inferred_edges, inferred_releases), or
    --evaluate it (against documented lineage, or --labels)."""
    from crawler.crawl import evaluate_inference, infer_database
    from hf_lineage.progress import RichProgress

    if (labels_path or samples) and not evaluate:
        raise click.UsageError("--labels and --samples go with --evaluate")
    if samples and not labels_path:
        raise click.UsageError("--samples needs --labels FILE (tests/data/labels/labels.jsonl)")
    if labels_path:
        _show_label_score(db_path, labels_path, samples, min_confidence, fmt)
        return
    if evaluate:
        result = evaluate_inference(db_path)
        _show(evaluation_frame(result), fmt, f"{result.models:,} documented models, "
              f"{result.documented_edges:,} documented edges, their documentation hidden",
              percent=("precision", "recall"))
        return
    started = time.monotonic()
    with RichProgress(err_console) as progress:
        client = _client(endpoint, api_budget, resolver_budget, request_deadline, progress)
        record = infer_database(db_path, client=client, progress=progress,
                                evidence_files=evidence_files, workers=workers)
    print_summary(record, db_path, time.monotonic() - started)


def _show_label_score(db_path: str, labels_path: str, samples: bool, threshold: float,
                      fmt: str) -> None:
    """infer --evaluate --labels: the scores, as Markdown or as one JSON/CSV table."""
    from crawler.crawl import evaluate_against_labels
    from crawler.lineage.inference.labelled import score_samples
    from crawler.lineage.inference.labels import report

    result = (score_samples(labels_path, threshold=threshold) if samples
              else evaluate_against_labels(db_path, labels_path, threshold))
    if fmt == "table":
        click.echo(report(result))
        return
    _show(label_score_frame(result), fmt, "")


def label_score_frame(result):
    """A LabelScore as rows: the measures, then the calibration bands."""
    import pandas as pd

    rows = [("precision", result.precision, len(result.kept())),
            ("recall of cards stating a parent or family",
             result.ratio(result.recalled_cards, result.stating_cards), result.stating_cards),
            ("recall of stated parent repos", result.ratio(result.found_repos,
                                                           result.stated_repos),
             result.stated_repos),
            ("recall of stated families", result.ratio(result.found_releases,
                                                       result.stated_releases),
             result.stated_releases)]
    rows += [(f"observed precision, confidence {band} (mean {mean:.3f})", observed, n)
             for band, n, mean, observed in result.calibration()]
    return pd.DataFrame(rows, columns=["measure", "value", "count"])


def evaluation_frame(result):
    """An Evaluation as rows: overall at each confidence threshold, then per source and rule."""
    import pandas as pd

    rows = [(f"all inferred, confidence >= {t:g}", s) for t, s in result.overall.items()]
    rows += [(f"source {k}", result.by_source[k]) for k in sorted(result.by_source)]
    rows += [(f"rule {k}", result.by_rule[k]) for k in sorted(result.by_rule)]
    return pd.DataFrame([
        {"scope": name, "predicted": score.predicted, "correct": score.correct,
         "precision": score.precision, "recall": score.recall(result.documented_edges)}
        for name, score in rows])


def print_summary(summary: RunRecord, db_path: str | Path, elapsed_s: float) -> None:
    """The end-of-crawl table: what was done, by which road, at what cost."""
    table = Table(title=Text(f"crawl run {summary.run_id}: {summary.mode} ({summary.status})"))
    table.add_column("", style="bold")
    table.add_column("", justify="right")
    rows = [
        ("database", str(Path(db_path))),
        ("endpoint", summary.endpoint or "-"),
        *([("served by (not the real Hub)", summary.stand_in)] if summary.stand_in else []),
        ("road taken", summary.strategy or "-"),
        ("resumed", f"yes ({summary.segments} segments)" if summary.segments > 1 else "no"),
        ("models seen / new / changed / gone", f"{summary.models_seen:,} / "
         f"{summary.models_new:,} / {summary.models_changed:,} / {summary.models_gone:,}"),
        ("cards fetched", f"{summary.cards_fetched:,}"),
        ("requests", ", ".join(f"{k} {v:,}" for k, v in sorted(summary.requests.items()))
         or "0"),
        ("retries", f"{summary.retries:,}"),
        ("cards gated or missing (cards.fetch_error)", f"{summary.cards_unavailable:,}"),
        ("errors (crawl_errors, cards.fetch_error)", f"{summary.errors:,}"),
        *((f"budget: {bucket}", f"{b['requests']:,} per {b['window_s']:g} s ({b['source']})")
          for bucket, b in sorted(summary.budgets.items())),
        ("time", f"{elapsed_s:,.1f} s"),
    ]
    for name, value in rows:
        table.add_row(name, printable.text(value))  # a path, the Hub's policy text …
    Console().print(table)


class AsOf(click.ParamType):
    """--as-of's value: a day (YYYY-MM-DD, covering the whole day) or a time (ISO 8601; an
    offset is turned into UTC, none means UTC)."""

    name = "as_of"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> date | datetime:
        if isinstance(value, date):
            return value
        text = str(value).strip()
        try:
            if len(text) == 10:
                return date.fromisoformat(text)
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            self.fail(f"{value!r} is not a date (YYYY-MM-DD) or a time (YYYY-MM-DDTHH:MM:SS)",
                      param, ctx)
        return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


@main.group("import")
def import_group() -> None:
    """Import dumps of the Hub's listing into a crawl database (no network needed)."""


@import_group.command("hub-stats")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--as-of", "as_of", type=AsOf(), metavar="DATE",
              help="The snapshot's date, UTC (one FILE only; default: its newest "
              "lastModified). A day covers the whole day.")
@click.option("--older-as-history", is_flag=True,
              help="Add a snapshot older than the data the database holds to its history only "
              "(downloads and likes at its date, first-seen dates, models deleted since) "
              "instead of refusing it.")
@db_option()
def import_hub_stats(files: tuple[str, ...], as_of: date | datetime | None,
                     older_as_history: bool, db_path: str) -> None:
    """Import cfahlgren1/hub-stats models.parquet snapshots (FILE: a path, or a DuckDB hf://
    URL), oldest first, into the tables a full crawl fills; continue with
    `crawl --mode incremental`.

    Exit codes as for crawl: 2 a file that is not a hub-stats models table, an --as-of before
    its newest change, or a snapshot older than the data held; 4 the database is busy; 5 a
    file that is not Parquet, truncated or unreadable. Nothing is written then."""
    from crawler.imports import import_hub_stats as run_import
    from crawler.imports.importer import describe, lacking
    from hf_lineage.progress import RichProgress

    with RichProgress(err_console) as progress:
        try:
            results = run_import(db_path, files, as_of=as_of,
                                 older_as_history=older_as_history, progress=progress)
        except KeyboardInterrupt:
            raise Interrupted("interrupted; the snapshot being imported was not stored (the "
                              "ones before it were): run the same command again") from None
    for result in results:
        click.echo(printable.printable(describe(result)))
        for line in lacking(result):
            click.echo(printable.printable(line), err=True)


@main.command()
@db_option("data/demo.duckdb")
@click.option("--out", "out_dir", default="data/report", show_default=True,
              type=click.Path(), help="Where the report is written.")
@click.option("--models", "n_models", default=20_000, show_default=True,
              help="Size of the generated Hub.")
@click.option("--seed", default=0, show_default=True)
def demo(db_path: str, out_dir: str, n_models: int, seed: int) -> None:
    """Serve a generated Hub locally, crawl it like the real one, and write the report."""
    from hf_lineage.demo import run_demo
    from hf_lineage.progress import RichProgress

    started = time.monotonic()
    err_console.print(f"generating a Hub of {n_models:,} models (seed {seed}) and serving it "
                      "on 127.0.0.1 …")
    with RichProgress(err_console) as progress:
        result = run_demo(db_path, out_dir, n_models, seed, progress=progress)
    print_summary(result.summary, db_path, time.monotonic() - started)
    db, page, summary = (escape(printable.printable(path)) for path in
                         (result.db_path, result.report[0], result.report[-1]))
    Console(soft_wrap=True).print(
        f"\nThe database is [bold]{db}[/bold]. Query it:\n"
        f"  .venv/bin/hf-lineage sql \"SELECT relation, count(*) FROM edges GROUP BY ALL\" "
        f"--db {db}\n"
        f"  .venv/bin/hf-lineage tree meta-llama/Llama-3.1-8B --depth 2 --db {db}\n"
        f"  make notebook DB={db}   (the notebooks, in JupyterLab)\n"
        f"  or any DuckDB client, read-only (tables and views: docs/schema.md)\n"
        f"The report is [bold]{page}[/bold] (summary: {summary})."
    )


@main.command("hub-double")
@click.option("--models", "n_models", default=5000, show_default=True,
              help="Size of the generated Hub.")
@click.option("--seed", default=0, show_default=True)
@click.option("--samples", is_flag=True, help="Serve the real family trees "
              "(tests/data/hub-samples) instead of a generated Hub.")
@click.option("--hub-stats", "hub_stats_file", type=click.Path(exists=True, dir_okay=False),
              help="Serve the models of a hub-stats models.parquet instead of a generated "
              "Hub (e.g. tests/data/hub-stats/hub_stats_frozen.parquet).")
@click.option("--port", default=0, help="Port on 127.0.0.1 (default: a free one).")
@click.option("--latency-ms", default=0.0, help="Added to every request, like a network.")
@click.option("--page-size", default=1000, show_default=True)
@click.option("--store", "store_path", type=click.Path(), help="Keep the generated Hub in this "
              "DuckDB file (large Hubs need not fit in memory).")
def hub_double(n_models: int, seed: int, samples: bool, hub_stats_file: str | None, port: int,
               latency_ms: float, page_size: int, store_path: str | None) -> None:
    """Serve a local stand-in for the Hub API (for tests, demos and benchmarks)."""
    from hub_double.server import HubDouble

    if hub_stats_file:
        from hub_double.hub_stats import hub_stats_store

        store = hub_stats_store(hub_stats_file, store_path)
    elif samples:
        from hub_double.samples import samples_store

        store = samples_store(store_path)
    else:
        from hub_double.generator import generated_store

        store = generated_store(n_models, seed, path=store_path)
    double = HubDouble(store, port=port, latency_ms=latency_ms, page_size=page_size).start()
    click.echo(double.url, nl=True)
    sys.stdout.flush()
    err_console.print(f"serving {store.count():,} models, {escape(double.identity)} (it says so "
                      f"on every answer); use HF_ENDPOINT={double.url}; Ctrl-C stops")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        double.stop()
