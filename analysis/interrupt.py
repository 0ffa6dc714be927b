"""Ctrl-C for work that runs inside DuckDB.

Python runs a SIGINT handler only when the main thread executes Python code, and a DuckDB call
(a runaway recursive CTE, a large sort) can keep it in C++ for as long as the query lasts. So
the work runs on a helper thread while the main thread only waits: the wait is interruptible,
and on Ctrl-C the main thread calls `conn.interrupt()`, which makes DuckDB abandon the running
query within milliseconds. The main thread keeps interrupting until the work has ended, so the
connection is never closed under a running query.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import duckdb

from hf_lineage.errors import Interrupted

T = TypeVar("T")
REPEAT_S = 0.2  # after Ctrl-C: interrupt again this often until the work has ended


def interruptible(conn: duckdb.DuckDBPyConnection, work: Callable[[], T],
                  message: str = "interrupted; the query was stopped") -> T:
    """`work()`'s result, or `Interrupted(message)` once Ctrl-C has stopped it; the work's own
    exceptions are raised here, in the calling thread."""
    outcome: dict[str, object] = {}
    done = threading.Event()

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed over to the calling thread
            outcome["error"] = exc
        finally:
            done.set()

    threading.Thread(target=target, name="hf-lineage-work", daemon=True).start()
    interrupted = False
    while not done.is_set():
        try:
            if interrupted:
                conn.interrupt()
            done.wait(REPEAT_S if interrupted else None)
        except KeyboardInterrupt:
            interrupted = True
    if interrupted:
        raise Interrupted(message)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]
