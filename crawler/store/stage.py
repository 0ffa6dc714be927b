"""Listing pages staged on disk, as the Hub sent them, until they are moved into the tables.

Staging a page costs one file write: its JSON goes to `<db>.stage/<seq>.json`, and DuckDB parses
the staged pages together when they are applied (`read_text` over the files, one `from_json`
per page, files read in parallel). Nothing is parsed twice and nothing is written to the
database until the bulk move.

A page file counts only once the database lists it: the table `staged_pages` (one row per
staged page, written in the transaction that moves the listing's cursor past it) says which
files are staged. A file beyond it was written by a crawl killed before that transaction
committed; it is stale, and removed before new pages are staged. Files are synced to disk
before the transaction that lists them commits, so a crash cannot leave a listed file empty
(crawler/store/stage_writer.py writes, syncs and checks them beside the crawl).
"""

from __future__ import annotations

import os
from pathlib import Path

from hf_lineage.errors import StorageError


class PageStage:
    """The stage directory beside a database file (`<db>.stage`: Beside.stage)."""

    def __init__(self, folder: Path) -> None:
        self.dir = folder

    def path(self, seq: int) -> Path:
        return self.dir / f"{seq:08d}.json"

    def write(self, seq: int, body: str) -> Path:
        """Write page `seq` (replacing a stale file of that number; `sync_file` makes it
        durable); never through a symbolic link (the folder was checked by
        crawler/store/beside.py)."""
        path = self.path(seq)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
                         | os.O_CLOEXEC, 0o644)
            with open(fd, "wb") as file:
                file.write(body.encode("utf-8"))
        except OSError as exc:
            raise StorageError(f"cannot write {path}: {exc.strerror or exc}") from exc
        return path

    def sync_file(self, path: Path) -> None:
        """Make a written page durable (before the database lists it)."""
        self._fsync(path)

    def sync_dir(self) -> None:
        """Make the names of the files written so far durable (before the database lists
        them)."""
        if self.dir.is_dir():
            self._fsync(self.dir)

    @staticmethod
    def _fsync(target: Path) -> None:
        try:
            fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise StorageError(f"cannot write {target}: {exc.strerror or exc}") from exc

    def remove_after(self, seq: int) -> None:
        """Remove the page files numbered above `seq` (0: every file), and the directory once
        empty; only regular files of the stage's own names, never through a symbolic link."""
        if self.dir.is_symlink() or not self.dir.is_dir():
            return
        with os.scandir(self.dir) as entries:
            for entry in entries:
                stem = entry.name.removesuffix(".json")
                if (entry.name.endswith(".json") and stem.isdigit() and int(stem) > seq
                        and entry.is_file(follow_symlinks=False)):
                    os.unlink(entry.path)
        if seq == 0 and not any(self.dir.iterdir()):
            self.dir.rmdir()
