"""The stage's parts parsed one ahead in a thread: order, errors, and leaving early."""

from __future__ import annotations

import threading

import duckdb
import pytest

from crawler.store.read_ahead import SCRATCH, ReadAhead


def numbers(cursor: duckdb.DuckDBPyConnection, table: str, part: int) -> None:
    if part < 0:
        raise ValueError(f"part {part} does not parse")
    cursor.execute(f"CREATE TABLE {table} AS SELECT {part} AS part, range AS n FROM range(3)")


def attached(conn: duckdb.DuckDBPyConnection) -> bool:
    return conn.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name = ?",
                        [SCRATCH]).fetchone()[0] == 1


def test_parts_come_in_order_and_each_is_dropped_once_used():
    conn = duckdb.connect()
    seen = []
    with ReadAhead(conn, [1, 2, 3], numbers) as parts:
        for table in parts:
            seen.append(conn.execute(f"SELECT DISTINCT part FROM {table}").fetchone()[0])
        tables = conn.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = ?",
                              [SCRATCH]).fetchone()[0]
    assert seen == [1, 2, 3] and tables == 0
    assert not attached(conn)


def test_an_error_of_a_part_reaches_the_writer_after_the_parts_before_it():
    conn = duckdb.connect()
    seen = []
    with pytest.raises(ValueError, match="part -1 does not parse"):
        with ReadAhead(conn, [1, 2, -1, 4], numbers) as parts:
            for table in parts:
                seen.append(conn.execute(f"SELECT DISTINCT part FROM {table}").fetchone()[0])
    assert seen == [1, 2]
    assert not attached(conn)
    assert not any(t.name == "hf-lineage-read-ahead" for t in threading.enumerate())


def test_leaving_early_stops_the_parse_and_detaches():
    conn = duckdb.connect()
    with pytest.raises(RuntimeError):
        with ReadAhead(conn, list(range(1, 50)), numbers) as parts:
            for _ in parts:
                raise RuntimeError("the writer failed")
    assert not attached(conn)
    assert not any(t.name == "hf-lineage-read-ahead" for t in threading.enumerate())
