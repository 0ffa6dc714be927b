"""The family crawl: the roots' organisations and named models, and every descendant.

It picks the cheaper of two roads. Following `base_model:` filters costs about one request per
family model; listing the whole Hub costs one request per 1,000 Hub models and builds the graph
locally. Once the roots' direct children are known, and after every batch, the crawl predicts
the family's size and switches to the listing when that is cheaper (and also whenever the
filters have cost as much as a listing would).
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
from huggingface_hub.errors import HfHubHTTPError

from crawler.estimate import cost
from crawler.http import HubClient
from crawler.modes.base import Mode, listing_params
from crawler.roots import Roots
from crawler.store import meta
from crawler.store.ingest import EXPAND

FAMILY_GROWTH = 2.0  # models a queued model stands for (itself and its unseen descendants)
FILTER_BATCH = 64  # models whose children are listed per transaction
FILTER_WORKERS = 8  # concurrent child listings (the budget still paces them)
FILTERS, LISTING = "filters", "listing"


class FamilyCrawl(Mode):
    name = "family"
    _road_told = False  # the road comparison is said once, and again when switching

    def run(self) -> str:
        # undocumented members are found only in a listing of the whole Hub: filters name
        # documented children
        strategy = self.checkpoint("strategy") or (LISTING if self.options.infer else FILTERS)
        if strategy == FILTERS:
            self.announce_roots()
        self.record_hub_newest()
        if strategy == FILTERS:
            strategy = self.by_filters()
        if strategy == LISTING:
            self.by_listing()
        self.settle_unlisted()
        listed = self.checkpoint(meta.HUB_SIZE)
        if listed and not self.under_reported():  # a listing cut short does not shrink the Hub
            self.db.set_meta(meta.HUB_SIZE, listed)
        return strategy

    def outside_scope(self, conn: duckdb.DuckDBPyConnection, ids: list[str]) -> list[str]:
        """The models whose stored edges no longer lead up to the roots: they left the
        family."""
        return self.db.family.outside(conn, ids, self.organisations, self.seeds)

    # -- road 1: base_model filters -------------------------------------------------------------
    def by_filters(self) -> str:
        self.progress.phase("roots")
        for org in self.organisations:
            self.list_into_db(f"org:{org}", listing_params(("author", org)))
        self.fetch_named_roots()
        self.db.family.queue_seeds(self.organisations, self.seeds)
        listing_cost = self.listing_cost()
        self.progress.phase("children (base_model filters)")
        while batch := self.db.family.next_batch(FILTER_BATCH):
            if self.switch_to_listing(listing_cost, predict=batch[0][1] >= 1):
                return LISTING
            self.expand_children(batch)
        return FILTERS

    def switch_to_listing(self, listing_cost: int, predict: bool) -> bool:
        """Is listing the Hub now cheaper than following filters to the end?

        Checked before every batch. Once the roots' children are known (`predict`), the
        filters' cost is predicted: about one request per family model, from what is done and
        what is queued. Before, only what they have cost counts: the roots of a large Hub can
        have so many children that listing them costs more than listing the Hub."""
        done, pending = self.db.family.progress()
        predicted = done + pending * FAMILY_GROWTH
        spent = sum(self.client.requests.values())
        switch = (predict and predicted > listing_cost) or spent >= listing_cost
        if switch or (predict and not self._road_told):
            limiter = self.client.limiter
            self.note(
                f"family crawl: about {predicted:,.0f} family models predicted; base_model "
                f"filters: {cost(limiter, 'api', round(max(predicted - done, 0)))}; listing "
                f"the Hub: {cost(limiter, 'api', listing_cost)}; "
                + ("listing the Hub instead of following base_model filters" if switch
                   else "following base_model filters")
            )
            self._road_told = True
        if not switch:
            return False
        with self.db.transaction() as tx:
            self.checkpoints.write(tx, "strategy", LISTING)
        return True

    def children_pages(self, model_id: str) -> Iterator[str]:
        params = listing_params(("filter", f"base_model:{model_id}"))
        for page in self.client.list_pages(params):
            yield page.body

    def expand_children(self, batch: list[tuple[str, int]]) -> None:
        """List a batch of models' children (base_model filters, concurrently), store them in
        one transaction, and queue the ones not seen before. Each page is parsed into the
        transaction as it arrives, so at most FILTER_WORKERS pages wait in memory (a batch's
        pages weigh tens of megabytes on the real Hub, hundreds on a dense one). A killed
        batch is simply redone."""
        pages = self.client.stream(self.children_pages, [m for m, _ in batch], FILTER_WORKERS,
                                   buffer=FILTER_WORKERS)
        done = self.db.family.store_children(pages, batch, self.run_id, self.spent)
        self.progress.advance(done.seen)
        self.step_done(stored=True)

    def announce_roots(self) -> None:
        """Say what the roots cost before the first request (crawler.crawl said it already
        when it asked the Hub's newest model before creating the database)."""
        if self.options.first_page is None:
            self.note(roots_cost(self.roots, self.client))

    def fetch_named_roots(self) -> None:
        """Named roots outside the organisations, on every crawl (one model-info request each):
        no listing covers them, and a root left unchecked would look gone. A named root of an
        organisation that its listing did not return is not on the Hub (or private)."""
        listed = self.db.family.seen_by_run(self.seeds, self.run_id)
        for model_id in self.seeds:
            if self.roots.organisations.get(model_id.split("/")[0]):
                if model_id not in listed:
                    self.db.runs.record_error(self.run_id, model_id, "root",
                                              "not listed by its organisation")
                continue
            try:
                item = self.client.model_info(model_id, EXPAND)
            except HfHubHTTPError as exc:  # a missing or private root is reported, not fatal
                self.db.runs.record_error(self.run_id, model_id, "root", _short(exc))
                continue
            self.db.listing.ingest_page(f"[{item}]", self.run_id, self.spent())
        self.step_done(stored=True)

    # -- road 2: the whole listing --------------------------------------------------------------
    def by_listing(self) -> None:
        self.progress.phase("listing the Hub", self.estimated_hub_size())
        self.list_into_db("listing", listing_params(), apply=False)
        if self.db.listing.has_staged():  # else applied before an interruption
            self.keep_family_of_stage(whole_hub=True)


def _short(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]


def roots_cost(roots: Roots, client: HubClient) -> str:
    """What following the roots costs: a listing per organisation and a model-info request per
    named root outside them (a roots file may name thousands)."""
    named = sum(1 for model_id in roots.root_models()
                if not roots.organisations.get(model_id.split("/")[0]))
    return (f"roots: {len(roots.organisations):,} organisations to list and {named:,} named "
            f"models outside them to ask about: "
            f"{cost(client.limiter, 'api', len(roots.organisations) + named)}, before their "
            "descendants")
