"""Listing pages written to the stage, synced and checked on a thread of their own.

Staging a page is a file write, a sync to disk and a light parse that checks every item is a
model (crawler/store/listing.py). None of it needs the crawl's thread, which meanwhile asks the
Hub for the next page, so a thread does it, a few pages behind. A batch commits only once each
of its pages is on disk and checked (`wait`): a page refused by its check, and every page after
it, stay out of the batch, whose cursor then points at the refused page, and the refusal is
raised to the crawl. At most QUEUE pages wait to be written, so memory stays bounded.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path

from crawler.store.stage import PageStage

QUEUE = 16  # pages handed over and not yet written (about 18 MB of JSON)
IDLE_S = 1.0  # the thread ends after this long without a page (a new page starts another)
POLL_S = 0.1

# what a page's check found: (models, items without id, oldest, newest lastModified)
Check = tuple


class StageWriter:
    """Writes, syncs and checks staged pages in submission order; `check(path, summary)` runs
    the page's check query on the writer's own DuckDB cursor."""

    def __init__(self, stage: PageStage, check: Callable[[Path, bool], Check]) -> None:
        self.stage = stage
        self._check = check
        self._todo: deque[tuple[int, str, bool]] = deque()
        self._done: dict[int, Check | BaseException] = {}
        self._cond = threading.Condition()
        self._running = False

    def submit(self, seq: int, body: str, summary: bool) -> None:
        """Stage page `seq` (`summary`: its check also reads the span of its lastModified);
        waits while QUEUE pages are waiting already."""
        with self._cond:
            while len(self._todo) >= QUEUE:
                self._cond.wait(POLL_S)
            self._todo.append((seq, body, summary))
            if not self._running:
                self._running = True
                threading.Thread(target=self._work, daemon=True,
                                 name="hf-lineage-stage-writer").start()
            self._cond.notify_all()

    def wait(self, seqs: list[int]) -> dict[int, Check | BaseException]:
        """What the checks of pages `seqs` found (or why they failed), once all are done."""
        with self._cond:
            while not all(seq in self._done for seq in seqs):
                self._cond.wait(POLL_S)
            return {seq: self._done.pop(seq) for seq in seqs}

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._todo:
                    if not self._cond.wait(IDLE_S) and not self._todo:
                        self._running = False
                        return
                seq, body, summary = self._todo.popleft()
                self._cond.notify_all()
            try:
                path = self.stage.write(seq, body)
                self.stage.sync_file(path)
                result: Check | BaseException = self._check(path, summary)
            except BaseException as exc:  # noqa: BLE001 - handed to the crawl's thread
                result = exc
            with self._cond:
                self._done[seq] = result
                self._cond.notify_all()
