"""The incremental crawl: models changed since the last crawl's watermark, newest first.

It keeps the database's scope: a full database takes every changed model, a family database the
changed models that descend from its roots or from models it already holds. Downloads and likes
change without touching lastModified; `refresh_counts` refreshes them for every stored model
through a light listing of the whole Hub (1,000 models a request), and, that listing being
whole, asks about the stored models it left out (crawler/modes/absence.py): the day's deleted
models are marked gone. The changed models' cards are fetched beside that listing, in the other
rate-limit bucket (crawler/card_pump.py), so a day costs the slower bucket's time.
"""

from __future__ import annotations

import math
import time

from crawler.modes.base import APPLY_EVERY_S, PAGE_SIZE, Mode, listing_params
from crawler.store import meta
from crawler.store.ingest import COUNT_EXPAND
from hf_lineage.errors import ConfigError

COUNT_PAGES = 100  # light listing pages applied per transaction (about 15 MB of JSON)


class IncrementalCrawl(Mode):
    name = "incremental"

    def run(self) -> str:
        watermark = self.db.get_meta(meta.WATERMARK)
        scope = self.db.get_meta(meta.SCOPE)
        if watermark is None or scope is None:
            raise ConfigError("no completed crawl in this database yet: run a family or full "
                              "crawl first, then incremental crawls keep it up to date")
        self.progress.phase("changed models (newest first)")
        self.stage_changes(watermark)
        if scope == "full":
            self.db.listing.apply_staged(self.run_id, self.spent())
        elif self.db.listing.has_staged():
            self.keep_family_of_stage(whole_hub=False)
        self.step_done(stored=True)
        if self.options.refresh_counts:
            self.refresh_counts()
            self.settle_unlisted()
        return f"changes since {watermark} ({scope} scope)"

    def stage_changes(self, watermark: str) -> None:
        """Page newest first until a page reaches the watermark, staging what changed."""
        if self.checkpoint("listing") == "done":
            return
        pages = self.client.list_pages(listing_params(("sort", "lastModified")),
                                       start_url=self.checkpoint("listing"))
        for page in pages:
            _, reached = self.db.listing.stage_changes(
                page.body, watermark, self.checkpoints, "listing", page.next_url,
                self.run_id, self.spent())
            self.progress.advance(1)
            self.step_done()
            if reached:
                break

    def refresh_counts(self) -> None:
        """Downloads and likes of every stored model from a light listing of the whole Hub,
        COUNT_PAGES pages (or APPLY_EVERY_S seconds) per transaction; the changed models' cards
        are fetched meanwhile."""
        if self.checkpoint("counts") == "done":
            return
        pages = math.ceil(self.estimated_hub_size() / PAGE_SIZE)
        pending = self.db.cards.pending_count([])
        self.announce(f"downloads and likes of every model, and the {pending:,} changed "
                      "models' cards beside them", pages, pending)
        self.progress.phase("downloads and likes (listing pages)", pages)
        params = [("expand", name) for name in COUNT_EXPAND] + [("limit", str(PAGE_SIZE))]
        bodies: list[str] = []
        began = time.monotonic()
        for page in self.client.list_pages(params, start_url=self.checkpoint("counts")):
            bodies.append(page.body)
            self.progress.advance(1)
            if page.next_url is None or len(bodies) >= COUNT_PAGES \
                    or time.monotonic() - began >= APPLY_EVERY_S:
                self.db.listing.refresh_counts(bodies, self.run_id, self.checkpoints, "counts",
                                               page.next_url or "done", self.spent())
                bodies, began = [], time.monotonic()
            self.step_done()
