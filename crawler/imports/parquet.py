"""A Parquet file as an import opens it: checked whole before anything is written.

The rows are read by DuckDB's own Parquet reader (`read_parquet`), never row by row in Python;
this module reads only the file's ends and footer: a file that is not Parquet, one cut short
(a download interrupted: no footer), or one DuckDB cannot read is refused with one line naming
the file, before the database is opened. Local paths are checked byte by byte first (Parquet
files start and end with the magic bytes `PAR1`, the footer's length just before the last
ones); a remote path DuckDB reads itself (`hf://datasets/…`, `https://…`) is left to it.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from hf_lineage.errors import StorageError, one_line

MAGIC = b"PAR1"
REMOTE = ("hf://", "http://", "https://", "s3://", "gs://", "az://")


@dataclass(frozen=True)
class ParquetFile:
    """A readable Parquet file: where, its size, rows and columns (name -> DuckDB type)."""

    path: str  # an absolute local path, or a remote URL as given
    size: int
    rows: int
    columns: dict[str, str]
    fingerprint: str  # sha256 of its metadata: equal for the same file wherever it lies

    def scan(self, row_numbers: bool = False) -> str:
        """SQL: a FROM clause reading the file (`file_row_number` numbers its rows)."""
        quoted = literal(self.path).replace("'", "''")
        return f"read_parquet('{quoted}'{', file_row_number = true' if row_numbers else ''})"


def is_remote(path: str) -> bool:
    return path.startswith(REMOTE)


def literal(path: str) -> str:
    """`path` as DuckDB's readers take it for exactly that file: they expand `*`, `?` and
    `[…]` as a glob (a file named `snap*.parquet` would read `snap_other.parquet` too), so a
    local path's glob characters are written as one-character classes (`[*]`)."""
    return path if is_remote(path) else re.sub(r"([*?\[])", r"[\1]", path)


def open_parquet(path: str | Path) -> ParquetFile:
    """The file at `path`, checked: StorageError (exit 5) when it is missing, not Parquet,
    truncated or unreadable."""
    name = str(path)
    if not name.strip():
        raise StorageError("an empty path is not a Parquet file")
    if not is_remote(name):
        name = os.path.abspath(name)
        _check_ends(Path(name))
    with duckdb.connect(config={"threads": 1, "memory_limit": "256MB"}) as conn:
        try:
            return _describe(conn, name)
        except duckdb.Error as exc:
            if is_remote(name) and "extension" in str(exc):
                raise StorageError(
                    f"{name} cannot be read: DuckDB reads remote paths with its httpfs "
                    "extension, which it could not load or install (no network?): download "
                    "the file and import the copy") from exc
            raise StorageError(f"{name} cannot be read as Parquet: {one_line(exc)}") from exc


def _check_ends(path: Path) -> None:
    """Refuse a local file that is missing, not Parquet, or cut short, by its first and last
    bytes: a Parquet file is `PAR1`, the data, the footer, the footer's length, `PAR1`."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(4)
            handle.seek(max(0, size - 8))
            tail = handle.read(8)
    except FileNotFoundError:
        raise StorageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise StorageError(f"{path} is a folder, not a Parquet file") from None
    except OSError as exc:
        raise StorageError(f"{path} cannot be read: {exc.strerror or exc}") from exc
    if head != MAGIC:
        raise StorageError(f"{path} is not a Parquet file (it does not begin with Parquet's "
                           "magic bytes PAR1)")
    footer = int.from_bytes(tail[:4], "little") if len(tail) == 8 else 0
    if size < 12 or tail[4:] != MAGIC or footer + 12 > size:
        raise StorageError(f"{path} is truncated or damaged: it has no complete Parquet footer "
                           "(a download cut short? download it again)")


def _describe(conn: duckdb.DuckDBPyConnection, path: str) -> ParquetFile:
    """Columns from DuckDB's reading of the schema, rows and size from the footer, and a
    fingerprint of the footer's metadata (row groups, statistics, offsets)."""
    readable = literal(path)
    rows, size = conn.execute(
        "SELECT num_rows, file_size_bytes FROM parquet_file_metadata(?)", [readable]).fetchone()
    columns = {name: kind for name, kind, *_ in conn.execute(
        "DESCRIBE SELECT * FROM read_parquet(?)", [readable]).fetchall()}
    digest = hashlib.sha256(str(size).encode())
    for row in conn.execute("SELECT * EXCLUDE (file_name) FROM parquet_metadata(?) "
                            "ORDER BY row_group_id, column_id", [readable]).fetchall():
        digest.update(repr(row).encode())
    return ParquetFile(path, int(size or 0), int(rows), columns, digest.hexdigest())


@contextmanager
def reading(file: ParquetFile) -> Iterator[None]:
    """Inside, DuckDB failing to read the file (a damaged page found while reading the rows)
    is a StorageError naming it: one line, exit 5, and the import's transaction undone."""
    try:
        yield
    except duckdb.Error as exc:
        if "Failed to read file" in str(exc) or file.path in str(exc):
            raise StorageError(f"{file.path} cannot be read: {one_line(exc)}") from exc
        raise

