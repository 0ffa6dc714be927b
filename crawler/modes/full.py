"""The full crawl: every model on the Hub, listed once, page by page (memory stays flat)."""

from __future__ import annotations

from crawler.estimate import cost
from crawler.modes.base import Mode, listing_params
from crawler.store import meta


class FullCrawl(Mode):
    name = "full"

    def run(self) -> str:
        hub_size = self.estimated_hub_size()
        self.note(f"listing the Hub (about {hub_size:,} models): "
                  f"{cost(self.client.limiter, 'api', self.listing_cost())}")
        self.progress.phase("listing the Hub", hub_size)
        self.list_into_db("listing", listing_params())
        self.settle_unlisted()
        self.db.set_meta(meta.HUB_SIZE, str(self.db.listing.live_models()))
        return "listing"
