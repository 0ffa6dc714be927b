"""Ctrl-C for work that runs inside DuckDB.

Python runs a SIGINT handler only when the main thread executes Python code or when C code
asks (PyErr_CheckSignals), and a DuckDB call (a runaway recursive CTE, a large sort) can keep
the main thread in C++ for as long as the query lasts. Worse, DuckDB 2.0's Python client does
ask while it waits for a query, and when the handler raises KeyboardInterrupt there it often
waits forever for a recursive query that never looks at the interrupt (16 hangs in 20 tries on
a 2M-model `SELECT count(*) FROM model_roots`).

So, while a command runs: SIGINT's handler raises nothing. Python's C-level handler still
writes the signal's number to the "wakeup fd" at once, whatever the main thread is doing; a
watcher thread reads it, calls `conn.interrupt()` (DuckDB abandons the running query within
milliseconds, and again every REPEAT_S so a query started just after is stopped too) and
schedules KeyboardInterrupt in the main thread as an asynchronous exception, which Python
raises at the main thread's next line of Python code, never inside DuckDB's wait. A main thread
still running ESCALATE_S later is blocked elsewhere (writing to a pipe nobody reads: Python
retries an interrupted write without looking at asynchronous exceptions), so the watcher
signals it again and the handler raises KeyboardInterrupt itself.
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import duckdb

STOP = 0  # not a signal number: tells the watcher to end
REPEAT_S = 0.1  # after Ctrl-C, interrupt whatever query runs this often until the command ends
ESCALATE_S = 2.0  # after Ctrl-C, raise from the handler if the command still runs this long


Connection = duckdb.DuckDBPyConnection | Callable[[], duckdb.DuckDBPyConnection | None]


@contextmanager
def interrupt_on_ctrl_c(conn: Connection) -> Iterator[None]:
    """While inside, Ctrl-C (SIGINT) stops the query `conn` runs and raises KeyboardInterrupt
    in the main thread. `conn` may be a function giving the connection open at the moment (a
    crawl opens and closes its own between batches). Only the main thread handles signals;
    elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    main = ctypes.c_ulong(threading.get_ident())
    set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc  # bound now: see `finally`
    pressed, escalated = threading.Event(), threading.Event()

    def on_sigint(signum: int, frame: object) -> None:
        if escalated.is_set():  # the watcher's own signal, long after Ctrl-C (module docstring)
            raise KeyboardInterrupt

    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)  # the C-level handler must never block
    previous_handler = signal.signal(signal.SIGINT, on_sigint)
    previous_fd = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    watcher = threading.Thread(target=_watch, args=(read_fd, conn, main, pressed, escalated),
                               daemon=True, name="hf-lineage-ctrl-c")
    watcher.start()
    try:
        yield
    except Exception as exc:
        # the stopped query's own error ("Query interrupted") can reach the main thread before
        # the scheduled KeyboardInterrupt does, which `finally` then drops: after Ctrl-C, the
        # command ends as interrupted whatever its last statement raised
        if pressed.is_set():
            raise KeyboardInterrupt from exc
        raise
    finally:
        # C calls only until a KeyboardInterrupt still pending for this thread is dropped
        # (the query already stopped, and the command ends with it), so that cleanup is whole.
        set_async_exc(main, None)
        signal.set_wakeup_fd(previous_fd)
        signal.signal(signal.SIGINT, previous_handler)
        os.write(write_fd, bytes([STOP]))
        watcher.join()
        os.close(read_fd)
        os.close(write_fd)


def _interrupt(conn: Connection) -> None:
    current = conn if isinstance(conn, duckdb.DuckDBPyConnection) else conn()
    if current is not None:
        current.interrupt()


def _watch(read_fd: int, conn: Connection, main: ctypes.c_ulong, pressed: threading.Event,
           escalated: threading.Event) -> None:
    pressed_at: float | None = None
    while True:
        if pressed_at is not None:
            _interrupt(conn)
            if not escalated.is_set() and time.monotonic() - pressed_at > ESCALATE_S:
                escalated.set()
                signal.pthread_kill(main.value, signal.SIGINT)
        ready = select.select([read_fd], [], [], None if pressed_at is None else REPEAT_S)[0]
        numbers = os.read(read_fd, 64) if ready else b""
        if signal.SIGINT in numbers:  # each Ctrl-C: raise in the main thread, stop the query
            pressed_at = pressed_at or time.monotonic()
            pressed.set()
            ctypes.pythonapi.PyThreadState_SetAsyncExc(main, ctypes.py_object(KeyboardInterrupt))
            _interrupt(conn)
        if ready and (not numbers or STOP in numbers):
            return
