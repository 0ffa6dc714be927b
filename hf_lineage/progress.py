"""Rich progress bars for a crawl: one bar per phase, with rate-limit waits and an ETA."""

from __future__ import annotations

from rich.console import Console
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
        self._waited = 0.0

    def __enter__(self) -> RichProgress:
        self.bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bars.stop()

    def phase(self, name: str, total: int | None = None) -> None:
        self._task = self.bars.add_task(name, total=total, waits="")

    def advance(self, n: int = 1) -> None:
        if self._task is not None:
            self.bars.advance(self._task, n)

    def wait(self, bucket: str, seconds: float) -> None:
        self._waited += seconds
        if self._task is not None:
            self.bars.update(self._task, waits=f"[yellow]rate-limit waits {self._waited:.0f}s")

    def note(self, message: str) -> None:
        self.console.print(f"[cyan]{message}")
