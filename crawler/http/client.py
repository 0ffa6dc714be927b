"""The crawler's one HTTP layer: huggingface_hub's session, headers and errors, plus manners.

Everything goes through huggingface_hub: its shared HTTP session, `build_hf_headers` (token from
HF_TOKEN or the stored login, sent only as a header to the endpoint), `hf_raise_for_status`
(its error hierarchy: GatedRepoError, RepositoryNotFoundError …), `hf_hub_url`,
`parse_ratelimit_headers` and the card classes. Three things are requested here rather than
through `list_models` / `model_info` / `ModelCard.load`:
- listings are paged here so the crawl can store the `Link` cursor of every page as its
  checkpoint (`list_models` hides it);
- listing pages and model info are kept as the Hub's raw JSON, which DuckDB ingests directly
  (typed `ModelInfo` objects would cost Python time per model and reorder card metadata);
- README.md is fetched with one streamed GET (ModelCard.load costs a HEAD and a GET, writes
  every card to the cache, and has no size cap) and parsed with `ModelCard`.
On top: tenacity retries with exponential backoff and jitter on 429, 5xx, timeouts and dropped
connections (model info and file downloads do not retry by themselves), waits as long as
Retry-After / RateLimit say, and a per-bucket limiter that keeps the crawl inside its budget.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import quote

import httpx2
from huggingface_hub import constants, hf_hub_url
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.utils import (
    build_hf_headers,
    get_session,
    hf_raise_for_status,
    parse_ratelimit_headers,
)
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from crawler.http.ratelimit import ANONYMOUS_BUDGETS, TOKEN_BUDGETS, RateLimiter
from hf_lineage.errors import HubUnavailable

TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})
BUCKET = {"list": "api", "info": "api", "card": "resolvers"}


class TruncatedResponse(Exception):
    """The body ended before Content-Length: the connection dropped mid-answer."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 8
    base_wait_s: float = 1.0
    max_wait_s: float = 60.0
    timeout_s: float = 30.0


@dataclass
class ListingPage:
    url: str
    body: str  # the JSON array, as served
    next_url: str | None


@dataclass
class CardFile:
    text: str
    size_bytes: int
    truncated: bool
    commit: str | None


def _status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


def is_transient(exc: BaseException) -> bool:
    """Worth retrying: rate limits, server errors, timeouts, dropped or truncated answers."""
    if isinstance(exc, HfHubHTTPError):
        return _status(exc) in TRANSIENT_STATUS
    return isinstance(exc, httpx2.TransportError | TruncatedResponse)


def server_wait(exc: BaseException) -> float | None:
    """Seconds the server asked us to wait (Retry-After, or RateLimit with r=0)."""
    response = getattr(exc, "response", None)
    if response is None:
        return None
    info = parse_ratelimit_headers(response.headers)
    if info is not None and info.remaining == 0:
        return float(info.reset_in_seconds)
    retry_after = response.headers.get("retry-after")
    if retry_after and retry_after.strip().isdigit():
        return float(retry_after)
    return None


