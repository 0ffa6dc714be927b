"""Rich progress bars for a crawl: one bar per phase, with rate-limit waits and an ETA.

The ETA is rich's: the phase's remaining units at the speed of the last 30 seconds, which for a
paced crawl is the budget's pace. Waits are shown as wall time (concurrent workers waiting at
once count once), so they compare with the elapsed time beside them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from hf_lineage.printable import printable, text

if TYPE_CHECKING:
    from crawler.http import Budget


class RichProgress:
    """Implements crawler.progress.Progress on a rich console (stderr)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.bars = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[waits]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self._task: TaskID | None = None
        self._cards: TaskID | None = None  # the card bodies' bar, beside the phases
        self._waited = 0.0

    def __enter__(self) -> RichProgress:
        self.bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bars.stop()

    def phase(self, name: str, total: int | None = None) -> None:
        self._task = self.bars.add_task(escape(printable(name)), total=total, waits="")

    def advance(self, n: int = 1) -> None:
        if self._task is not None:
            self.bars.advance(self._task, n)

    def wait(self, bucket: str, seconds: float) -> None:
        self._waited += seconds
        if self._task is not None:
            self.bars.update(self._task, waits=f"[yellow]waited {self._waited:.0f}s")

    def cards(self, fetched: int, known: int) -> None:
        if self._cards is None:
            self._cards = self.bars.add_task("card bodies", total=known, waits="")
        self.bars.update(self._cards, completed=fetched, total=known)

    def budget(self, bucket: str, budget: Budget) -> None:
        self.note(f"{bucket} budget: {budget.describe()}")

    def note(self, message: str) -> None:
        """A line above the bars; model ids, paths and the Hub's words in it stay text."""
        self.console.print(text(message, style="cyan"), soft_wrap=True)
