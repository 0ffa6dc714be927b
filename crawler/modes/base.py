"""What every crawl mode shares: the run's context, paging a listing into the database, the
requests spent since the last write (stored with the data they fetched), and the card pump that
fetches card bodies beside the mode's own work (crawler/card_pump.py)."""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from crawler.card_pump import CardPump
from crawler.estimate import plan
from crawler.http import HubClient, ListingPage
from crawler.lineage.canonical import canonicalize
from crawler.lineage.infer import infer_family_members
from crawler.modes.absence import settle_unlisted
from crawler.progress import Progress
from crawler.roots import Roots
from crawler.store import Database, Tally, meta
from crawler.store.aliases import STAGED, STORED, Graph
from crawler.store.ingest import EXPAND
from crawler.store.meta import Checkpoints

PAGE_SIZE = 1000
REAL_HUB_SIZE = 2_200_000  # models on the Hub, late 2025; replaced by measured sizes
APPLY_EVERY = 500  # listing pages staged between two moves into the tables,
APPLY_EVERY_S = 30.0  # or seconds, so readers see a slow crawl progress


def listing_params(*extra: tuple[str, str]) -> list[tuple[str, str]]:
    """A listing of every property the tables store, a full page at a time."""
    return [("expand", name) for name in EXPAND] + [("limit", str(PAGE_SIZE)), *extra]


@dataclass
class CrawlOptions:
    hub_size: int | None = None  # models on the Hub, for the family crawl's choice of road
    refresh_counts: bool = False  # incremental: also refresh every stored model's counts
    infer: bool = False  # family: undocumented members too (needs the whole-Hub listing)
    evidence_files: bool = False  # with infer: read adapter and mergekit configs first
    first_page: ListingPage | None = None  # the Hub's newest model, asked before a new database


