"""The three crawl modes (family, full, incremental) and the run around them.

`crawl()` is what `hf-lineage crawl` calls. A run takes the database's crawl lock, resumes an
interrupted run of the same mode from its checkpoints (stored in the database), lists models,
fetches the cards whose sha changed, and records itself in `crawl_runs`.

Family crawls pick the cheaper of two roads: following `base_model:` filters costs about one
request per family model; listing the whole Hub costs one request per 1,000 Hub models and
builds the graph locally. After the roots' direct children are known, the crawl predicts the
family's size and switches to the listing when that is cheaper (and also whenever the filters
have cost as much as a listing would).
"""

from __future__ import annotations

import json
import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from huggingface_hub.errors import HfHubHTTPError

from crawler.cards import fetch_cards
from crawler.errors import ConfigError, CrawlError
from crawler.hub import HubClient
from crawler.ingest import COUNT_EXPAND, EXPAND, INGEST_SQL
from crawler.progress import Progress, SilentProgress
from crawler.roots import Roots, load_roots
from crawler.storage import DEDUPLICATED_STAGE, Database, apply_staged, utcnow

MODES = ("family", "full", "incremental")
PAGE_SIZE = 1000
REAL_HUB_SIZE = 2_200_000  # models on the Hub, late 2025; replaced by measured sizes
FAMILY_GROWTH = 2.0  # models a queued model stands for (itself and its unseen descendants)
FILTER_BATCH = 64  # models whose children are listed per transaction
FILTER_WORKERS = 8  # concurrent child listings (the budget still paces them)
APPLY_EVERY = 100  # listing pages staged between two moves into the tables,
APPLY_EVERY_S = 30.0  # or seconds, so readers see a slow crawl progress


@dataclass
class CrawlSummary:
    run_id: int
    mode: str
    status: str
    strategy: str | None
    requests: dict[str, int]
    retries: int
    models_seen: int = 0
    models_new: int = 0
    models_changed: int = 0
    models_gone: int = 0
    cards_fetched: int = 0
    cards_unavailable: int = 0  # gated, deleted, or without README.md: expected, not errors
    errors: int = 0
    resumed: bool = False
    notes: list[str] = field(default_factory=list)


def _listing_params(*extra: tuple[str, str]) -> list[tuple[str, str]]:
    return [("expand", name) for name in EXPAND] + [("limit", str(PAGE_SIZE)), *extra]


