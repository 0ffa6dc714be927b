"""Bounded in memory and in time: hostile cards and answers that trickle.

A card's YAML may be small as text and enormous once its aliases are expanded (one anchored
400 KB string named 90,000 times is 36 GB): it is refused by its expanded size in bytes before
anything is built from it, and a crawl over it stays far under 1 GB. A request and all its
retries share one deadline, so a page that trickles fails the run within that deadline, and the
run resumes afterwards.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import threading

import duckdb
import pytest

from crawler.cards import MAX_YAML_BYTES, parse_card
from crawler.crawl import crawl
from crawler.http import HubClient, RetryPolicy
from hf_lineage.errors import HubUnavailable
from hub_double.faults import Fault
from tests.crawl_helpers import fast_client
from tests.hub_rows import model_row, numbered_store, store_of
from tests.test_crawler_resume import crawl_command

GIB = 1 << 30


def laughs_by_bytes(string_bytes: int = 400_000, references: int = 90_000) -> str:
    """A card whose YAML header names one anchored string `references` times."""
    return ("---\nlicense: mit\nbig: &s \"" + "x" * string_bytes + "\"\nmany: ["
            + ", ".join(["*s"] * references) + "]\n---\nbody\n")


def test_a_header_is_refused_by_its_expanded_bytes_not_only_its_values():
    parsed = parse_card(laughs_by_bytes())
    assert parsed.metadata is None and parsed.body == "body\n"
    assert "bytes once aliases are expanded" in parsed.error
    # the same shape under the budget parses, and a large header without aliases too
    under = parse_card(laughs_by_bytes(100_000, MAX_YAML_BYTES // 100_000 - 1))
    assert under.error is None and len(json.loads(under.metadata)["many"]) == 9
    plain = parse_card("---\nlicense: mit\nnote: \"" + "y" * 900_000 + "\"\n---\nbody\n")
    assert plain.error is None and len(json.loads(plain.metadata)["note"]) == 900_000
    over = parse_card(laughs_by_bytes(100_000, MAX_YAML_BYTES // 100_000 + 1))
    assert over.metadata is None and "bytes once aliases are expanded" in over.error


def test_a_crawl_over_hostile_cards_stays_under_a_gigabyte(serve, tmp_path):
    hostile = laughs_by_bytes().encode()
    assert len(hostile) < 800_000  # small as text, under the card cap
    double = serve(store_of([model_row("h/laughs", 1, card=hostile, card_data=None)]
                            + [model_row(f"o/m{i}", i + 2) for i in range(30)]))
    db = tmp_path / "hub.duckdb"

    def guard() -> None:  # were the card expanded, fail fast rather than take the machine
        resource.setrlimit(resource.RLIMIT_AS, (6 * GIB, 6 * GIB))

    proc = subprocess.Popen(crawl_command(db, double.url, "full"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, preexec_fn=guard)
    with proc.stderr:
        stderr = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak, not the test's
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 0, stderr
    peak = usage.ru_maxrss * 1024  # kilobytes on Linux
    assert peak < GIB, f"peak RSS {peak / 2**20:.0f} MiB"
    conn = duckdb.connect(str(db), read_only=True)
    metadata, error, body = conn.execute(
        "SELECT metadata, parse_error, body FROM cards WHERE model_id = 'h/laughs'").fetchone()
    conn.close()
    assert metadata is None and "bytes once aliases are expanded" in error and body == "body\n"


def test_a_page_that_trickles_fails_within_one_deadline_and_the_run_resumes(serve, tmp_path):
    double = serve(numbered_store(40), page_size=10)
    # every page after the first trickles, one byte every 50 ms: minutes for a page
    double.faults.add(Fault("trickle", kinds={"list"}, match="cursor=", delay_s=0.05,
                            count=None))
    db = tmp_path / "hub.duckdb"
    result = subprocess.run(crawl_command(db, double.url, "full")
                            + ["--request-deadline", "2", "--no-cards"],
                            capture_output=True, text=True, timeout=300)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode == HubUnavailable.exit_code and len(errors) == 1, result.stderr
    assert "deadline" in errors[0] and "resume" in errors[0]
    # one attempt took the whole deadline: no retry was started past it (8 attempts of a
    # per-answer limit each were 8 x 300 s before)
    trickled = [e for e in double.log.entries if e.kind == "list" and "cursor=" in e.query]
    assert len(trickled) == 1
    double.faults.clear()
    double.log.reset()
    summary = crawl(db, "full", client=fast_client(), cards=False)
    assert summary.resumed and summary.models_seen == 40
    assert double.log.counts()["list"] == 3  # pages 2 to 4 only


def test_a_hub_that_keeps_failing_ends_the_request_at_its_deadline(serve, tmp_path):
    double = serve(numbered_store(5))
    double.faults.add(Fault("status", kinds={"list"}, status=503, count=None))
    client = fast_client(retry=RetryPolicy(attempts=10**6, base_wait_s=0.05, max_wait_s=0.2,
                                           timeout_s=5, deadline_s=2.0))
    with pytest.raises(HubUnavailable, match="kept failing .* for 2 s, this request's deadline"):
        crawl(tmp_path / "hub.duckdb", "full", client=client)
    assert double.log.counts()["list"] < 10**6


HOSTILE_PACE = {
    "r=0 until a reset in 31 years": (
        {"RateLimit": '"api";r=0;t=999999999'}, {"api": 10**7}),
    "a policy of 2 requests per 31 years": (
        {"RateLimit-Policy": '"fixed window";"api";q=2;w=999999999',
         "RateLimit": '"api";r=1;t=999999999'}, {}),
}


@pytest.mark.parametrize("headers, given", HOSTILE_PACE.values(), ids=HOSTILE_PACE.keys())
def test_rate_limit_headers_beyond_an_hour_do_not_hold_the_crawl(headers, given, serve,
                                                                  tmp_path):
    double = serve(numbered_store(40), page_size=10)
    double.faults.add(Fault("headers", kinds={"list"}, headers=headers, count=None))
    client = HubClient(budgets={"resolvers": 10**7, **given},
                       retry=RetryPolicy(attempts=3, base_wait_s=0.01, max_wait_s=0.1))
    outcome: list[object] = []
    worker = threading.Thread(target=lambda: outcome.append(
        crawl(tmp_path / "hub.duckdb", "full", client=client, cards=False)), daemon=True)
    worker.start()
    worker.join(timeout=120)  # the paced requests take about two seconds
    held = worker.is_alive()
    client.cancel()  # frees a held crawl, so the test ends either way
    assert not held and outcome and outcome[0].status == "ok"
    assert double.log.counts()["list"] == 1 + 4  # the Hub's newest model, before the new file
