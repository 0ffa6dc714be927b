"""Ad hoc read-only SQL for `hf-lineage sql`: checked, run once, streamed in the asked format.

Three guards keep a crawl and the host intact: the statement type is checked before anything
runs (a DROP or DELETE is refused with a clear message), the connection is read-only, and it is
sandboxed (`analysis.db.SANDBOX`: no host files, network or extensions; settings locked).

Results are streamed: DuckDB hands over Arrow record batches of `BATCH_ROWS` rows, each written
and dropped before the next is computed, so memory stays flat whatever the size of the result.
The table format asks DuckDB for one row more than it shows, never the whole result.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import BinaryIO, NamedTuple, TextIO

import duckdb
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from hf_lineage.errors import (
    AnalysisError,
    Interrupted,
    StorageError,
    interrupted,
    one_line,
    storage_failure,
)

READ_ONLY = {
    duckdb.StatementType.SELECT,  # also WITH, DESCRIBE, SHOW, SUMMARIZE, FROM …
    duckdb.StatementType.EXPLAIN,
    duckdb.StatementType.PRAGMA,
}
FORMATS = ("table", "csv", "json", "parquet")
BATCH_ROWS = 65_536  # rows per Arrow batch: a few MB for typical tables
HEAD_BATCH_ROWS = 256  # rows per batch of a table's rows (values up to a 1 MiB card each)
# DuckDB types Arrow's CSV writer formats as they are; nested ones become JSON text.
CSV_NATIVE = {"boolean", "tinyint", "smallint", "integer", "bigint", "hugeint", "utinyint",
              "usmallint", "uinteger", "ubigint", "uhugeint", "float", "double", "decimal",
              "varchar", "date", "enum"}
NESTED = {"list", "struct", "map", "union", "array"}
SANDBOX_HINT = "hf-lineage sql reads the database only: no files, network or extensions"
MAX_HINT_LINES = 12  # lines of DuckDB's message kept for a bad query


def check_read_only(query: str) -> None:
    """Refuse anything but one read-only statement, naming what was refused."""
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as exc:  # a syntax error: DuckDB's line and caret show where
        raise AnalysisError(with_hints(exc)) from exc
    if len(statements) != 1:
        raise AnalysisError(f"give exactly one statement ({len(statements)} given)")
    kind = statements[0].type
    if kind == duckdb.StatementType.CALL:  # DuckDB materialises a CALL's whole result
        raise AnalysisError("refused: CALL is not allowed; write SELECT * FROM function(…)")
    if kind not in READ_ONLY:
        raise AnalysisError(f"refused: {kind.name} is not allowed, hf-lineage sql is read-only")


def query_error(exc: BaseException) -> AnalysisError | Interrupted | StorageError:
    """The one-line error for a DuckDB failure of the user's query (also one raised as text
    through Arrow while streaming)."""
    text = one_line(exc)
    if interrupted(exc) or text.startswith("INTERRUPT Error"):
        return Interrupted("interrupted; the query was stopped")
    if storage_failure(exc):
        return StorageError(f"database: {text}")  # DuckDB names the file and what failed
    if isinstance(exc, duckdb.PermissionException) or text.startswith("Permission Error"):
        return AnalysisError(f"refused: {text} ({SANDBOX_HINT})")
    if "configuration has been locked" in text:
        return AnalysisError(f"refused: {text} (settings are fixed in hf-lineage sql)")
    return AnalysisError(with_hints(exc))


def with_hints(exc: BaseException) -> str:
    """A bad query's message as DuckDB wrote it: the error, then its hints ('Candidate
    bindings', 'Did you mean', the query's LINE and a caret under the fault), blank lines
    dropped and at most MAX_HINT_LINES lines (a list of candidate functions can be long)."""
    lines = [line.rstrip().replace("\t", "  ") for line in str(exc).strip().splitlines()
             if line.strip()]
    if len(lines) > MAX_HINT_LINES + 1:
        lines = [*lines[:MAX_HINT_LINES], f"… ({len(lines) - MAX_HINT_LINES} more lines)"]
    return "\n".join(lines) or type(exc).__name__


def relation(conn: duckdb.DuckDBPyConnection, query: str) -> duckdb.DuckDBPyRelation:
    """The checked query, bound but not yet run (a bad or refused query fails here, before any
    output file is touched)."""
    check_read_only(query)
    try:
        return conn.sql(query)
    except duckdb.Error as exc:
        raise query_error(exc) from exc


class Batches:
    """The result of `rel` as Arrow record batches, DuckDB's failures as one-line errors."""

    def __init__(self, rel: duckdb.DuckDBPyRelation, batch_rows: int = BATCH_ROWS) -> None:
        try:
            self.reader = rel.to_arrow_reader(batch_rows)
        except duckdb.Error as exc:
            raise query_error(exc) from exc
        self.schema = self.reader.schema

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        while True:
            try:
                batch = self.reader.read_next_batch()
            except StopIteration:
                return
            except (duckdb.Error, OSError, pa.ArrowException) as exc:
                raise query_error(exc) from exc
            yield batch


