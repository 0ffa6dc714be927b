"""Card bodies fetched beside the rest of a crawl: worker threads read README.md files
(resolvers bucket) while the crawl's own thread lists the Hub (api bucket).

The two rate-limit buckets are independent, and so is the work: the listing's pages, the
model-info questions and the cards of the models already stored can all go at once, so a crawl
costs the slower bucket's time, not the sum. DuckDB's connection stays with the crawl's thread:
the workers hand their rows over, and the crawl's thread writes them whenever it passes by
(`pump`, after each page or batch of its own work) and, once its own work is done, until no
card is left (`finish`).

What to fetch is the database's state (live models whose card was not read at their sha,
CardStore.pending), taken a slice at a time: memory stays flat at any Hub size, and a crawl
stopped and resumed days later fetches exactly what is left. Fetched rows waiting to be written
are bounded in bytes, so a busy writer holds the workers back instead of growing.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from types import TracebackType

from crawler.cards import fetch_card
from crawler.http import HubClient
from crawler.store import Database, Tally

SLICE = 2000  # pending cards taken from the database at a time
WRITE_EVERY = 200  # cards per transaction
WRITE_EVERY_S = 5.0  # or seconds since the last write, so a killed crawl loses little
HELD_BYTES = 64 << 20  # fetched card text waiting for the writer, at most
POLL_S = 0.1


class CardPump:
    """Pending cards fetched on `workers` threads, written by the thread that calls `pump` and
    `finish`. `on_progress(fetched, known)`: cards written this run, and that number plus the
    cards known to be pending."""

    def __init__(self, db: Database, client: HubClient, run_id: int,
                 spent: Callable[[], Tally], workers: int = 16,
                 on_progress: Callable[[int, int], None] | None = None) -> None:
        self.db, self.client, self.run_id, self.spent = db, client, run_id, spent
        self.workers = workers
        self.on_progress = on_progress or (lambda fetched, known: None)
        self.fetched = 0  # cards written by this pump
        self._todo: queue.Queue[tuple[str, str]] = queue.Queue()
        self._claimed: set[str] = set()  # queued, in flight, or fetched and not yet written
        self._failed: set[str] = set()  # failed this run: left for the next crawl
        self._rows: list[dict] = []
        self._held = 0  # bytes of text in `_rows`
        self._cond = threading.Condition()
        self._failure: BaseException | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._known = 0  # pending cards at the last count, less those written since
        self._none_left = False  # the last slice reached the end of what is pending
        self._written = time.monotonic()

    # -- the crawl's thread ---------------------------------------------------------------------
    def pump(self, stored: bool = False) -> None:
        """Write what the workers fetched and keep their queue filled; cheap when there is
        nothing to do. `stored`: the crawl has just stored models, whose cards may be pending
        (the database is asked again only then: asking costs a pass over the models)."""
        self._raise_failure()
        if self._due():
            self._write()
        if stored:
            self._none_left = False
            self._count()
        if self._todo.qsize() < SLICE // 2 and not self._none_left:
            self._take_slice()

    def finish(self) -> int:
        """Fetch and write every card still pending; returns the cards this pump wrote."""
        self._none_left = False
        self._count()
        while True:
            self._raise_failure()
            if self._todo.qsize() < SLICE // 2 and not self._none_left:
                self._take_slice()
            with self._cond:
                if not self._claimed:
                    break
                if len(self._rows) < WRITE_EVERY and len(self._rows) < len(self._claimed):
                    self._cond.wait(POLL_S)
            if self._due() or self._all_fetched():
                self._write()
        self.on_progress(self.fetched, self.fetched)
        return self.fetched

    def left(self) -> int:
        """Cards still to fetch: pending in the database (those in flight included), less the
        ones that failed this run."""
        return self.db.cards.pending_count(list(self._failed))

    def __enter__(self) -> CardPump:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        """Stop the workers; after Ctrl-C also the requests in flight. After a failure the
        workers are not waited for (daemons, they end with the process or their request)."""
        self._stop.set()
        if isinstance(exc, KeyboardInterrupt):
            self.client.cancel()
        with self._cond:
            self._cond.notify_all()
        if exc is None:  # idle once every card is written: they notice within POLL_S
            for thread in self._threads:
                thread.join()

    # -- what to fetch ------------------------------------------------------------------------
    def _count(self) -> None:
        self._known = self.left()
        self.on_progress(self.fetched, self.fetched + self._known)

    def _take_slice(self) -> None:
        with self._cond:
            skip = list(self._claimed | self._failed)
        pending = self.db.cards.pending(SLICE, skip)
        self.db.release(force=False)
        self._none_left = len(pending) < SLICE
        if not pending:
            return
        with self._cond:
            self._claimed.update(model_id for model_id, _ in pending)
        for item in pending:
            self._todo.put(item)
        self._start_workers()

    def _start_workers(self) -> None:
        while len(self._threads) < self.workers:
            thread = threading.Thread(target=self._work, daemon=True,
                                      name=f"hf-lineage-cards-{len(self._threads)}")
            self._threads.append(thread)
            thread.start()

    # -- writing --------------------------------------------------------------------------------
    def _due(self) -> bool:
        with self._cond:
            waiting = len(self._rows)
        return waiting >= WRITE_EVERY or (
            waiting > 0 and time.monotonic() - self._written >= WRITE_EVERY_S)

    def _all_fetched(self) -> bool:
        with self._cond:
            return bool(self._rows) and len(self._rows) == len(self._claimed)

    def _write(self) -> None:
        with self._cond:
            rows, self._rows, self._held = self._rows, [], 0
            self._cond.notify_all()
        self.db.cards.store(rows, self.run_id, self.spent())
        self.db.release(force=False)
        self._written = time.monotonic()
        with self._cond:
            for row in rows:
                self._claimed.discard(row["model_id"])
                if row["sha"] is None:  # failed: the next crawl asks again
                    self._failed.add(row["model_id"])
        self.fetched += len(rows)
        self._known = max(self._known - len(rows), 0)
        self.on_progress(self.fetched, self.fetched + self._known)

    def _raise_failure(self) -> None:
        with self._cond:
            failure = self._failure
        if failure is not None:
            raise failure

    # -- the workers ----------------------------------------------------------------------------
    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                item = self._todo.get(timeout=POLL_S)
            except queue.Empty:
                continue
            try:
                row = fetch_card(self.client, *item)
            except BaseException as exc:  # noqa: BLE001 - raised by the crawl's thread
                with self._cond:
                    self._failure = self._failure or exc
                    self._cond.notify_all()
                return
            size = len(row["body"] or "") + len(row["metadata"] or "")
            with self._cond:
                while self._held > HELD_BYTES and not self._stop.is_set():
                    self._cond.wait(POLL_S)
                self._rows.append(row)
                self._held += size
                self._cond.notify_all()


def fetch_cards(db: Database, client: HubClient, run_id: int, spent: Callable[[], Tally],
                workers: int = 16,
                on_progress: Callable[[int, int], None] | None = None) -> int:
    """Fetch every pending card (nothing else to do beside it); returns the cards written."""
    with CardPump(db, client, run_id, spent, workers, on_progress) as pump:
        return pump.finish()
