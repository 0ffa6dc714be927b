"""The full crawl: every model on the Hub, listed once, page by page (memory stays flat)."""

from __future__ import annotations

from crawler.modes.base import Mode, listing_params
from crawler.store import meta


class FullCrawl(Mode):
    name = "full"

    def run(self) -> str:
        self.progress.phase("listing the Hub")
        self.list_into_db("listing", listing_params())
        self.mark_gone()
        self.db.set_meta(meta.HUB_SIZE, str(self.db.listing.live_models()))
        return "listing"
