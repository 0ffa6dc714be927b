"""What a crawl holds in memory while pages arrive: a family crawl's children pages go into
their transaction as they come (at most a few wait), and the client's `stream` never runs
further ahead of its caller than its buffer."""

from __future__ import annotations

import threading

import pandas as pd

from crawler.crawl import crawl
from crawler.modes.family import FILTER_WORKERS
from tests.crawl_helpers import fast_client
from tests.hub_rows import model_row, store_of


def test_stream_runs_at_most_its_buffer_ahead_of_the_caller():
    client = fast_client()
    produced = 0
    lock = threading.Lock()

    def many(item: int):
        nonlocal produced
        for n in range(50):
            with lock:
                produced += 1
            yield item, n

    workers, buffer = 4, 3
    taken = 0
    for _ in client.stream(many, range(8), workers, buffer):
        taken += 1
        with lock:  # each worker holds at most the one result it cannot hand over yet
            assert produced <= taken + buffer + workers
    assert taken == produced == 8 * 50


class CountingClient(type(fast_client())):
    """The crawl's client, counting the listing pages produced and not yet taken by the
    crawl (what it holds in memory at once)."""

    def __init__(self, **options):
        super().__init__(**options)
        self.waiting = self.most = 0
        self.lock = threading.Lock()

    def stream(self, fn, items, workers, buffer):
        def counted(item):
            for result in fn(item):
                with self.lock:
                    self.waiting += 1
                    self.most = max(self.most, self.waiting)
                yield result

        for result in super().stream(counted, items, workers, buffer):
            with self.lock:
                self.waiting -= 1
            yield result


def test_a_family_crawl_holds_a_few_children_pages_whatever_the_batch_lists(serve, tmp_path):
    llama = "meta-llama/Llama-2-7b-hf"
    children = [model_row(f"kid-{i % 9}/ft-{i}", i, tags=[f"base_model:{llama}"])
                for i in range(1, 601)]
    store = store_of([model_row(llama, 0), *children])
    store.add_models(pd.DataFrame([model_row("x/outside", 900)]))
    serve(store, page_size=10)  # 60 pages of the root's children, in one batch
    client = CountingClient(budgets={"api": 10**7, "resolvers": 10**7},
                            retry=fast_client().retry)
    db = tmp_path / "hub.duckdb"
    summary = crawl(db, "family", client=client, cards=False)
    assert summary.status == "ok" and summary.models_seen == 601
    assert 0 < client.most <= 2 * FILTER_WORKERS
