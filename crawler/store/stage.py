"""Listing pages staged on disk, as the Hub sent them, until they are moved into the tables.

Staging a page costs one file write: its JSON goes to `<db>.stage/<seq>.json`, and DuckDB parses
the staged pages together when they are applied (`read_text` over the files, one `from_json`
per page, files read in parallel). Nothing is parsed twice and nothing is written to the
database until the bulk move.

A page file counts only once the database lists it: the table `staged_pages` (one row per
staged page, written in the transaction that moves the listing's cursor past it) says which
files are staged. A file beyond it was written by a crawl killed before that transaction
committed; it is stale, and removed before new pages are staged. Files are synced to disk
before the transaction that lists them commits, so a crash cannot leave a listed file empty.
"""

from __future__ import annotations

import os
from pathlib import Path

from hf_lineage.errors import StorageError


class PageStage:
    """The stage directory beside a database file."""

    def __init__(self, db_path: Path) -> None:
        self.dir = Path(f"{db_path}.stage")

    def path(self, seq: int) -> Path:
        return self.dir / f"{seq:08d}.json"

    def write(self, seq: int, body: str) -> Path:
        """Write page `seq` (replacing a stale file of that number) and sync it to disk."""
        path = self.path(seq)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as file:
                file.write(body.encode("utf-8"))
                file.flush()
                os.fsync(file.fileno())
        except OSError as exc:
            raise StorageError(f"cannot stage a listing page in {self.dir}: "
                               f"{exc.strerror or exc}") from exc
        return path

    def sync(self) -> None:
        """Make the names of the files written so far durable (before the database lists
        them)."""
        if not self.dir.is_dir():
            return
        fd = os.open(self.dir, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def remove_after(self, seq: int) -> None:
        """Remove the files numbered above `seq` (0: every file), and the directory once
        empty."""
        if not self.dir.is_dir():
            return
        for path in self.dir.glob("*.json"):
            if path.stem.isdigit() and int(path.stem) > seq:
                path.unlink(missing_ok=True)
        if seq == 0 and not any(self.dir.iterdir()):
            self.dir.rmdir()