class Mode:
    """One crawl run of a mode; `run()` does the mode's listing and returns the road taken."""

    name: str

    def __init__(self, db: Database, client: HubClient, roots: Roots, progress: Progress,
                 run_id: int, options: CrawlOptions) -> None:
        self.db, self.client, self.roots, self.progress = db, client, roots, progress
        self.run_id, self.options = run_id, options
        self.checkpoints = Checkpoints(self.name)
        self.cards: CardPump | None = None  # fetches card bodies beside the mode's work
        self._reported: Counter[str] = Counter()
        self._reported_retries = 0

    def run(self) -> str | None:
        raise NotImplementedError

    def spent(self) -> Tally:
        """Requests and retries since the last call: what the next write adds to the run."""
        requests = Counter(self.client.requests)
        delta = requests - self._reported
        retries = self.client.retries - self._reported_retries
        self._reported, self._reported_retries = requests, self.client.retries
        return Tally(requests=dict(delta), retries=retries)

    def note(self, message: str) -> None:
        self.progress.note(message)

    def step_done(self, stored: bool = False) -> None:
        """Between two steps of the mode's own work (a page, a batch): write the cards fetched
        meanwhile, and hand the readers the file. `stored`: models were just stored, whose
        cards the pump now looks for."""
        if self.cards is not None:
            self.cards.pump(stored)
        self.db.release(force=False)

    def announce(self, what: str, api_requests: int, cards: int) -> None:
        """Say what a step will cost before it starts: requests per bucket, the time at the
        budgets in force, and the whole (the buckets work side by side)."""
        cards = cards if self.cards is not None else 0
        self.note(f"{what}: {plan(self.client.limiter, {'api': api_requests, 'resolvers': cards})}")

    def hub_newest(self) -> str | None:
        """The Hub's newest lastModified (one request, made before a new database was created:
        crawler.crawl): where the next incremental crawl starts, whatever the listing's order.
        Its answer also states the api budget of the plan in force, before a step's cost is
        said."""
        page = self.options.first_page or self.client.newest_model()
        return self.db.listing.newest_last_modified(page.body)

    def record_hub_newest(self) -> None:
        """hub_newest, once per run (a checkpoint)."""
        if self.checkpoint("hub_newest") is None:
            with self.db.transaction() as tx:
                self.checkpoints.write(tx, "hub_newest", self.hub_newest())

    def cards_to_fetch(self) -> int:
        """Cards a listing of the whole Hub will leave to fetch: those pending now, and one per
        model the database does not hold yet."""
        stored = self.db.listing.live_models()
        return self.db.cards.pending_count([]) + max(self.estimated_hub_size() - stored, 0)

    def estimated_hub_size(self) -> int:
        """Models on the Hub: as told (--hub-size), else as the last whole listing measured."""
        measured = self.db.get_meta(meta.HUB_SIZE)
        return self.options.hub_size or (int(measured) if measured else REAL_HUB_SIZE)

    def checkpoint(self, name: str) -> str | None:
        return self.checkpoints.read(self.db.conn, name)

    def list_into_db(self, name: str, params: list[tuple[str, str]], apply: bool = True,
                     after_first_page: Callable[[], None] | None = None) -> None:
        """Page through a listing, staging each page with the cursor of the next one (the
        checkpoint `name`).

        With `apply`, the stage moves into the tables every APPLY_EVERY pages and at the end;
        without, it is left for the caller (a family crawl builds its graph from it).
        `after_first_page` runs once the first page is in: its answer stated the api budget
        of the plan in force, so the cost of the rest can be said."""
        start = self.checkpoint(name)
        try:
            if start != "done":
                applied, staged = time.monotonic(), 0
                for page in self.client.list_pages(params, start_url=start):
                    self.progress.advance(self.db.listing.stage_page(
                        page.body, self.checkpoints, name, page.next_url or "done",
                        self.run_id, self.spent()))
                    if after_first_page is not None:
                        after_first_page()
                        after_first_page = None
                    staged += 1
                    due = staged >= APPLY_EVERY or time.monotonic() - applied >= APPLY_EVERY_S
                    if apply and due:
                        self.db.listing.apply_staged(self.run_id, self.spent())
                        applied, staged = time.monotonic(), 0
                        self.step_done(stored=True)
                    else:
                        self.step_done()
        finally:  # also when the Hub fails for good: what was listed is kept and visible
            if apply:
                self.db.listing.apply_staged(self.run_id, self.spent())
        if apply:
            self.step_done(stored=True)

    @property
    def organisations(self) -> list[str]:
        return sorted(self.roots.organisations)

    @property
    def seeds(self) -> list[str]:
        return list(self.roots.root_models())

    def canonicalize(self, graph: Graph = STORED) -> None:
        """Parents named by their canonical ids (crawler/lineage/canonical.py). A database of
        the whole Hub asks about every name it does not hold (a renamed or deleted repo: the
        listing had every live one); a family database only about names that could be family
        models, so a family crawl does not spend a request on each foreign missing parent."""
        canonicalize(self.db, self.client, self.organisations, self.run_id, self.spent, graph,
                     everything=self.holds_whole_hub and graph is STORED,
                     between=self.step_done)

    @property
    def holds_whole_hub(self) -> bool:
        """Whether the database holds every live model once this run ends."""
        return self.name == "full" or self.db.get_meta(meta.SCOPE) == "full"

    def keep_family_of_stage(self, whole_hub: bool) -> None:
        """Move the staged models that descend from the roots into the tables: the stage's
        graph is made canonical first, so a child naming a renamed root stays in the family."""
        self.db.family.stage_graph()
        self.canonicalize(STAGED)
        if self.options.infer and whole_hub:
            self.progress.phase("undocumented family members")
            found = infer_family_members(self.db, self.client, self.run_id, self.spent,
                                         self.roots, self.options.evidence_files)
            self.note(f"inference: {found:,} undocumented models join the families")
        self.db.family.apply_closure(self.organisations, self.seeds, whole_hub=whole_hub,
                                     run_id=self.run_id, spent=self.spent(),
                                     checkpoints=self.checkpoints)
        self.step_done(stored=True)

    def settle_unlisted(self) -> None:
        """After the listing of the scope: the stored models it left out are asked about one
        by one, and only those the Hub says it no longer has are gone (crawler/modes/absence)."""
        settle_unlisted(self)

    def outside_scope(self, conn: duckdb.DuckDBPyConnection, ids: list[str]) -> list[str]:
        """Which of these stored models (answered by the Hub under their id) are outside what
        this mode crawls: nothing is, but for a family crawl."""
        return []

    def listing_cost(self) -> int:
        """Requests a listing of the whole Hub takes."""
        return math.ceil(self.estimated_hub_size() / PAGE_SIZE)

    def under_reported(self) -> bool:
        """Whether this run's listing said less than the Hub holds (it keeps the watermark)."""
        return self.checkpoint(meta.INCOMPLETE) is not None
