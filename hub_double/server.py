"""The Hub double's HTTP server: real HTTP on 127.0.0.1, the Hub's paths, headers and errors.

Start it with `HubDouble(store)` as a context manager (tests, benchmarks) or
`hf-lineage hub-double` (by hand); point the client at it with `HF_ENDPOINT=<double.url>`.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from crawler.http import STAND_IN_HEADER
from hub_double import api
from hub_double.faults import (
    BUCKET_OF_KIND,
    SAME_URL,
    Fault,
    Faults,
    LoggedRequest,
    RequestLog,
)
from hub_double.ranges import Unsatisfiable, byte_range
from hub_double.store import HubStore

INFO_PATH = re.compile(r"^/api/models/(?P<repo>.+?)(?:/revision/(?P<rev>[^/]+))?$")
RESOLVE_PATH = re.compile(r"^/(?P<repo>.+?)/resolve/(?P<rev>[^/]+)/(?P<file>.+)$")
BINARY = (".gguf", ".bin", ".safetensors", ".zip", ".pkl", ".mp4")


class HubDouble:
    """A running double: `url`, `faults`, `log`, and the `store` it serves (mutable live)."""

    def __init__(
        self,
        store: HubStore,
        *,
        page_size: int = 1000,
        latency_ms: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
        expected_token: str | None = None,
        identity: str | None = None,
    ) -> None:
        """`identity`: what the double says it is on every answer (STAND_IN_HEADER), the
        store's own by default (a generated Hub and its seed …: hub_double.identity); '' sends
        nothing, as the real Hub (for tests of that case)."""
        self.store = store
        self.identity = identity if identity is not None else store.identity()
        self.page_size = page_size
        self.latency_s = latency_ms / 1000
        self.faults = Faults()
        self.log = RequestLog()
        self.expected_token = expected_token
        self.token_leaks: list[str] = []  # token seen in a URL or sent to a foreign host
        # called with each logged request, before it is answered: tests change the Hub
        # at a chosen moment of a crawl (a model deleted after the first card request …)
        self.on_request: list[Callable[[LoggedRequest], None]] = []
        self.stopping = threading.Event()  # ends trickled answers when the double stops
        self._local = threading.local()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._server = _QuietServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def conn(self):
        """This thread's DuckDB cursor on the store."""
        if getattr(self._local, "conn", None) is None:
            self._local.conn = self.store.cursor()
        return self._local.conn

    def start(self) -> HubDouble:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close kept-alive connections, so no client talks to a stale double."""
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        with self._connections_lock:
            for conn in self._connections:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self._connections.clear()

    def track(self, conn: socket.socket, open_: bool) -> None:
        with self._connections_lock:
            (self._connections.add if open_ else self._connections.discard)(conn)

    def __enter__(self) -> HubDouble:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def hub_json(value: Any) -> bytes:
    """JSON as the Hub writes it: compact (its server's JSON.stringify puts no spaces between
    tokens), which makes a listing page about 7% lighter than Python's default separators."""
    return json.dumps(value, separators=(",", ":")).encode()


def _kind(path: str) -> str:
    if path == "/api/models":
        return "list"
    if path.startswith("/api/models/"):
        return "info"
    if "/resolve/" in path:
        return "resolve"
    return "other"


