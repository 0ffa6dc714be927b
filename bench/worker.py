"""Work run in a child process: so its peak memory and its time are its own.

`run_worker(task)` starts `python -m bench.worker`, sends the task as JSON on stdin and returns
the JSON the child prints last. Tasks: `generate` (a Hub store), `hub_stats_dump` (a store
written as a hub-stats models.parquet), `crawl` (one crawl, with the time spent inside the
crawler's ingest calls measured by wrapping them) and `naive_cards` (the loop of
`ModelCard.load` users write today). huggingface_hub reads HF_ENDPOINT when imported,
so the child gets its environment before importing anything from it.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def run_worker(task: dict[str, Any], endpoint: str | None = None) -> dict[str, Any]:
    """Run `task` in a fresh Python process; raises with the child's stderr on failure."""
    env = {k: v for k, v in os.environ.items() if k not in ("HF_TOKEN", "HF_ENDPOINT")}
    env["HF_HUB_DISABLE_TELEMETRY"] = "1"
    env["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    with tempfile.TemporaryDirectory(prefix="bench-hf-home-") as home:
        env["HF_HOME"] = home
        if endpoint:
            env["HF_ENDPOINT"] = endpoint
        proc = subprocess.run([sys.executable, "-m", "bench.worker"], input=json.dumps(task),
                              capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"bench worker {task['task']} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


class Stopwatch:
    """Total wall and CPU time and calls of the functions wrapped with `wrap`; a wrapped call
    made inside another is counted once (the outer one)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.cpu_seconds = 0.0
        self.calls = 0
        self._depth = 0

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            if self._depth:
                return fn(*args, **kwargs)
            self._depth += 1
            start, cpu = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self._depth -= 1
                self.seconds += time.perf_counter() - start
                self.cpu_seconds += time.process_time() - cpu
                self.calls += 1

        return timed


class Span:
    """Wall time from the first call of one function to the last return of another (the card
    pump fetches beside the listing: its time is a span, not a sum of calls)."""

    def __init__(self) -> None:
        self.began: float | None = None
        self.ended: float | None = None

    def start(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            if self.began is None:
                self.began = time.perf_counter()
            return fn(*args, **kwargs)

        return timed

    def end(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                self.ended = time.perf_counter()

        return timed

    def seconds(self) -> float:
        return (self.ended - self.began) if self.began and self.ended else 0.0


def generate(task: dict[str, Any]) -> dict[str, Any]:
    """`generated_store` into a file, timed."""
    from hub_double import generator
    from hub_double.store import HubStore

    start = time.perf_counter()
    store = HubStore(task["path"])
    generator.generate_hub(store, task["n_models"], task["seed"], task["lineage_share"])
    store.finish_loading()
    store.cursor().execute("CHECKPOINT")
    store.close()
    return {"seconds": time.perf_counter() - start}


def hub_stats_dump(task: dict[str, Any]) -> dict[str, Any]:
    """A generated Hub's store written as a hub-stats models.parquet, timed."""
    from hub_double.hub_stats import write_hub_stats
    from hub_double.store import HubStore

    start = time.perf_counter()
    store = HubStore(task["store"])
    rows = write_hub_stats(store, task["path"])
    store.close()
    return {"seconds": time.perf_counter() - start, "rows": rows}


def crawl_task(task: dict[str, Any]) -> dict[str, Any]:
    import duckdb

    from crawler import crawl as crawl_module
    from crawler.card_pump import CardPump
    from crawler.http import HubClient, RateLimiter
    from crawler.modes.family import FamilyCrawl
    from crawler.store.database import Database
    from crawler.store.family import FamilyStore
    from crawler.store.listing import ListingStore

    base_rss = peak_rss_mb()
    ingest, closure, cards = Stopwatch(), Stopwatch(), Span()
    # every call that turns fetched JSON into rows: staging pages, committing a batch of staged
    # pages and handing the file to readers (release: DuckDB checkpoints on close), moving the
    # stage into the tables, single-model ingests (and the family filters' batches, HTTP
    # included)
    for name in ("ingest_page", "stage_page", "stage_changes", "apply_staged"):
        setattr(ListingStore, name, ingest.wrap(getattr(ListingStore, name)))
    Database.release = ingest.wrap(Database.release)  # type: ignore[method-assign]
    FamilyCrawl.expand_children = ingest.wrap(FamilyCrawl.expand_children)  # type: ignore
    FamilyStore.apply_closure = closure.wrap(FamilyStore.apply_closure)  # type: ignore
    # the cards' span: from the pump's first workers to the end of its last write
    CardPump._start_workers = cards.start(CardPump._start_workers)  # type: ignore
    CardPump.finish = cards.end(CardPump.finish)  # type: ignore

    client = HubClient(endpoint=task["endpoint"], budgets=task.get("budgets"))
    if task.get("window_s"):
        client.limiter = RateLimiter(task["budgets"], window_s=task["window_s"])
    start = time.perf_counter()
    summary = crawl_module.crawl(task["db"], task["mode"], client=client,
                                 hub_size=task.get("hub_size"), cards=task["cards"],
                                 card_workers=task.get("card_workers", 16),
                                 refresh_counts=task.get("refresh_counts", False))
    wall = time.perf_counter() - start
    peak = peak_rss_mb()
    conn = duckdb.connect(task["db"], read_only=True)
    models = conn.execute("SELECT count(*) FROM models WHERE NOT gone").fetchone()[0]
    conn.close()
    return {
        "wall_s": wall, "ingest_s": ingest.seconds, "ingest_cpu_s": ingest.cpu_seconds,
        "ingest_calls": ingest.calls,
        "closure_s": closure.seconds, "cards_s": cards.seconds(), "peak_rss_mb": peak,
        "base_rss_mb": base_rss, "models_in_db": models, "strategy": summary.strategy,
        "status": summary.status, "requests": summary.requests, "retries": summary.retries,
        "models_seen": summary.models_seen, "models_changed": summary.models_changed,
        "models_new": summary.models_new, "cards_fetched": summary.cards_fetched,
        "waited_s": dict(client.limiter.waited_s),
        "budgets": {bucket: budget.as_dict() for bucket, budget in client.limiter.budgets.items()},
    }


def naive_cards(task: dict[str, Any]) -> dict[str, Any]:
    """for id in ids: ModelCard.load(id): what a user writes today, errors skipped."""
    from huggingface_hub import ModelCard

    loaded = failed = 0
    start = time.perf_counter()
    for model_id in task["ids"]:
        try:
            ModelCard.load(model_id)
            loaded += 1
        except Exception:  # noqa: BLE001 - gated or README-less repos, as a user would skip
            failed += 1
    return {"wall_s": time.perf_counter() - start, "loaded": loaded, "failed": failed}


def analysis_task(task: dict[str, Any]) -> dict[str, Any]:
    from bench.analysis_task import run

    return run(task)


TASKS = {"generate": generate, "crawl": crawl_task, "naive_cards": naive_cards,
         "analysis": analysis_task, "hub_stats_dump": hub_stats_dump}


def main() -> None:
    task = json.loads(sys.stdin.read())
    result = TASKS[task["task"]](task)
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