class HubClient:
    """Requests to the Hub with retries, budgets and counters (by kind: list, info, card)."""

    def __init__(
        self,
        endpoint: str | None = None,
        token: str | bool | None = None,
        budgets: dict[str, int] | None = None,
        retry: RetryPolicy | None = None,
        on_wait: Callable[[str, float], None] | None = None,
        card_cap_bytes: int = 1 << 20,
    ) -> None:
        self.endpoint = (endpoint or constants.ENDPOINT).rstrip("/")
        self._headers = build_hf_headers(token=token)
        has_token = "authorization" in {k.lower() for k in self._headers}
        defaults = TOKEN_BUDGETS if has_token else ANONYMOUS_BUDGETS
        self.limiter = RateLimiter({**defaults, **(budgets or {})})
        self.retry = retry or RetryPolicy()
        self.card_cap_bytes = card_cap_bytes
        self._on_wait = on_wait or (lambda bucket, seconds: None)
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.retries = 0

    # -- plumbing -------------------------------------------------------------------------------
    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = server_wait(exc) if exc is not None else None
        if asked is not None:
            return asked
        backoff = wait_random_exponential(multiplier=self.retry.base_wait_s,
                                          max=self.retry.max_wait_s)
        return backoff(state)

    def _before_sleep(self, kind: str) -> Callable[[RetryCallState], None]:
        def note(state: RetryCallState) -> None:
            with self._lock:
                self.retries += 1
            seconds = state.next_action.sleep if state.next_action else 0.0
            exc = state.outcome.exception() if state.outcome else None
            if exc is not None and server_wait(exc) is not None:
                self.limiter.pause(BUCKET[kind], seconds)
            self._on_wait(BUCKET[kind], seconds)

        return note

    def call(self, kind: str, fn: Callable[[], object]) -> object:
        """Run one request (with its retries) inside the bucket's budget."""

        def attempt() -> object:
            waited = self.limiter.acquire(BUCKET[kind])
            if waited > 0.5:
                self._on_wait(BUCKET[kind], waited)
            with self._lock:
                self.requests[kind] += 1
            return fn()

        retrying = Retrying(
            retry=retry_if_exception(is_transient),
            stop=stop_after_attempt(self.retry.attempts),
            wait=self._wait,
            before_sleep=self._before_sleep(kind),
            reraise=True,
        )
        try:
            return retrying(attempt)
        except Exception as exc:
            if is_transient(exc):
                raise HubUnavailable(
                    f"the Hub kept failing ({_describe(exc)}) after {self.retry.attempts} "
                    "attempts; run the crawl again to resume from its checkpoint"
                ) from exc
            raise

    def _get(self, url: str, params: list[tuple[str, str]] | None = None) -> httpx2.Response:
        response = get_session().get(url, params=params, headers=self._headers,
                                     timeout=self.retry.timeout_s)
        hf_raise_for_status(response)
        return response

    # -- the three kinds of request -------------------------------------------------------------
    def list_pages(
        self, params: list[tuple[str, str]], start_url: str | None = None
    ) -> Iterator[ListingPage]:
        """Listing pages, following `Link: rel="next"`; start at a checkpointed URL to resume."""
        url: str | None = start_url or f"{self.endpoint}/api/models"
        first = start_url is None
        while url is not None:
            current = url
            response = self.call(
                "list", lambda u=current, p=(params if first else None): self._get(u, p)
            )
            first = False
            next_url = response.links.get("next", {}).get("url")
            yield ListingPage(url=current, body=response.text, next_url=next_url)
            url = next_url

    def model_info(self, repo_id: str, expand: list[str]) -> str:
        """One model's properties (`GET /api/models/{repo_id}`), as raw JSON like a listing's
        items, so both go through the same ingest SQL."""
        url = f"{self.endpoint}/api/models/{quote(repo_id, safe='/')}"
        params = [("expand", name) for name in expand]
        return self.call("info", lambda: self._get(url, params)).text

    def fetch_card(self, repo_id: str, revision: str | None) -> CardFile:
        """README.md at `revision`, read up to the size cap (the rest is left unread)."""
        url = hf_hub_url(repo_id, "README.md", revision=revision or "main",
                         endpoint=self.endpoint)
        return self.call("card", lambda: self._read_capped(url))

    def _read_capped(self, url: str) -> CardFile:
        with get_session().stream("GET", url, headers=self._headers,
                                  timeout=self.retry.timeout_s) as response:
            if response.status_code >= 400:
                response.read()
                hf_raise_for_status(response)
            declared = int(response.headers.get("content-length") or 0)
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size > self.card_cap_bytes:
                    break
            data = b"".join(chunks)
            truncated = size > self.card_cap_bytes
            if not truncated and declared and size < declared:
                raise TruncatedResponse(f"README.md ended at {size} of {declared} bytes")
            return CardFile(
                text=data[: self.card_cap_bytes].decode("utf-8", errors="replace"),
                size_bytes=max(declared, size),
                truncated=truncated,
                commit=response.headers.get("x-repo-commit"),
            )


def _describe(exc: BaseException) -> str:
    status = _status(exc)
    return f"HTTP {status}" if status else type(exc).__name__

