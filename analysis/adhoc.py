"""Ad hoc read-only SQL for `hf-lineage sql`: checked, run once, written in the asked format.

Two guards keep a crawl intact: the statement type is checked before anything runs (so a DROP
or DELETE is refused with a clear message), and the connection is read-only anyway.
"""

from __future__ import annotations

import csv
import json
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import TextIO

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from hf_lineage.errors import AnalysisError, one_line

READ_ONLY = {
    duckdb.StatementType.SELECT,  # also WITH, DESCRIBE, SHOW, SUMMARIZE, FROM …
    duckdb.StatementType.EXPLAIN,
    duckdb.StatementType.PRAGMA,
    duckdb.StatementType.CALL,
}
FORMATS = ("table", "csv", "json", "parquet")


def check_read_only(query: str) -> None:
    """Refuse anything but one read-only statement, naming what was refused."""
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as exc:
        raise AnalysisError(one_line(exc)) from exc
    if len(statements) != 1:
        raise AnalysisError(f"give exactly one statement ({len(statements)} given)")
    kind = statements[0].type
    if kind not in READ_ONLY:
        raise AnalysisError(f"refused: {kind.name} is not allowed, hf-lineage sql is read-only")


def run(conn: duckdb.DuckDBPyConnection, query: str) -> pa.Table:
    """The query's result, after the read-only check; SQL errors become one-line errors."""
    check_read_only(query)
    try:
        return conn.sql(query).to_arrow_table()
    except duckdb.Error as exc:
        raise AnalysisError(one_line(exc)) from exc


def _plain(value: object) -> object:
    """A cell for CSV: nested values as JSON text, NULL as empty."""
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, default=str, ensure_ascii=False)
    return value


def write(result: pa.Table, fmt: str, out: Path | None, stream: TextIO | None = None) -> None:
    """csv or json (to `out`, else `stream`, default stdout) or parquet (to `out`, required)."""
    if fmt == "parquet":
        if out is None:
            raise AnalysisError("--format parquet needs --out FILE")
        pq.write_table(result, out)
        return
    if fmt not in ("csv", "json"):
        raise AnalysisError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    rows = result.to_pylist()
    target = open(out, "w", encoding="utf-8", newline="") if out else nullcontext(
        stream or sys.stdout)
    with target as handle:
        if fmt == "json":
            json.dump(rows, handle, default=str, ensure_ascii=False)
            handle.write("\n")
            return
        writer = csv.writer(handle)
        writer.writerow(result.column_names)
        writer.writerows([_plain(v) for v in row.values()] for row in rows)
