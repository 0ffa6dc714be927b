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

import duckdb

from crawler.cards import MAX_YAML_BYTES, parse_card
from tests.hub_rows import model_row, store_of
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
