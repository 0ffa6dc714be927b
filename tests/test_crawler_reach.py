"""A crawl that cannot reach the Hub says so at once, leaves no database behind, and exits 3;
once the Hub has answered, a request failing again and again is said from its third failure."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from crawler.crawl import crawl
from hf_lineage.errors import ConfigError, HubUnavailable
from hub_double.faults import Fault
from tests.crawl_helpers import fast_client
from tests.hub_rows import model_row, store_of

DEADLINE_S = 60.0  # generous: the first line comes right after the first failed attempt


def closed_port() -> str:
    """An address where nothing listens: every connection is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_an_unreachable_hub_is_said_at_once_and_no_database_is_created(tmp_path):
    """The real command: its first stderr line names the endpoint and the attempt, long before
    the retries are spent (8 attempts with backoff took 86 s of silence); then Ctrl-C."""
    db, endpoint = tmp_path / "hub.duckdb", closed_port()
    proc = subprocess.Popen([sys.executable, "-m", "hf_lineage", "crawl", "--db", str(db),
                             "--endpoint", endpoint], stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)
    reader.start()
    started = time.monotonic()
    try:
        while not any("attempt" in line for line in lines):
            assert proc.poll() is None and time.monotonic() - started < DEADLINE_S, lines
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=DEADLINE_S)
    reader.join(timeout=DEADLINE_S)
    first = next(line for line in lines if "attempt" in line)
    assert first.startswith(f"cannot reach {endpoint} (ConnectError")
    assert "attempt 1 of 8 failed, retrying in" in first
    assert proc.returncode == 130
    assert list(tmp_path.iterdir()) == []  # no database, no lock file


def test_a_crawl_that_never_reaches_the_hub_fails_with_3_and_creates_nothing(tmp_path):
    said: list[str] = []
    client = fast_client(endpoint=closed_port(), on_retry=said.append)
    for mode in ("family", "full"):
        with pytest.raises(HubUnavailable, match=r"cannot reach .* after 8 attempts"):
            crawl(tmp_path / "hub.duckdb", mode, client=client)
    assert len(said) == 2 * 7 and all(line.startswith("cannot reach") for line in said)
    with pytest.raises(ConfigError, match="run a family or full crawl first"):
        crawl(tmp_path / "hub.duckdb", "incremental", client=client)
    assert list(tmp_path.iterdir()) == []
    assert HubUnavailable.exit_code == 3


def test_the_first_answer_is_also_the_family_crawls_first_request(serve, tmp_path):
    """The request made before the database exists is the one a family crawl begins with
    (the Hub's newest model): no request is added to a new crawl."""
    double = serve(store_of([model_row("meta-llama/Llama-3.1-8B"),
                             model_row("u/ft", 1, tags=["base_model:meta-llama/Llama-3.1-8B"])]))
    crawl(tmp_path / "hub.duckdb", "family", client=fast_client(), cards=False)
    newest = [e for e in double.log.entries if "sort=lastModified" in e.query]
    assert len(newest) == 1 and double.log.entries[0] is newest[0]


def test_a_failing_hub_is_said_from_the_third_failure_of_a_request(serve, tmp_path):
    """Once the Hub has answered, a transient failure stays quiet (the progress bars count the
    waits) until the same request has failed ANNOUNCE_FROM times."""
    double = serve(store_of([model_row("meta-llama/Llama-3.1-8B")]))
    crawl(tmp_path / "hub.duckdb", "family", client=fast_client(), cards=False)
    said: list[str] = []
    double.faults.add(Fault("status", kinds={"list"}, status=503, count=4))
    crawl(tmp_path / "hub.duckdb", "family", client=fast_client(on_retry=said.append),
          cards=False)  # a 503 is an answer: the Hub is reachable, and failing
    assert [line.split(": attempt ")[1].split(",")[0] for line in said] == ["3 of 8 failed",
                                                                            "4 of 8 failed"]
    assert all(line.startswith("the Hub failed a list request (HTTP 503)") for line in said)


def test_each_run_records_its_endpoint_and_what_a_stand_in_says_it_is(serve, tmp_path):
    from hub_double.generator import generated_store

    double = serve(generated_store(300, seed=11))
    db = tmp_path / "hub.duckdb"
    record = crawl(db, "family", client=fast_client(), cards=False)
    assert record.endpoint == double.url
    assert record.stand_in == "a generated Hub (synthetic), seed 11, 300 models"
    double.stop()
    real = serve(store_of([model_row("meta-llama/Llama-3.1-8B")]), identity="")  # no header
    record = crawl(tmp_path / "real.duckdb", "family", client=fast_client(), cards=False)
    assert record.endpoint == real.url and record.stand_in is None
