"""The crawler's one HTTP layer: huggingface_hub's session, headers and errors, plus manners.

Everything goes through huggingface_hub: its shared HTTP session, `build_hf_headers` (token from
HF_TOKEN or the stored login, sent only as a header to the endpoint), `hf_raise_for_status`
(its error hierarchy: GatedRepoError, RepositoryNotFoundError …) and `parse_ratelimit_headers`.
Three things are requested here rather than through `list_models` / `model_info` /
`ModelCard.load`:
- listings are paged here so the crawl can store the `Link` cursor of every page as its
  checkpoint (`list_models` hides it);
- listing pages and model info are kept as the Hub's raw JSON, which DuckDB ingests directly
  (typed `ModelInfo` objects would cost Python time per model and reorder card metadata);
- README.md is fetched with one streamed GET (ModelCard.load costs a HEAD and a GET, writes
  every card to the cache, and has no size cap).

Every answer is untrusted. A listing page is a JSON list or the request failed (retried, then
the run fails: never "end of listing"); `Link` is followed only to the endpoint's own origin and
never back to a page already seen; the token goes only to the endpoint (httpx drops it on
redirects to other origins); every wait the server asks for is capped; a response must arrive
whole within a deadline, however slowly it trickles, and a request ends, its retries and
waits included, within one deadline; lone surrogates never reach the database.
On top: tenacity retries with exponential backoff and jitter on 429, 5xx, timeouts, dropped or
malformed answers, and a per-bucket limiter that keeps the crawl inside its budget. `cancel()`
(Ctrl-C) stops every request and wait of the client within a second.
"""

from __future__ import annotations

import queue
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import quote, urlsplit

import httpx2
from huggingface_hub import constants
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

from crawler.http.ratelimit import ANONYMOUS_BUDGETS, TOKEN_BUDGETS, Budget, RateLimiter
from crawler.text import valid_json_text
from hf_lineage.errors import ConfigError, HubAnswerInvalid, HubUnavailable, Interrupted

TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})
# A stand-in for the Hub (hub_double) says what it is on every answer; the real Hub never sends
# it. The crawl records it with the run, so no report of a stand-in passes for the real Hub.
STAND_IN_HEADER = "X-Hub-Double"
STAND_IN_CAP = 300  # characters of it kept
ANNOUNCE_FROM = 3  # once the Hub has answered, a retry is said from this failed attempt on
NEWEST_MODEL = [("sort", "lastModified"), ("expand", "lastModified"), ("limit", "1")]
BUCKET = {"list": "api", "info": "api", "card": "resolvers", "file": "resolvers"}
ERROR_BODY_CAP = 64 << 10  # an error answer's body is read this far, for its message
LISTING_CAP = 256 << 20  # a listing page larger than this is not the Hub's
MIN_ATTEMPT_S = 1.0  # no retry starts with less of its deadline left (or a tenth of it)
POLL_S = 0.1  # how often a waiting caller lets Python run (Ctrl-C arrives between polls)
T = TypeVar("T")
R = TypeVar("R")


class TruncatedResponse(Exception):
    """The body ended before Content-Length: the connection dropped mid-answer."""


class SlowResponse(Exception):
    """The whole answer did not arrive within the request's deadline (a trickled body)."""


class MalformedAnswer(Exception):
    """An answer that is not what the Hub's API sends; retried like a server error."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 8
    base_wait_s: float = 1.0
    max_wait_s: float = 60.0
    timeout_s: float = 30.0  # per network read
    # One request, every attempt, backoff and wait the server asks for included (not the
    # crawl's own pacing): a page that trickles or a Hub that keeps failing ends the run
    # (resumable) within it, not after attempts x a per-answer limit.
    deadline_s: float = 600.0


class Deadline:
    """When one request must be over. Waiting for the crawl's own budget (the limiter) is not
    counted: that is the crawl's pace, not the request failing."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def left(self) -> float:
        return self.ends - time.monotonic()

    @contextmanager
    def paused(self) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.ends += time.monotonic() - started


