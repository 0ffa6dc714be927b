"""A first full crawl, cards included, planned honestly: its cost per bucket at the plan in
force is said before the work starts; models, lineage and licenses are complete and usable
before the card bodies; a crawl stopped among the cards resumes with what is left."""

from __future__ import annotations

import duckdb
import pytest

from crawler.crawl import crawl
from crawler.http import HubClient
from crawler.store import closure
from hub_double.faults import Fault, Quota
from hub_double.generator import generated_store
from tests.crawl_helpers import FAST_RETRY, assert_same_tables, fast_client

USABLE = "models, lineage and licenses are complete and usable"


class Recorder:
    """Progress that keeps the notes and card counts, and stops the crawl (Ctrl-C) at the
    note saying it is usable, when asked to."""

    def __init__(self, stop_when_usable: bool = False) -> None:
        self.notes: list[str] = []
        self.cards_seen: list[tuple[int, int]] = []
        self.stop_when_usable = stop_when_usable

    def phase(self, name, total=None): pass
    def advance(self, n=1): pass
    def wait(self, bucket, seconds): pass
    def budget(self, bucket, budget): pass

    def cards(self, fetched, known):
        self.cards_seen.append((fetched, known))

    def note(self, message):
        self.notes.append(message)
        if self.stop_when_usable and message.startswith(USABLE):
            raise KeyboardInterrupt


def scalar(db, sql: str):
    conn = duckdb.connect(str(db), read_only=True)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def test_the_plan_is_said_first_at_the_plan_the_hub_states(serve, tmp_path):
    double = serve(generated_store(150, seed=3), page_size=50)
    double.faults.quota = Quota.plan("pro")
    progress = Recorder()
    crawl(tmp_path / "hub.duckdb", "full", client=HubClient(retry=FAST_RETRY),
          progress=progress, hub_size=3_000_000)
    plan = next(n for n in progress.notes if n.startswith("listing the Hub"))
    # said once the first page's answer stated the api policy, before the rest of the work
    assert "about 3,000 api requests, 6 min at 2,500 requests per 300 s" in plan
    assert "about 3,000,000 resolvers requests, 20.8 h at 12,000 requests per 300 s" in plan
    assert "published resolvers limit of the PRO plan" in plan
    assert "side by side, about 20.8 h in all (the PRO plan's pace)" in plan
    assert progress.notes.index(plan) < progress.notes.index(
        next(n for n in progress.notes if n.startswith(USABLE)))


def test_lineage_is_usable_before_the_cards_and_a_stopped_crawl_resumes_them(serve, tmp_path):
    store = generated_store(300, seed=9)
    double = serve(store, page_size=25)
    reference = tmp_path / "reference.duckdb"
    crawl(reference, "full", client=fast_client())
    db = tmp_path / "hub.duckdb"
    double.log.reset()

    # cards slow enough that the listing, its lineage and the closure are in long before
    double.faults.add(Fault("slow", kinds={"resolve"}, delay_s=0.5, count=None))
    with pytest.raises(KeyboardInterrupt):
        crawl(db, "full", client=fast_client(), progress=Recorder(stop_when_usable=True),
              card_workers=2)
    double.faults.clear()

    # stopped at the note: everything but card bodies is in, the state says so
    assert scalar(db, "SELECT status FROM crawl_runs") == "interrupted"
    assert scalar(db, "SELECT value FROM meta WHERE key = 'scope'") == "full"
    assert scalar(db, "SELECT count(*) FROM meta WHERE key = 'watermark:last_modified'") == 1
    conn = duckdb.connect(str(db), read_only=True)
    assert closure.is_current(conn)  # `hf-lineage tree` reads it while the cards are fetched
    conn.close()
    for table in ("models", "edges", "model_tags"):
        assert scalar(db, f"SELECT count(*) FROM {table}") == scalar(
            reference, f"SELECT count(*) FROM {table}")
    assert scalar(db, "SELECT count(DISTINCT license) FROM models") == scalar(
        reference, "SELECT count(DISTINCT license) FROM models")
    left = 300 - scalar(db, "SELECT count(*) FROM cards")
    assert left > 0
    listed = double.log.counts()["list"]

    progress = Recorder()
    summary = crawl(db, "full", client=fast_client(), progress=progress)
    assert summary.status == "ok" and summary.resumed
    assert double.log.counts()["list"] == listed  # the listing is not done again
    assert progress.cards_seen[0] == (0, left)  # the cards left, known before the first
    assert progress.cards_seen[-1] == (left, left)
    assert_same_tables(reference, db)