class Long(NamedTuple):
    """A text value too long to show whole: its start and its length in characters."""

    start: str
    length: int


def head(rel: duckdb.DuckDBPyRelation, limit: int, max_chars: int | None = None
         ) -> tuple[list[str], list[tuple], bool]:
    """The column names, the first `limit` rows, and whether the result has more rows; with
    `max_chars`, a text value longer than that comes as a `Long`.

    The query itself is limited to `limit + 1` rows, so DuckDB computes no more than that: a
    scan stops early and an ORDER BY keeps only the top rows (a sort of 10^8 rows held them
    all). Rows are read HEAD_BATCH_ROWS at a time and long texts cut batch by batch, so a
    result of 1 MiB card bodies holds a few of them at once."""
    rows: list[tuple] = []
    for batch in Batches(rel.limit(limit + 1), min(HEAD_BATCH_ROWS, limit + 1)):
        columns = [column.to_pylist() for column in batch.columns]
        if max_chars is not None:
            columns = [[Long(v[:max_chars], len(v)) if isinstance(v, str) and len(v) > max_chars
                        else v for v in values] for values in columns]
        rows.extend(zip(*columns, strict=True))
    return list(rel.columns), rows[:limit], len(rows) > limit


def write(rel: duckdb.DuckDBPyRelation, fmt: str, sink: TextIO | BinaryIO) -> None:
    """Stream the result to `sink` as csv or json (text) or parquet (binary)."""
    writers = {"csv": write_csv, "json": write_json, "parquet": write_parquet}
    if fmt not in writers:
        raise AnalysisError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    try:
        writers[fmt](rel, sink)
    except pa.ArrowNotImplementedError as exc:
        raise AnalysisError(f"--format {fmt} cannot hold this result: {one_line(exc)}") from exc


def write_csv(rel: duckdb.DuckDBPyRelation, sink: TextIO) -> None:
    """Header first (at once, before the query has produced a row), then batch after batch;
    NULL as empty, nested values as JSON text."""
    csv.writer(sink, lineterminator="\n").writerow(rel.columns)
    sink.flush()
    options = pcsv.WriteOptions(include_header=False, quoting_style="needed")
    for batch in Batches(_csv_columns(rel)):
        buffer = io.BytesIO()
        pcsv.write_csv(batch, buffer, options)
        sink.write(buffer.getvalue().decode("utf-8"))


def write_json(rel: duckdb.DuckDBPyRelation, sink: TextIO) -> None:
    """One JSON array of row objects, a row a line, as DuckDB's to_json renders them (JSON
    columns stay JSON, duplicate names get a suffix), written as the rows arrive."""
    sink.write("[\n")
    sink.flush()
    alias = "row"
    while alias in {name.lower() for name in rel.columns}:
        alias += "_"
    separator = ""
    for batch in Batches(rel.set_alias(alias).project(f"to_json({alias})")):
        sink.write(separator + ",\n".join(batch.column(0).to_pylist()))
        separator = ",\n"
    sink.write("\n]\n" if separator else "]\n")


def write_parquet(rel: duckdb.DuckDBPyRelation, sink: BinaryIO) -> None:
    """One row group per batch, so the writer holds one batch at a time."""
    batches = Batches(rel)
    with pq.ParquetWriter(sink, batches.schema) as writer:
        for batch in batches:
            writer.write_batch(batch)


def _csv_columns(rel: duckdb.DuckDBPyRelation) -> duckdb.DuckDBPyRelation:
    """The result with every column in a form Arrow's CSV writer takes: nested values as JSON
    text, timestamps, blobs, intervals … as DuckDB prints them. Columns are taken by position
    (`#n`), so duplicate or odd names need no resolving."""
    columns = []
    for position, (name, kind) in enumerate(zip(rel.columns, rel.types, strict=True), start=1):
        if kind.id in CSV_NATIVE:
            value = f"#{position}"
        elif kind.id in NESTED:
            value = f"to_json(#{position})"
        else:
            value = f"CAST(#{position} AS VARCHAR)"
        columns.append(f"{value} AS {_quoted(name)}")
    return rel.project(", ".join(columns))


def _quoted(name: str) -> str:
    """A SQL identifier for any column name."""
    return '"' + name.replace('"', '""') + '"'