@dataclass
class ListingPage:
    url: str
    body: str  # the JSON array, as served (lone surrogates replaced)
    next_url: str | None


@dataclass
class CardFile:
    text: str
    size_bytes: int
    truncated: bool
    commit: str | None


@dataclass
class _Answer:
    body: bytes
    truncated: bool
    response: httpx2.Response


def _status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


def is_transient(exc: BaseException) -> bool:
    """Worth retrying: rate limits, server errors, timeouts, dropped, slow or malformed
    answers."""
    if isinstance(exc, HfHubHTTPError):
        return _status(exc) in TRANSIENT_STATUS
    return isinstance(exc, httpx2.TransportError | TruncatedResponse | SlowResponse
                      | MalformedAnswer)


def server_wait(exc: BaseException) -> float | None:
    """Seconds the server asked us to wait (Retry-After, or RateLimit with r=0)."""
    response = getattr(exc, "response", None)
    if response is None:
        return None
    try:
        info = parse_ratelimit_headers(response.headers)
    except (ValueError, TypeError):
        info = None
    if info is not None and info.remaining == 0:
        return float(info.reset_in_seconds)
    retry_after = response.headers.get("retry-after")
    if retry_after and retry_after.strip().isdigit():
        return float(retry_after)
    return None


# The shape of every id the Hub lists: one or two names of letters, digits, '-', '_' and '.',
# each starting with a letter or digit, so no id is ever '.', '..' or a path. Longer than
# huggingface_hub's 96 characters, or ending in '.git', are real ids of 2020-2022
# (`espnet/kan-bayashi_…_train.loss.ave`, `glasses/resnet200.git`): the Hub serves them.
_LISTED_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,255}(?:/[A-Za-z0-9][A-Za-z0-9._-]{0,255})?")


def requestable(repo_id: str) -> bool:
    """Whether this id can be asked about: any id the Hub lists, as it lists it (quoted in the
    URL); anything else (HTML, quotes, `..`, extra slashes, a local path) is data to store,
    never a path to ask."""
    return isinstance(repo_id, str) and _LISTED_ID.fullmatch(repo_id) is not None


def file_url(endpoint: str, repo_id: str, filename: str, revision: str) -> str:
    """A repo file's URL in huggingface_hub's `hf_hub_url` form, `{endpoint}/{repo_id}/resolve/
    {revision}/{filename}`, for every id the Hub lists (`hf_hub_url` refuses those longer than
    96 characters or ending in '.git'); every part quoted."""
    return (f"{endpoint}/{quote(repo_id, safe='/')}/resolve/{quote(revision, safe='')}/"
            f"{quote(filename)}")


