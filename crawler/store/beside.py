"""The files a crawl keeps beside its database, and the check that each one is the crawl's own.

A crawl writes four paths next to `<db>`: the crawl lock `<db>.crawl-lock`, DuckDB's
write-ahead log `<db>.wal` and spill folder `<db>.tmp`, and the folder of staged listing pages
`<db>.stage`. DuckDB and the stage write, truncate and delete there without asking: a symlinked
`<db>.wal` has its target overwritten, a symlinked `<db>.stage` the files of its target
deleted, a foreign `<db>.wal` is replayed or silently removed. So before the lock is taken and
the database opened, each path must be absent or look exactly like what a crawl leaves there:
no symbolic or hard link, a regular file or a folder holding only the crawl's own files.
Anything else is refused with one line (StorageError) and nothing is touched.

The database itself must be absent or a DuckDB database (by its header): DuckDB 2 opens a
Parquet file as an in-memory database, so a crawl into `--db x.parquet` would make every
request and keep nothing.
"""

from __future__ import annotations

import functools
import os
import re
import stat
import tempfile
from pathlib import Path

import duckdb

from hf_lineage.errors import StorageError

DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file, after the header checksum
STAGED_PAGE = re.compile(r"\d{8}\.json")  # crawler/store/stage.py's file names
DUCKDB_TEMPORARY = "duckdb_temp"  # how DuckDB's spill files begin
HEADS = {b"PAR1": "a Parquet file", b"SQLite format 3\x00": "an SQLite database",
         b"PK\x03\x04": "a zip archive", b"\x1f\x8b": "a gzip file", b"{": "a JSON file",
         b"[": "a JSON file"}


def is_duckdb_file(head: bytes) -> bool:
    """Whether the first bytes of a file are a DuckDB database's header."""
    return head[8:12] == DUCKDB_MAGIC


class Beside:
    """The paths a crawl writes beside the database at `db`."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.lock = Path(f"{db}.crawl-lock")
        self.wal = Path(f"{db}.wal")
        self.stage = Path(f"{db}.stage")
        self.tmp = Path(f"{db}.tmp")

    def check(self) -> None:
        """Refuse (StorageError) a database that is not one, or a path beside it that is not
        the crawl's own; touch nothing."""
        self._check_database()
        self._check_file(self.lock, "a crawl lock is an empty file", empty=True)
        if self._check_file(self.wal, "a write-ahead log is DuckDB's own file"):
            if not self.db.exists():
                self._refuse(self.wal, "is a write-ahead log without its database")
            if not _is_wal(self.wal):
                self._refuse(self.wal, "is not a DuckDB write-ahead log")
        self._check_folder(self.stage, STAGED_PAGE.fullmatch, "staged listing pages")
        self._check_folder(self.tmp, lambda name: name.startswith(DUCKDB_TEMPORARY),
                           "DuckDB's spill files")

    def _check_database(self) -> None:
        if self.db.is_symlink() and not self.db.exists():
            raise not_a_database(self.db, "a symbolic link to nothing")
        if not self.db.exists():
            return
        if self.db.is_dir():
            raise not_a_database(self.db, "a folder")
        if not self.db.is_file():
            raise not_a_database(self.db, "not a regular file")
        head = _head(self.db, 16)
        if not is_duckdb_file(head):
            raise not_a_database(self.db, next(
                (what for start, what in HEADS.items() if head.startswith(start)),
                "an empty file" if not head else "a file of another kind"))

    def _check_file(self, path: Path, what: str, empty: bool = False) -> bool:
        """Whether the file exists, once it is known to be one the crawl may write."""
        info = _lstat(path)
        if info is None:
            return False
        if stat.S_ISLNK(info.st_mode):
            self._refuse(path, "is a symbolic link")
        if not stat.S_ISREG(info.st_mode):
            self._refuse(path, f"is not a regular file ({what})")
        if info.st_nlink > 1:
            self._refuse(path, "has other names (a hard link)")
        if empty and info.st_size:
            self._refuse(path, f"holds data ({what})")
        return True

    def _check_folder(self, path: Path, own, what: str) -> None:
        """The folder is absent, or a real folder holding only regular files named `own`."""
        info = _lstat(path)
        if info is None:
            return
        if stat.S_ISLNK(info.st_mode):
            self._refuse(path, "is a symbolic link")
        if not stat.S_ISDIR(info.st_mode):
            self._refuse(path, f"is not a folder (it holds the crawl's {what})")
        with os.scandir(path) as entries:
            for entry in entries:
                if not (own(entry.name) and entry.is_file(follow_symlinks=False)
                        and entry.stat(follow_symlinks=False).st_nlink == 1):
                    self._refuse(path, f"holds {entry.name!r}, which is not one of the "
                                 f"crawl's {what}")

    def _refuse(self, path: Path, problem: str) -> None:
        raise StorageError(f"refused: {path} {problem}; a crawl writes only its own files "
                           f"beside {self.db.name}: move it away, or use another --db")


def not_a_database(path: Path, what: str) -> StorageError:
    """The one line refusing a --db that is not a crawl database."""
    return StorageError(f"refused: {path} is {what}, not a DuckDB database hf-lineage wrote; "
                        "--db takes one, or a new path")


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


def _head(path: Path, size: int) -> bytes:
    try:
        with open(path, "rb") as file:
            return file.read(size)
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _is_wal(path: Path) -> bool:
    """Whether the file starts as this DuckDB's write-ahead logs do (an empty one too)."""
    signature = wal_signature()
    return os.path.getsize(path) == 0 or _head(path, len(signature)) == signature


@functools.cache
def wal_signature() -> bytes:
    """The bytes every write-ahead log of the installed DuckDB begins with: the common start of
    two logs written here, so that another DuckDB version's format is recognised as well."""
    heads = []
    with tempfile.TemporaryDirectory(prefix="hf-lineage-wal-") as folder:
        for name in ("a", "b"):
            path = Path(folder, f"{name}.duckdb")
            conn = duckdb.connect(str(path))
            try:
                conn.execute("SET checkpoint_threshold = '1GB'")  # the change stays in the log
                conn.execute(f"CREATE TABLE {name} AS SELECT 1 AS x")
                heads.append(_head(Path(f"{path}.wal"), 16) if Path(f"{path}.wal").exists()
                             else b"")
            finally:
                conn.close()
    return os.path.commonprefix(heads)