def _handler_for(double: HubDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms stalls
        server_version = "HubDouble/1"

        def setup(self) -> None:
            super().setup()
            double.track(self.connection, True)

        def finish(self) -> None:
            double.track(self.connection, False)
            super().finish()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            """Quiet: the request log replaces stderr chatter."""

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            self._serve("GET")

        def do_HEAD(self) -> None:  # noqa: N802 - stdlib name
            self._serve("HEAD")

        # -- dispatch -----------------------------------------------------------------------
        def _serve(self, method: str) -> None:
            split = urlsplit(self.path)
            path = unquote(split.path)
            kind = _kind(path)
            self._check_token(split.query)
            self._pending_log = (method, kind, path, split.query)
            double.log.arrive(kind)
            try:
                if double.latency_s:
                    time.sleep(double.latency_s)
                fault = double.faults.pick(kind, unquote(self.path))
                quota_headers = self._quota_headers(kind)
                if fault is not None and fault.action == "slow":
                    time.sleep(fault.delay_s)
                    fault = None
                if fault is not None and fault.action in ("status", "rate_limit", "body",
                                                          "redirect"):
                    self._fault_answer(fault, kind)
                    return
                status, body, headers = self._answer(path, parse_qs(split.query), kind)
                headers.update(quota_headers)
                if fault is not None and fault.action == "duplicate":
                    items = json.loads(body)
                    body, fault = hub_json(items + items[:1]), None
                if fault is not None and fault.action == "headers":
                    headers.update(fault.headers)
                    fault = None
                if fault is not None and fault.action == "short" and kind == "list":
                    body = hub_json(json.loads(body)[:fault.keep])
                    if not fault.keep_link:
                        headers.pop("Link", None)
                    fault = None
                if fault is not None and fault.action == "link":
                    headers["Link"] = f'<{self._location(fault)}>; rel="next"'
                if fault is not None and fault.action == "drop":
                    self._record(-1)
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self._send(status, body, headers,
                           truncate=fault is not None and fault.action == "truncate",
                           trickle_s=fault.delay_s if fault and fault.action == "trickle"
                           else None)
            except api.ApiError as err:
                self._send_error(err)
            except api.Moved as moved:  # the same request, under the repo's new id
                target = path.replace(f"/{moved.alias}/", f"/{moved.canonical}/", 1) \
                    if f"/{moved.alias}/" in path else path[: -len(moved.alias)] + moved.canonical
                query = f"?{split.query}" if split.query else ""
                self._send(307, b"", {"Location": f"{double.url}{quote(target)}{query}"})
            except _QuotaExceeded as exc:
                self._send_json(429, {"error": "Too many requests"}, exc.headers)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def _record(self, status: int) -> None:
            """Log before answering, so a client that got its answer finds it logged."""
            authorized = "authorization" in {k.lower() for k in self.headers}
            entry = LoggedRequest(*self._pending_log, status, authorized)
            double.log.record(entry)
            for hook in list(double.on_request):
                hook(entry)

        def _answer(
            self, path: str, query: dict[str, list[str]], kind: str
        ) -> tuple[int, bytes, dict[str, str]]:
            conn = double.conn()
            if kind == "list":
                page = api.list_models(conn, query, double.page_size)
                headers = {"Content-Type": "application/json; charset=utf-8"}
                if page.next_cursor:
                    keep = [(k, v) for k, vs in query.items() if k != "cursor" for v in vs]
                    keep.append(("cursor", page.next_cursor))
                    headers["Link"] = f'<{double.url}/api/models?{urlencode(keep)}>; rel="next"'
                return 200, hub_json(page.items), headers
            if kind == "info":
                match = INFO_PATH.match(path)
                expand = query.get("expand", []) + query.get("expand[]", [])
                info = api.model_info(conn, match["repo"], expand)
                return 200, hub_json(info), {
                    "Content-Type": "application/json; charset=utf-8"}
            if kind == "resolve":
                return self._resolve(conn, path)
            raise api.ApiError(404, None, f"Not found: {path}")

        def _resolve(self, conn, path: str) -> tuple[int, bytes, dict[str, str]]:
            match = RESOLVE_PATH.match(path)
            if match is None:
                raise api.ApiError(404, None, f"Not found: {path}")
            if match["file"] == "README.md":
                body, row = api.readme(conn, match["repo"])
            else:
                body, row = api.repo_file(conn, match["repo"], match["file"])
            if row["gated"]:
                authorized = "authorization" in {k.lower() for k in self.headers}
                raise api.ApiError(
                    403 if authorized else 401, "GatedRepo",
                    f"Access to model {row['id']} is restricted. You must have access to it.",
                )
            headers = {
                "Content-Type": "application/octet-stream" if match["file"].endswith(BINARY)
                else "text/plain; charset=utf-8",
                "ETag": f'"{hashlib.sha1(body).hexdigest()}"',
                "X-Repo-Commit": row["sha"],
                "Accept-Ranges": "bytes",
            }
            try:
                wanted = byte_range(self.headers.get("Range"), len(body))
            except Unsatisfiable:
                return 416, b"", {**headers, "Content-Range": f"bytes */{len(body)}"}
            if wanted is None:
                return 200, body, headers
            first, last = wanted
            headers["Content-Range"] = f"bytes {first}-{last}/{len(body)}"
            return 206, body[first:last + 1], headers

        # -- faults, quotas and secrets -----------------------------------------------------
        def _quota_headers(self, kind: str) -> dict[str, str]:
            quota = double.faults.quota
            if quota is None:
                return {}
            bucket = BUCKET_OF_KIND[kind]
            allowed, remaining, reset, limit = quota.take(bucket)
            headers = {
                "RateLimit": f'"{bucket}";r={remaining};t={reset}',
                "RateLimit-Policy": f'"fixed window";"{bucket}";q={limit};w={int(quota.window_s)}',
            }
            if not allowed:
                raise _QuotaExceeded({**headers, "Retry-After": str(reset)})
            return headers

        def _location(self, fault: Fault) -> str:
            return fault.location.replace(SAME_URL, f"{double.url}{self.path}")

        def _fault_answer(self, fault: Fault, kind: str) -> None:
            if fault.action == "body":
                self._send(fault.status, fault.body,
                           {"Content-Type": "application/json; charset=utf-8", **fault.headers})
                return
            if fault.action == "redirect":
                self._send(307, b"", {"Location": self._location(fault), **fault.headers})
                return
            if fault.action == "rate_limit":
                bucket = BUCKET_OF_KIND[kind]
                headers = {
                    "Retry-After": str(fault.retry_after),
                    "RateLimit": f'"{bucket}";r=0;t={fault.retry_after}',
                    "RateLimit-Policy": f'"fixed window";"{bucket}";q=500;w=300',
                }
                self._send_json(429, {"error": "Too many requests"}, headers)
                return
            self._send_json(fault.status, {"error": "Injected server error"}, fault.headers)

        def _check_token(self, query: str) -> None:
            token = double.expected_token
            if token and token in unquote(query):
                double.token_leaks.append(f"token in URL query of {self.path[:60]}")

        # -- writing ------------------------------------------------------------------------
        def _send_error(self, err: api.ApiError) -> None:
            headers = {"X-Error-Message": err.message}
            if err.code:
                headers["X-Error-Code"] = err.code
            self._send_json(err.status, {"error": err.message}, headers)

        def _send_json(self, status: int, payload: Any, headers: dict[str, str]) -> None:
            self._send(status, hub_json(payload),
                       {"Content-Type": "application/json; charset=utf-8", **headers})

        def _send(self, status: int, body: bytes, headers: dict[str, str],
                  truncate: bool = False, trickle_s: float | None = None) -> None:
            self._record(status)
            self.send_response(status)
            for name, value in headers.items():
                # header values must be latin-1: hostile repo names are reduced to ASCII
                self.send_header(name, value.encode("ascii", "replace").decode())
            if double.identity:  # never taken for the real Hub ('' only to test that case)
                self.send_header(STAND_IN_HEADER, double.identity)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command == "HEAD":
                return
            if truncate:
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if trickle_s is not None:
                self._trickle(body, trickle_s)
                return
            self.wfile.write(body)

        def _trickle(self, body: bytes, every_s: float) -> None:
            """One byte at a time: a client that only times out single reads never ends.
            Stops once the client hangs up (or the double stops)."""
            for i in range(len(body)):
                self.wfile.write(body[i:i + 1])
                self.wfile.flush()
                if double.stopping.wait(every_s):
                    return

    return Handler


class _QuietServer(ThreadingHTTPServer):
    """Clients hanging up (timeouts, killed crawls) are normal here, not worth a traceback."""

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class _QuotaExceeded(Exception):
    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__("quota exceeded")
        self.headers = headers
