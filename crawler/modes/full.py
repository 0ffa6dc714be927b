"""The full crawl: every model on the Hub, listed once, page by page (memory stays flat)."""

from __future__ import annotations

from crawler.modes.base import Mode, listing_params
from crawler.store import meta


class FullCrawl(Mode):
    name = "full"

    def run(self) -> str:
        hub_size = self.estimated_hub_size()
        self.progress.phase("listing the Hub", hub_size)
        self.list_into_db("listing", listing_params(), after_first_page=lambda: self.announce(
            f"listing the Hub (about {hub_size:,} models) and fetching the cards of the models "
            "it stores beside it", self.listing_cost(), self.cards_to_fetch()))
        self.settle_unlisted()
        self.db.set_meta(meta.HUB_SIZE, str(self.db.listing.live_models()))
        return "listing"
