"""The embedded default job: a generated Hub served locally, crawled, and reported.

The same crawl code that crawls huggingface.co runs here against the Hub double, over real HTTP,
so the demo needs no network and shows exactly what a real crawl produces.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from analysis.db import connect
from analysis.report import write_report
from crawler.crawl import crawl
from crawler.http import HubClient
from crawler.progress import Progress
from crawler.store.runs import RunRecord
from hub_double.generator import generated_store
from hub_double.server import HubDouble

# The double is local: no need to pace requests like the real Hub's anonymous budget.
LOCAL_BUDGETS = {"api": 1_000_000, "resolvers": 1_000_000}


@dataclass
class DemoResult:
    db_path: Path
    summary: RunRecord
    hub_models: int
    report: list[Path]


def run_demo(db_path: str | Path, out_dir: str | Path, n_models: int = 20_000, seed: int = 0,
             progress: Progress | None = None) -> DemoResult:
    """Generate a Hub of `n_models`, serve it, run a family crawl of it into `db_path` with
    lineage inference on (the generated Hub, like the real one, has a majority of models that
    declare no parent: the LLaMA-1 wave shows only through inference), and write the report
    into `out_dir`: documented figures first, inferred ones beside them."""
    store = generated_store(n_models, seed)
    with HubDouble(store) as double:
        client = HubClient(endpoint=double.url, budgets=LOCAL_BUDGETS,
                           on_wait=progress.wait if progress else None,
                           on_retry=progress.note if progress else None)
        summary = crawl(db_path, "family", client=client, progress=progress, infer=True)
    with connect(db_path) as conn:
        report = write_report(conn, out_dir, source=str(db_path))
    return DemoResult(Path(db_path), summary, store.count(), report)