class _Run:
    """One crawl run: shared state of the mode functions below."""

    def __init__(self, db: Database, client: HubClient, roots: Roots, progress: Progress,
                 run_id: int, mode: str, hub_size: int | None, refresh: bool) -> None:
        self.db, self.client, self.roots, self.progress = db, client, roots, progress
        self.run_id, self.mode = run_id, mode
        self.hub_size = hub_size
        self.refresh = refresh
        self.summary = CrawlSummary(run_id, mode, "running", None, {}, 0)

    def count(self, counts: dict[str, int]) -> None:
        self.summary.models_seen += counts["seen"]
        self.summary.models_new += counts["new"]
        self.summary.models_changed += counts["changed"]

    def note(self, message: str) -> None:
        self.summary.notes.append(message)
        self.progress.note(message)

    # -- listings -------------------------------------------------------------------------------
    def list_into_db(self, key: str, params: list[tuple[str, str]], keep: str = "all") -> None:
        """Page through a listing, staging each page with the cursor of the next one.

        keep='all' moves the stage into the tables every APPLY_EVERY pages and at the end;
        keep='staged' leaves it for the caller (a family crawl builds its graph from it)."""
        start = self.db.get_meta(key)
        try:
            if start != "done":
                applied, staged = time.monotonic(), 0
                for page in self.client.list_pages(params, start_url=start):
                    self.progress.advance(self.db.stage_page(page.body,
                                                             (key, page.next_url or "done")))
                    staged += 1
                    due = staged >= APPLY_EVERY or time.monotonic() - applied >= APPLY_EVERY_S
                    if keep == "all" and due:
                        self.count(self.db.apply_staged_listing(self.run_id))
                        applied, staged = time.monotonic(), 0
                    self.db.release(force=False)
        finally:  # also when the Hub fails for good: what was listed is kept and visible
            if keep == "all":
                self.count(self.db.apply_staged_listing(self.run_id))

    def mark_gone(self) -> None:
        with self.db.transaction() as tx:
            gone = tx.execute(
                "UPDATE models SET gone = true WHERE NOT gone AND last_seen_run < ?",
                [self.run_id]).fetchone()[0]
        self.summary.models_gone = gone

    # -- family ---------------------------------------------------------------------------------
    def seed_ids(self) -> list[str]:
        return list(self.roots.root_models())

    def hub_newest(self) -> str | None:
        """The Hub's newest lastModified (one request): where the next incremental crawl starts,
        whatever the family's own models' times."""
        page = next(self.client.list_pages(
            [("sort", "lastModified"), ("expand", "lastModified"), ("limit", "1")]))
        newest = self.db.conn.execute(
            "SELECT max(TRY_CAST(replace(j->>'lastModified', 'Z', '') AS TIMESTAMP)) "
            "FROM (SELECT unnest(from_json(?::JSON, '[\"JSON\"]')) AS j)",
            [page.body]).fetchall()[0][0]
        return str(newest) if newest else None

    def family(self) -> None:
        if self.db.get_meta("checkpoint:family:hub_newest") is None:
            self.db.set_meta("checkpoint:family:hub_newest", self.hub_newest())
        strategy = self.db.get_meta("checkpoint:family:strategy") or "filters"
        if strategy == "filters":
            strategy = self.family_by_filters()
        if strategy == "listing":
            self.family_by_listing()
        self.summary.strategy = strategy
        self.mark_gone()

    def family_by_filters(self) -> str:
        self.progress.phase("roots")
        for org in sorted(self.roots.organisations):
            self.list_into_db(f"checkpoint:family:org:{org}",
                              _listing_params(("author", org)))
        self.fetch_missing_roots()
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT INTO crawl_frontier SELECT id, 0, false FROM models "
                "WHERE NOT gone AND (author IN (SELECT unnest(?)) OR id IN (SELECT unnest(?))) "
                "ON CONFLICT DO NOTHING",
                [list(self.roots.organisations), self.seed_ids()],
            )
        listing_cost = math.ceil(self.estimated_hub_size() / PAGE_SIZE)
        self.progress.phase("children (base_model filters)")
        while True:
            batch = self.db.conn.execute(
                "SELECT model_id, generation FROM crawl_frontier WHERE NOT done "
                "ORDER BY generation, model_id LIMIT ?", [FILTER_BATCH]).fetchall()
            if not batch:
                return "filters"
            if batch[0][1] >= 1 and self.switch_to_listing(listing_cost):
                return "listing"
            self.expand_children(batch)

    def switch_to_listing(self, listing_cost: int) -> bool:
        """Is listing the Hub now cheaper than following filters to the end?

        Checked once the roots' children are known and after every batch: the filters' cost is
        about one request per family model, predicted from what is done and what is queued."""
        done, pending = self.db.conn.execute(
            "SELECT count(*) FILTER (WHERE done), count(*) FILTER (WHERE NOT done) "
            "FROM crawl_frontier").fetchone()
        predicted = done + pending * FAMILY_GROWTH  # one filter request per family model
        spent = sum(self.client.requests.values())
        if predicted <= listing_cost and spent < listing_cost:
            return False
        self.db.set_meta("checkpoint:family:strategy", "listing")
        self.note(
            f"family crawl: about {predicted:,.0f} family models predicted against "
            f"{listing_cost:,} pages for a full listing; listing the Hub instead of following "
            "base_model filters"
        )
        return True

    def children_pages(self, model_id: str) -> list[str]:
        params = _listing_params(("filter", f"base_model:{model_id}"))
        return [page.body for page in self.client.list_pages(params)]

    def expand_children(self, batch: list[tuple[str, int]]) -> None:
        """List a batch of models' children (base_model filters, concurrently), store them in
        one transaction, and queue the ones not seen before. A killed batch is simply redone."""
        with ThreadPoolExecutor(max_workers=FILTER_WORKERS) as pool:
            bodies = [body for pages in pool.map(self.children_pages, [m for m, _ in batch])
                      for body in pages]
        items = [body.strip()[1:-1].strip() for body in bodies]
        with self.db.transaction() as tx:
            tx.execute(INGEST_SQL["stage"], ["[" + ",".join(i for i in items if i) + "]"])
            tx.execute("INSERT INTO crawl_frontier SELECT id, ?, false FROM page "
                       "ON CONFLICT DO NOTHING", [max(g for _, g in batch) + 1])
            counts = apply_staged(tx, self.run_id)
            tx.execute("UPDATE crawl_frontier SET done = true "
                       "WHERE model_id IN (SELECT unnest(?))", [[m for m, _ in batch]])
        self.count(counts)
        self.progress.advance(counts["seen"])
        self.db.release(force=False)

    def fetch_missing_roots(self) -> None:
        """Named roots outside the organisations: one model-info request each."""
        known = {r[0] for r in self.db.conn.execute(
            "SELECT id FROM models WHERE id IN (SELECT unnest(?))", [self.seed_ids()]
        ).fetchall()}
        for model_id in self.seed_ids():
            if model_id in known:
                continue
            try:
                item = self.client.model_info(model_id, EXPAND)
            except HfHubHTTPError as exc:  # a missing or private root is reported, not fatal
                self.db.record_error(self.run_id, model_id, "root", _short(exc))
                self.summary.errors += 1
                continue
            self.count(self.db.ingest_page(f"[{item}]", self.run_id))

    def estimated_hub_size(self) -> int:
        measured = self.db.get_meta("hub_size")
        return self.hub_size or (int(measured) if measured else REAL_HUB_SIZE)

    def family_by_listing(self) -> None:
        self.progress.phase("listing the Hub")
        self.list_into_db("checkpoint:family:listing", _listing_params(), keep="staged")
        if not self.db.has_staged():  # already applied before an interruption
            return
        self.apply_family_closure(include_stored=False)
        with self.db.transaction() as tx:
            n = tx.execute("SELECT count(DISTINCT id) FROM staged_listing").fetchall()[0][0]
            tx.execute("INSERT OR REPLACE INTO meta VALUES ('hub_size', ?)", [str(n)])
            tx.execute("DROP TABLE staged_listing")

    def apply_family_closure(self, include_stored: bool) -> None:
        """Keep the staged models that descend from a seed (or from a stored family model)."""
        stored = "UNION SELECT id FROM models WHERE NOT gone" if include_stored else ""
        with self.db.transaction() as tx:
            tx.execute(DEDUPLICATED_STAGE)
            tx.execute("CREATE OR REPLACE TEMP TABLE staged_edges AS "
                       + INGEST_SQL["edges"].split("INSERT INTO edges", 1)[1])
            tx.execute(
                f"""CREATE OR REPLACE TEMP TABLE family_ids AS
                WITH RECURSIVE fam(id) AS (
                    SELECT id FROM page
                    WHERE author IN (SELECT unnest($orgs)) OR id IN (SELECT unnest($seeds))
                    {stored}
                    UNION
                    SELECT e.child FROM staged_edges e JOIN fam ON e.parent = fam.id
                )
                SELECT DISTINCT id FROM fam""",
                {"orgs": list(self.roots.organisations), "seeds": self.seed_ids()},
            )
            tx.execute("DELETE FROM page WHERE id NOT IN (SELECT id FROM family_ids)")
            self.count(apply_staged(tx, self.run_id))
            tx.execute("DROP TABLE staged_edges")
            tx.execute("DROP TABLE family_ids")

    # -- full and incremental -------------------------------------------------------------------
    def full(self) -> None:
        self.progress.phase("listing the Hub")
        self.list_into_db("checkpoint:full:listing", _listing_params())
        self.mark_gone()
        self.db.set_meta("hub_size", str(self.db.conn.execute(
            "SELECT count(*) FROM models WHERE NOT gone").fetchone()[0]))

    def incremental(self) -> None:
        watermark = self.db.get_meta("watermark:last_modified")
        scope = self.db.get_meta("scope")
        if watermark is None or scope is None:
            raise CrawlError("no completed crawl in this database yet: run a family or full "
                             "crawl first, then incremental crawls keep it up to date")
        self.summary.strategy = f"changes since {watermark} ({scope} scope)"
        key = "checkpoint:incremental:listing"
        self.progress.phase("changed models (newest first)")
        if self.db.get_meta(key) != "done":
            for page in self.client.list_pages(_listing_params(("sort", "lastModified")),
                                               start_url=self.db.get_meta(key)):
                with self.db.transaction() as tx:
                    tx.execute(INGEST_SQL["stage"], [page.body])
                    oldest, newest = tx.execute(
                        "SELECT min(last_modified), max(last_modified) FROM page").fetchall()[0]
                    if tx.execute("SELECT value FROM meta WHERE key = ?",
                                  ["checkpoint:incremental:hub_newest"]).fetchall() == []:
                        tx.execute("INSERT INTO meta VALUES (?, ?)",
                                   ["checkpoint:incremental:hub_newest",
                                    str(newest or watermark)])
                    tx.execute("DELETE FROM page WHERE last_modified <= CAST(? AS TIMESTAMP)",
                               [watermark])
                    tx.execute(INGEST_SQL["keep_staged"])
                    tx.execute("DROP TABLE page")
                    reached = oldest is None or oldest <= datetime.fromisoformat(watermark)
                    next_value = "done" if reached or not page.next_url else page.next_url
                    tx.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, next_value])
                self.progress.advance(1)
                self.db.release(force=False)
                if next_value == "done":
                    break
        if scope == "full":
            self.count(self.db.apply_staged_listing(self.run_id))
        elif self.db.has_staged():
            self.apply_family_closure(include_stored=True)
            with self.db.transaction() as tx:
                tx.execute("DROP TABLE staged_listing")
        if self.refresh:
            self.refresh_counts()

    def refresh_counts(self) -> None:
        """Downloads and likes of every stored model from a light listing of the whole Hub
        (1,000 models a request; they change without touching lastModified)."""
        key = "checkpoint:incremental:counts"
        if self.db.get_meta(key) == "done":
            return
        self.progress.phase("downloads and likes")
        params = [("expand", name) for name in COUNT_EXPAND] + [("limit", str(PAGE_SIZE))]
        for page in self.client.list_pages(params, start_url=self.db.get_meta(key)):
            with self.db.transaction() as tx:
                tx.execute(INGEST_SQL["counts_stage"], [page.body])
                tx.execute(INGEST_SQL["counts_update"])
                tx.execute(INGEST_SQL["counts_snapshots_delete"], {"run_id": self.run_id})
                tx.execute(INGEST_SQL["counts_snapshots"],
                           {"run_id": self.run_id, "now": utcnow()})
                tx.execute("DROP TABLE counts")
                tx.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                           [key, page.next_url or "done"])
            self.progress.advance(1)
            self.db.release(force=False)


