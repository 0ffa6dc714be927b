"""Where the real Hub samples are: vendored in tests/data/hub-samples, so a fresh clone has them.

The project was given these captures in `../shared/hub-samples`; the repository keeps a copy
(the two largest files gzip-compressed) with its provenance in `PROVENANCE.md` there.
`HF_LINEAGE_SAMPLES` points the readers at another copy, compressed or not.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import IO

VENDORED = Path(__file__).resolve().parents[1] / "tests" / "data" / "hub-samples"
SAMPLES_DIR = Path(os.environ.get("HF_LINEAGE_SAMPLES") or VENDORED)


def sample_path(name: str) -> Path:
    """The sample file `name` (a path under hub-samples), or its `.gz` copy when only that exists.

    A missing file is returned as named, so callers' `is_file()` checks and errors name it.
    """
    path = SAMPLES_DIR / name
    if path.exists() or name.endswith(".gz"):
        return path
    packed = path.with_name(path.name + ".gz")
    return packed if packed.exists() else path


def open_text(path: Path) -> IO[str]:
    """A sample file as text, decompressing `.gz` files."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return path.open(encoding="utf-8", newline="")


def family_tree_paths(directory: Path | None = None) -> list[Path]:
    """The family-tree captures (`*.json`, or `*.json.gz` in the vendored copy), sorted."""
    folder = directory or SAMPLES_DIR / "family-trees"
    return sorted(p for p in folder.glob("*.json*") if p.name.endswith((".json", ".json.gz")))


def tree_stem(path: Path) -> str:
    """A capture's name without `.json` / `.json.gz` (it ends with its capture time)."""
    return path.name.removesuffix(".gz").removesuffix(".json")
