"""Where the ingest time goes: each step of the crawler's ingest SQL, timed on real pages.

Run in a child process (`bench.worker`, task `ingest_profile`): fetch `pages` listing pages
from the double first, then replay the statements `Database.ingest_page` runs (INGEST_SQL,
in `crawler.storage.ingest` / `apply_staged` order), page by page on a fresh database, timing
each. Also replays the unchanged `ingest()` with several pages joined per transaction, to show
what batching alone would give.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any


def run(task: dict[str, Any]) -> dict[str, Any]:
    from crawler.crawl import _listing_params
    from crawler.hub import HubClient
    from crawler.ingest import INGEST_SQL
    from crawler.storage import Database, ingest, utcnow

    client = HubClient(endpoint=task["endpoint"], budgets=task["budgets"])
    bodies: list[str] = []
    for page in client.list_pages(_listing_params()):
        bodies.append(page.body)
        if len(bodies) == task["pages"]:
            break
    models = sum(len(json.loads(body)) for body in bodies)

    def fresh(name: str) -> Database:
        path = Path(task["dir"]) / name
        for suffix in ("", ".wal", ".crawl-lock"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        db = Database(path)
        db.acquire()
        return db

    steps: Counter[str] = Counter()
    db = fresh("profile.duckdb")
    run_id = db.start_run("full")
    for body in bodies:
        conn = db.conn
        clock = time.perf_counter()

        def lap(step: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            steps[step] += now - clock
            clock = now

        conn.execute("BEGIN TRANSACTION")
        lap("begin")
        conn.execute(INGEST_SQL["stage"], [body])
        lap("stage (parse JSON)")
        conn.execute(INGEST_SQL["count"]).fetchone()
        lap("count")
        conn.execute(INGEST_SQL["models"], {"run_id": run_id})
        lap("models upsert")
        for step in ("tags_delete", "tags", "edges_delete", "edges"):
            conn.execute(INGEST_SQL[step])
            lap(step)
        conn.execute(INGEST_SQL["snapshots"], {"run_id": run_id, "now": utcnow()})
        lap("snapshots")
        conn.execute("DROP TABLE page")
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('checkpoint:x', 'y')")
        conn.execute("COMMIT")
        lap("checkpoint + commit")
    db.close()

    batched: dict[str, float] = {}
    for size in task["batches"]:
        db = fresh(f"batch{size}.duckdb")
        run_id = db.start_run("full")
        start = time.perf_counter()
        for i in range(0, len(bodies), size):
            joined = "[" + ",".join(b.strip()[1:-1] for b in bodies[i:i + size]) + "]"
            with db.transaction() as tx:
                ingest(tx, joined, run_id)
        batched[str(size)] = models / (time.perf_counter() - start)
        db.close()
    return {"models": models, "pages": len(bodies), "steps": dict(steps),
            "batched_rate": batched}