def crawl(
    db_path: str | Path,
    mode: str = "family",
    *,
    roots_path: str | Path | None = None,
    client: HubClient | None = None,
    progress: Progress | None = None,
    hub_size: int | None = None,
    cards: bool = True,
    card_workers: int = 16,
    refresh_counts: bool = False,
) -> CrawlSummary:
    """Run (or resume) one crawl into the database at `db_path`; see the module docstring."""
    if mode not in MODES:
        raise ConfigError(f"unknown crawl mode {mode!r}; choose one of {', '.join(MODES)}")
    if refresh_counts and mode != "incremental":
        raise ConfigError("--refresh-counts goes with --mode incremental (family and full "
                          "crawls refresh downloads and likes anyway)")
    roots = load_roots(roots_path)
    progress = progress or SilentProgress()
    client = client or HubClient(on_wait=progress.wait)
    with Database(db_path) as db:
        run_id = db.interrupted_run(mode)
        resumed = run_id is not None
        if resumed:
            db.resume_run(run_id)
            progress.note(f"resuming interrupted {mode} crawl (run {run_id}) from its checkpoint")
        else:
            run_id = db.start_run(mode)
        run = _Run(db, client, roots, progress, run_id, mode, hub_size, refresh_counts)
        run.summary.resumed = resumed
        status, message = "failed", "unexpected error"
        try:
            getattr(run, mode)()
            if cards:
                progress.phase("cards", None)
                run.summary.cards_fetched = fetch_cards(
                    db, client, workers=card_workers, on_card=lambda row: progress.advance(1))
            status, message = "ok", None
        except KeyboardInterrupt:
            status, message = "interrupted", "stopped by the user; run again to resume"
            raise
        except CrawlError as exc:
            status, message = "failed", str(exc)
            raise
        finally:
            _close_run(db, run, status, message)
    return run.summary


