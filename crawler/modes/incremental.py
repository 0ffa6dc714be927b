"""The incremental crawl: models changed since the last crawl's watermark, newest first.

It keeps the database's scope: a full database takes every changed model, a family database the
changed models that descend from its roots or from models it already holds. Downloads and likes
change without touching lastModified; `refresh_counts` refreshes them for every stored model
through a light listing of the whole Hub (1,000 models a request).
"""

from __future__ import annotations

from crawler.modes.base import PAGE_SIZE, Mode, listing_params
from crawler.store import meta
from crawler.store.ingest import COUNT_EXPAND
from hf_lineage.errors import ConfigError


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
        if self.options.refresh_counts:
            self.refresh_counts()
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
            self.db.release(force=False)
            if reached:
                break

    def refresh_counts(self) -> None:
        """Downloads and likes of every stored model from a light listing of the whole Hub."""
        if self.checkpoint("counts") == "done":
            return
        self.progress.phase("downloads and likes")
        params = [("expand", name) for name in COUNT_EXPAND] + [("limit", str(PAGE_SIZE))]
        for page in self.client.list_pages(params, start_url=self.checkpoint("counts")):
            self.db.listing.refresh_counts(page.body, self.run_id, self.checkpoints, "counts",
                                           page.next_url or "done", self.spent())
            self.progress.advance(1)
            self.db.release(force=False)