def _refuse_unrequestable(repo_id: str) -> None:
    """The last guard before a repo id goes into a URL (callers check `requestable` first):
    `../../etc/passwd` would be asked as `GET /etc/passwd`."""
    if not requestable(repo_id):
        raise ConfigError(f"{repo_id!r} is not a Hub repo id; not requested")


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with default ports made explicit, as browsers compare origins."""
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


class HubClient:
    """Requests to the Hub with retries, budgets and counters (by kind: list, info, card)."""

    def __init__(
        self,
        endpoint: str | None = None,
        token: str | bool | None = None,
        budgets: Mapping[str, int | Budget] | None = None,
        retry: RetryPolicy | None = None,
        on_wait: Callable[[str, float], None] | None = None,
        card_cap_bytes: int = 1 << 20,
        on_budget: Callable[[str, Budget], None] | None = None,
        on_retry: Callable[[str], None] | None = None,
    ) -> None:
        """`budgets` are kept whatever the Hub states (the user's --api-budget …); the other
        buckets start at the published limit and follow the policy the Hub states.
        `on_wait(bucket, seconds)`: the crawl's waiting wall time grew by `seconds`;
        `on_budget(bucket, budget)`: a bucket's budget changed to the one the Hub stated;
        `on_retry(line)`: a failed request will be retried, said at once while the Hub has
        never answered ("cannot reach …"), then from the ANNOUNCE_FROM-th failure of a
        request."""
        self.endpoint = (endpoint or constants.ENDPOINT).rstrip("/")
        self._origin = origin(self.endpoint)
        if self._origin[0] not in ("http", "https") or not self._origin[1]:
            raise ConfigError(f"the Hub endpoint {self.endpoint!r} is not an http(s) URL "
                              "(--endpoint, or HF_ENDPOINT)")
        self._headers = build_hf_headers(token=token)
        has_token = "authorization" in {k.lower() for k in self._headers}
        plan = "a free account (token)" if has_token else "anonymous requests"
        defaults: dict[str, int | Budget] = {
            bucket: Budget(n, source=f"the Hub's published limit for {plan}, until it states "
                           "its policy", given=False)
            for bucket, n in (TOKEN_BUDGETS if has_token else ANONYMOUS_BUDGETS).items()}
        self._cancelled = threading.Event()
        self.limiter = RateLimiter({**defaults, **(budgets or {})}, sleep=self.sleep,
                                   on_budget=on_budget)
        self.retry = retry or RetryPolicy()
        self.card_cap_bytes = card_cap_bytes
        self._on_wait = on_wait or (lambda bucket, seconds: None)
        self._on_retry = on_retry or (lambda line: None)
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.retries = 0
        self.answered = False  # the endpoint has answered a request (any status)
        self.stand_in: str | None = None  # what the endpoint said it is (STAND_IN_HEADER)

    # -- stopping -------------------------------------------------------------------------------
    def cancel(self) -> None:
        """Stop every request and wait of this client (Ctrl-C): they raise Interrupted."""
        self._cancelled.set()

    def sleep(self, seconds: float) -> None:
        """Wait, unless the client is cancelled meanwhile."""
        if self._cancelled.wait(max(seconds, 0.0)):
            raise Interrupted("stopped by the user; run again to resume")

    def map(self, fn: Callable[[T], R], items: Iterable[T], workers: int) -> list[R]:
        """`fn` over `items` on `workers` threads, results in order (see `stream`)."""
        todo = list(items)
        results: list[R | None] = [None] * len(todo)
        for index, result in self.stream(lambda pair: [(pair[0], fn(pair[1]))],
                                         enumerate(todo), workers, buffer=max(len(todo), 1)):
            results[index] = result
        return results  # type: ignore[return-value]

    def stream(self, fn: Callable[[T], Iterable[R]], items: Iterable[T], workers: int,
               buffer: int) -> Iterator[R]:
        """What `fn` yields for each of `items`, as it comes, from `workers` threads.

        At most `buffer` results wait for the caller: a worker holds back until the caller
        takes them, so memory stays bounded however much the items yield. The threads are
        daemons rather than a ThreadPoolExecutor's, whose workers the interpreter joins at
        exit: on Ctrl-C the client is cancelled and the crawl ends at once, not after every
        request in flight has timed out. After a failure no new item starts; the first failure
        is raised once the items in flight are done. A caller that stops early stops the
        workers."""
        todo = list(items)
        ready: queue.Queue[tuple[bool, object]] = queue.Queue(max(buffer, 1))
        failures: list[BaseException] = []
        stop = threading.Event()
        lock = threading.Lock()

        def put(done: bool, value: object) -> None:
            while not stop.is_set():
                try:
                    ready.put((done, value), timeout=POLL_S)
                    return
                except queue.Full:
                    continue

        def work() -> None:
            try:
                while True:
                    with lock:
                        if failures or not todo or stop.is_set() or self._cancelled.is_set():
                            return
                        item = todo.pop(0)
                    try:
                        for result in fn(item):
                            put(False, result)
                            if stop.is_set():
                                return
                    except BaseException as exc:  # noqa: BLE001 - raised by the caller
                        with lock:
                            failures.append(exc)
            finally:
                put(True, None)

        threads = [threading.Thread(target=work, daemon=True)
                   for _ in range(min(workers, len(todo)))]
        for thread in threads:
            thread.start()
        running = len(threads)
        try:
            while running:
                try:
                    done, value = ready.get(timeout=POLL_S)
                except queue.Empty:
                    continue
                if done:
                    running -= 1
                else:
                    yield value  # type: ignore[misc]
        except KeyboardInterrupt:
            self.cancel()
            raise
        finally:
            stop.set()
        if failures:
            raise failures[0]

    # -- plumbing -------------------------------------------------------------------------------
    def _waiter(self, deadline: Deadline) -> Callable[[RetryCallState], float]:
        """The wait before a retry: what the server asked for, else backoff with jitter; a
        wait that would end past the request's deadline ends the request now instead."""
        backoff = wait_random_exponential(multiplier=self.retry.base_wait_s,
                                          max=self.retry.max_wait_s)

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            asked = server_wait(exc) if exc is not None else None
            seconds = asked if asked is not None else backoff(state)
            if seconds + min(MIN_ATTEMPT_S, deadline.seconds / 10) < deadline.left():
                return seconds
            if asked is not None:
                raise HubUnavailable(
                    f"the Hub asked to wait {asked:,.0f} s, past this request's deadline "
                    f"({deadline.seconds:,.0f} s with its retries); run the crawl again later "
                    "to resume from its checkpoint") from exc
            raise HubUnavailable(
                f"the Hub kept failing ({_describe(exc)}) for {deadline.seconds:,.0f} s, this "
                "request's deadline with its retries; run the crawl again to resume from its "
                "checkpoint") from exc

        return wait

    def _before_sleep(self, kind: str) -> Callable[[RetryCallState], None]:
        def note(state: RetryCallState) -> None:
            with self._lock:
                self.retries += 1
            seconds = state.next_action.sleep if state.next_action else 0.0
            exc = state.outcome.exception() if state.outcome else None
            if exc is not None and server_wait(exc) is not None:
                self.limiter.pause(BUCKET[kind], seconds)
            if exc is not None and (not self.answered
                                    or state.attempt_number >= ANNOUNCE_FROM):
                self._on_retry(self._retry_line(kind, exc, state.attempt_number, seconds))

        return note

    def _retry_line(self, kind: str, exc: BaseException, attempt: int, seconds: float) -> str:
        """What a retry says: the endpoint unreachable, or the Hub failing a request."""
        what = (f"cannot reach {self.endpoint} ({_describe(exc)})" if not self.answered
                else f"the Hub failed a {kind} request ({_describe(exc)})")
        return (f"{what}: attempt {attempt} of {self.retry.attempts} failed, retrying in "
                f"{seconds:.1f} s")

    def _backoff(self, kind: str) -> Callable[[float], None]:
        """A retry's wait, counted on the crawl's waiting wall clock."""
        def sleep(seconds: float) -> None:
            with self.limiter.waiting() as grown:
                self.sleep(seconds)
            self._on_wait(BUCKET[kind], grown[0])

        return sleep

    def call(self, kind: str, fn: Callable[[Deadline], T]) -> T:
        """Run one request (with its retries) inside the bucket's budget and one deadline."""
        deadline = Deadline(self.retry.deadline_s)

        def attempt() -> T:
            with deadline.paused():
                waited = self.limiter.acquire(BUCKET[kind])
            if waited.wall_s > 0:
                self._on_wait(BUCKET[kind], waited.wall_s)
            with self._lock:
                self.requests[kind] += 1
            return fn(deadline)

        retrying = Retrying(
            retry=retry_if_exception(is_transient),
            stop=stop_after_attempt(self.retry.attempts),
            wait=self._waiter(deadline),
            sleep=self._backoff(kind),
            before_sleep=self._before_sleep(kind),
            reraise=True,
        )
        try:
            return retrying(attempt)
        except httpx2.TooManyRedirects as exc:
            raise HubAnswerInvalid(f"the Hub redirected in a loop ({exc})") from exc
        except Exception as exc:
            if is_transient(exc) and not self.answered:
                raise HubUnavailable(
                    f"cannot reach {self.endpoint} ({_describe(exc)}) after "
                    f"{self.retry.attempts} attempts; check the address (--endpoint, "
                    "HF_ENDPOINT) and the network, then run the crawl again") from exc
            if is_transient(exc):
                raise HubUnavailable(
                    f"the Hub kept failing ({_describe(exc)}) after {self.retry.attempts} "
                    "attempts; run the crawl again to resume from its checkpoint"
                ) from exc
            raise

    def _fetch(self, url: str, params: list[tuple[str, str]] | None, cap: int,
               deadline: Deadline, over_cap: str = "truncate", head_only: bool = False
               ) -> _Answer:
        """GET `url`, reading at most `cap` bytes of the body, whole within the deadline.

        Errors raise huggingface_hub's exceptions; past the cap the body is cut
        (`over_cap='truncate'`) or the answer refused as malformed ('refuse'). `head_only`
        asks for the first `cap` bytes only (a Range request), as for a GGUF file's header."""
        headers = {**self._headers, "Range": f"bytes=0-{cap - 1}"} if head_only else self._headers
        timeout = max(min(self.retry.timeout_s, deadline.left()), 0.001)
        with get_session().stream("GET", url, params=params, headers=headers,
                                  timeout=timeout) as response:
            self._observe_endpoint(response)
            self._observe_rate_limit(response)
            failed = response.status_code >= 400
            body, truncated = self._read(response, deadline,
                                         ERROR_BODY_CAP if failed else cap)
            if failed:
                hf_raise_for_status(httpx2.Response(
                    response.status_code, headers=response.headers, content=body,
                    request=response.request))
            declared = int(response.headers.get("content-length") or 0)
            if not truncated and declared and len(body) < declared:
                raise TruncatedResponse(f"the answer ended at {len(body)} of {declared} bytes")
            truncated = truncated or (head_only and response.status_code == 206)
            if truncated and over_cap == "refuse":
                raise HubAnswerInvalid(f"an answer larger than {cap:,} bytes from {url}")
            return _Answer(body, truncated, response)

    def _observe_endpoint(self, response: httpx2.Response) -> None:
        """The endpoint answered; a stand-in for the Hub says what it is (STAND_IN_HEADER)."""
        self.answered = True
        stated = response.headers.get(STAND_IN_HEADER)
        if stated is not None:
            self.stand_in = stated[:STAND_IN_CAP]

    def _observe_rate_limit(self, response: httpx2.Response) -> None:
        """Hand the answer's rate-limit headers to the limiter (malformed ones are ignored:
        the budget stays as it was)."""
        try:
            info = parse_ratelimit_headers(response.headers)
        except (ValueError, TypeError):
            return
        if info is not None:
            self.limiter.observe(info)

    def _read(self, response: httpx2.Response, deadline: Deadline,
              cap: int) -> tuple[bytes, bool]:
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            if self._cancelled.is_set():
                raise Interrupted("stopped by the user; run again to resume")
            if deadline.left() < 0:
                raise SlowResponse(f"the answer was not whole within the request's deadline "
                                   f"({deadline.seconds:,.0f} s)")
            chunks.append(chunk)
            size += len(chunk)
            if size > cap:
                return b"".join(chunks)[:cap], True
        return b"".join(chunks), False

    def _check_origin(self, url: str, what: str) -> None:
        """Only the endpoint's own origin is ever asked (it is the only one with the token)."""
        if origin(url) != self._origin:
            raise HubAnswerInvalid(
                f"{what} points to {urlsplit(url).netloc or url!r}, not to the endpoint "
                f"{self.endpoint}; refused (the token is only sent to the endpoint)")

    # -- the three kinds of request -------------------------------------------------------------
    def list_pages(
        self, params: list[tuple[str, str]], start_url: str | None = None
    ) -> Iterator[ListingPage]:
        """Listing pages, following `Link: rel="next"`; start at a checkpointed URL to resume."""
        if start_url is not None and origin(start_url) != self._origin:
            raise ConfigError(
                f"this database's checkpoint continues a listing of {urlsplit(start_url).netloc}"
                f", not of {self.endpoint}; resume with that endpoint, or crawl into another "
                "--db")
        url: str | None = start_url or f"{self.endpoint}/api/models"
        first = start_url is None
        seen: set[str] = set()
        while url is not None:
            seen.add(url)
            current = url
            page = self.call("list", lambda d, u=current, p=(params if first else None):
                             self._listing_page(u, p, d))
            first = False
            if page.next_url is not None:
                self._check_origin(page.next_url, "the listing's next page (Link)")
                if page.next_url in seen:
                    raise HubAnswerInvalid(
                        f"the listing's next page (Link) repeats a page already read: "
                        f"{page.next_url}")
            yield page
            url = page.next_url

    def newest_model(self) -> ListingPage:
        """The model modified last: a one-model listing (a crawl's first request)."""
        return next(self.list_pages(NEWEST_MODEL))

    def _listing_page(self, url: str, params: list[tuple[str, str]] | None,
                      deadline: Deadline) -> ListingPage:
        answer = self._fetch(url, params, LISTING_CAP, deadline, over_cap="refuse")
        body = answer.body.decode("utf-8", errors="replace").strip()
        if not (body.startswith("[") and body.endswith("]")):
            raise MalformedAnswer(f"a listing page that is not a JSON list: {body[:60]!r}")
        next_url = answer.response.links.get("next", {}).get("url")
        return ListingPage(url=url, body=valid_json_text(body), next_url=next_url)

    def model_info(self, repo_id: str, expand: list[str]) -> str:
        """One model's properties (`GET /api/models/{repo_id}`), as raw JSON like a listing's
        items, so both go through the same ingest SQL."""
        _refuse_unrequestable(repo_id)
        url = f"{self.endpoint}/api/models/{quote(repo_id, safe='/')}"
        params = [("expand", name) for name in expand]
        return self.call("info", lambda d: self._info(url, params, d))

    def _info(self, url: str, params: list[tuple[str, str]], deadline: Deadline) -> str:
        body = self._fetch(url, params, LISTING_CAP, deadline, over_cap="refuse").body.decode(
            "utf-8", errors="replace").strip()
        if not (body.startswith("{") and body.endswith("}")):
            raise MalformedAnswer(f"a model-info answer that is not a JSON object: "
                                  f"{body[:60]!r}")
        return valid_json_text(body)

    def fetch_card(self, repo_id: str, revision: str | None) -> CardFile:
        """README.md at `revision`, read up to the size cap (the rest is left unread)."""
        _refuse_unrequestable(repo_id)
        url = file_url(self.endpoint, repo_id, "README.md", revision or "main")
        return self.call("card", lambda d: self._card(url, d))

    def _card(self, url: str, deadline: Deadline) -> CardFile:
        answer = self._fetch(url, None, self.card_cap_bytes, deadline)
        declared = int(answer.response.headers.get("content-length") or 0)
        return CardFile(
            text=answer.body.decode("utf-8", errors="replace"),
            size_bytes=max(declared, len(answer.body)),
            truncated=answer.truncated,
            commit=answer.response.headers.get("x-repo-commit"),
        )


    def fetch_file(self, repo_id: str, filename: str, revision: str | None, cap: int,
                   head_only: bool = False) -> bytes:
        """A repo file at `revision` (evidence for lineage inference), at most `cap` bytes:
        the whole file, or with `head_only` its first `cap` bytes (a GGUF header)."""
        _refuse_unrequestable(repo_id)
        url = file_url(self.endpoint, repo_id, filename, revision or "main")
        return self.call("file", lambda d: self._fetch(url, None, cap, d,
                                                      head_only=head_only).body)


def _describe(exc: BaseException) -> str:
    """A failure in a few words: the HTTP status, or the exception and its first line."""
    status = _status(exc)
    if status:
        return f"HTTP {status}"
    detail = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
