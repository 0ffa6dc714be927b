"""What a crawl reports while it runs; the CLI draws it with rich, notebooks may ignore it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from crawler.http import Budget


class Progress(Protocol):
    def phase(self, name: str, total: int | None = None) -> None:
        """A new phase starts (listing, filters, cards …), with its size when known."""

    def advance(self, n: int = 1) -> None:
        """n more units of the current phase are done."""

    def wait(self, bucket: str, seconds: float) -> None:
        """The crawl's waiting (for a rate-limit bucket or a retry) grew by `seconds` of wall
        time: waits of concurrent workers that overlap count once."""

    def budget(self, bucket: str, budget: Budget) -> None:
        """A bucket's budget changed to the policy the Hub states."""

    def cards(self, fetched: int, known: int) -> None:
        """Card bodies: `fetched` so far by this run, of `known` (fetched plus those known to
        be pending). They are fetched beside the other phases (crawler/card_pump.py)."""

    def note(self, message: str) -> None:
        """Something the user should know (the road a family crawl took, a resume …)."""


class SilentProgress:
    """The default: report nothing."""

    def phase(self, name: str, total: int | None = None) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def wait(self, bucket: str, seconds: float) -> None:
        pass

    def budget(self, bucket: str, budget: Budget) -> None:
        pass

    def cards(self, fetched: int, known: int) -> None:
        pass

    def note(self, message: str) -> None:
        pass