def _close_run(db: Database, run: _Run, status: str, message: str | None) -> None:
    summary = run.summary
    summary.status = status
    summary.requests = dict(run.client.requests)
    summary.retries = run.client.retries
    unavailable, failed = db.conn.execute(
        "SELECT count(*) FILTER (WHERE fetch_error IN ('gated', 'not found', 'no README.md')), "
        "count(*) FILTER (WHERE fetch_error NOT IN ('gated', 'not found', 'no README.md')) "
        "FROM cards WHERE fetched_at >= (SELECT started_at FROM crawl_runs WHERE run_id = ?)",
        [run.run_id]).fetchall()[0]
    summary.cards_unavailable, summary.errors = unavailable, summary.errors + failed
    previous = db.conn.execute("SELECT requests, retries FROM crawl_runs WHERE run_id = ?",
                               [run.run_id]).fetchone()
    requests = dict(summary.requests)
    if summary.resumed and previous and previous[0]:
        for kind, n in json.loads(previous[0]).items():
            requests[kind] = requests.get(kind, 0) + n
    db.update_run(
        run.run_id, strategy=summary.strategy, requests=requests,
        retries=summary.retries + ((previous[1] or 0) if summary.resumed and previous else 0),
        models_seen=summary.models_seen, models_new=summary.models_new,
        models_changed=summary.models_changed, models_gone=summary.models_gone,
        cards_fetched=summary.cards_fetched, cards_unavailable=summary.cards_unavailable,
        errors=summary.errors,
    )
    meta = {}
    if status == "ok":
        stored = db.conn.execute("SELECT max(last_modified) FROM models").fetchall()[0][0]
        seen = db.get_meta(f"checkpoint:{run.mode}:hub_newest")
        candidates = [t for t in (stored, seen and datetime.fromisoformat(seen)) if t]
        meta["watermark:last_modified"] = str(max(candidates)) if candidates else None
        if run.mode != "incremental":
            meta["scope"] = run.mode
        db.conn.execute("DELETE FROM crawl_frontier")
    db.finish_run(run.run_id, run.mode, status, message, meta)


def _short(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]
