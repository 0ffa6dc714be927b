"""Generated Hubs cached under data/bench/ (by size, seed and lineage share) and doubles on them.

A Hub is generated once, in a child process (so its numpy arrays never weigh on the process
that serves it or measures), into a temporary file renamed on success: a killed generation
leaves no half-written Hub behind.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.common import CACHE
from bench.worker import run_worker
from crawler.http import HubClient
from crawler.modes.base import listing_params
from hub_double.faults import Quota
from hub_double.server import HubDouble
from hub_double.store import HubStore


def store_path(n_models: int, seed: int, lineage_share: float) -> Path:
    return CACHE / f"hub-{n_models}-s{seed}-l{lineage_share:g}.duckdb"


def cached_store(n_models: int, seed: int, lineage_share: float) -> tuple[Path, float]:
    """The Hub's store file, generated if absent; returns (path, seconds spent generating)."""
    path = store_path(n_models, seed, lineage_share)
    if path.exists():
        return path, 0.0
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".partial")
    for leftover in (tmp, Path(f"{tmp}.wal")):
        leftover.unlink(missing_ok=True)
    out = run_worker({"task": "generate", "n_models": n_models, "seed": seed,
                      "lineage_share": lineage_share, "path": str(tmp)})
    tmp.rename(path)
    return path, out["seconds"]


def copy_store(path: Path, dest: Path) -> Path:
    """A private copy of a cached Hub, for benchmarks that mutate it (touch)."""
    shutil.copyfile(path, dest)
    return dest


@contextmanager
def serve(path: Path, latency_ms: float = 0.0,
          quota: tuple[dict[str, int], float] | Quota | None = None,
          page_size: int = 1000) -> Iterator[HubDouble]:
    """A double on the store file at `path`, in a thread of this process."""
    store = HubStore(path)
    double = HubDouble(store, page_size=page_size, latency_ms=latency_ms)
    if quota is not None:
        double.faults.quota = quota if isinstance(quota, Quota) else Quota(*quota)
    try:
        with double:
            yield double
    finally:
        store.close()


def family_size(path: Path) -> int:
    """Ground truth: LLaMA/DeepSeek models (roots and descendants) in a generated Hub."""
    store = HubStore(path)
    try:
        return store.cursor().execute(
            "SELECT count(*) FROM truth_models WHERE family IS NOT NULL").fetchone()[0]
    finally:
        store.close()


def pages_on_disk(n_models: int, seed: int, lineage_share: float = 0.35) -> list[Path]:
    """The whole listing of the cached Hub, as served, one file per page (cached under
    data/bench/: a 3M-model Hub's pages are 3.3 GB, more than is worth holding in memory)."""
    folder = CACHE / f"pages-{n_models}-s{seed}"
    done = folder / "complete"
    if not done.exists():
        store, _ = cached_store(n_models, seed, lineage_share)
        folder.mkdir(parents=True, exist_ok=True)
        with serve(store) as double:
            client = HubClient(endpoint=double.url, budgets={"api": 10_000_000})
            for number, page in enumerate(client.list_pages(listing_params())):
                (folder / f"{number:06d}.json").write_text(page.body, encoding="utf-8")
        done.touch()
    return sorted(folder.glob("*.json"))
