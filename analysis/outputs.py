"""Output files of the analysis commands, opened so they can never overwrite a database.

A mistyped `--out` (the crawl's own file, another DuckDB database, a symlink onto one) must not
destroy months of crawling. The check is made on the file actually opened, before anything is
truncated: open without truncating (following symlinks, as the shell does), compare the opened
file with the database's files and look for DuckDB's signature, and only then empty it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO

import duckdb

from crawler.store.beside import is_duckdb_file
from hf_lineage.errors import ConfigError, StorageError

COMPANIONS = ("", ".wal")  # the database and its write-ahead log, which DuckDB replays on open


def database_files(conn: duckdb.DuckDBPyConnection) -> set[Path]:
    """The resolved paths of the database files `conn` reads, with their write-ahead logs."""
    rows = conn.execute(
        "SELECT path FROM duckdb_databases() WHERE path IS NOT NULL AND NOT internal"
    ).fetchall()
    return {Path(f"{path}{suffix}").resolve() for (path,) in rows for suffix in COMPANIONS}


def open_output(path: str | Path, protected: set[Path], *, binary: bool = False) -> IO:
    """`path` opened for writing from its start, refused (ConfigError) if it is, or leads by a
    symlink to, one of the `protected` files or any DuckDB database."""
    target = Path(path)
    if target.resolve() in protected:
        raise ConfigError(f"refused: {target} is the database being read; write elsewhere")
    fd = os.open(target, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        info = os.fstat(fd)
        if stat.S_ISREG(info.st_mode):  # devices and pipes (/dev/stdout) are written as they are
            if any(_same_file(info, p) for p in protected) or is_duckdb_file(os.pread(fd, 12, 0)):
                raise ConfigError(f"refused: {target} is a DuckDB database; hf-lineage does not "
                                  "overwrite databases, write elsewhere")
            os.ftruncate(fd, 0)
        if binary:
            return os.fdopen(fd, "wb")
        return os.fdopen(fd, "w", encoding="utf-8", newline="")
    except BaseException:
        os.close(fd)
        raise


def write_text(path: str | Path, text: str, protected: set[Path]) -> None:
    """`text` written to `path` through `open_output`."""
    try:
        with open_output(path, protected) as handle:
            handle.write(text)
    except OSError as exc:
        raise cannot_write(path, exc) from exc


def cannot_write(target: str | Path, exc: OSError) -> StorageError:
    """The one-line error for a failed write: a read-only folder, a full disk …"""
    return StorageError(f"cannot write {target}: {exc.strerror or exc}")


def _same_file(info: os.stat_result, path: Path) -> bool:
    try:
        other = os.stat(path)
    except FileNotFoundError:
        return False
    return (other.st_dev, other.st_ino) == (info.st_dev, info.st_ino)
