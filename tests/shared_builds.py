"""Expensive test databases built once per test run, whatever the number of xdist workers.

Each worker process runs the session fixtures itself, so a generated Hub crawled for the
analysis tests was crawled once per worker. `build_once` builds it once, under a file lock in a
folder every worker of the run shares, and gives each worker its own copy of the file: a test
may then write to its copy without disturbing another worker's.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock


def build_once(shared: Path, name: str, build: Callable[[Path], object],
               private: Path) -> Path:
    """`build(path)` writes the DuckDB file `path`; done once per run, copied into `private`."""
    target = shared / name
    with FileLock(f"{target}.lock"):
        if not target.exists():
            partial = shared / f"partial-{name}"
            for leftover in (partial, Path(f"{partial}.wal")):
                leftover.unlink(missing_ok=True)
            build(partial)
            if Path(f"{partial}.wal").exists():
                raise RuntimeError(f"{partial} was left with a write-ahead log")
            partial.rename(target)
    copy = private / name
    shutil.copyfile(target, copy)
    return copy
