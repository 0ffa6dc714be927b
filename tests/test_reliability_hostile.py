"""Hostile and malformed input: nothing crashes the crawl, nothing is executed or requested."""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb
import pandas as pd

from crawler.cards import parse_card
from crawler.crawl import crawl
from tests.crawl_helpers import fast_client
from tests.hub_rows import model_row, store_of
from tests.test_crawler_basics import messy_family

BIG = 50 * 1024 * 1024
ALIAS_BOMB = (
    "---\nlicense: mit\n"
    "a: &a [x, x, x, x, x, x, x, x, x]\n"
    + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
              f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
              f"*{chr(97 + i)}]\n" for i in range(12))
    + "base_model: a/ft\n---\nbody\n"
)
HOSTILE_IDS = [
    "evil/<script>alert('x')</script>",
    "o'brien/model\"; DROP TABLE models;--",
    "a/../../etc/passwd",
    "slash/in/name",
]


def hostile_hub():
    store = messy_family()
    rows = [model_row(mid, 30 + i, tags=["base_model:a/ft"], card_data={"base_model": "a/ft"})
            for i, mid in enumerate(HOSTILE_IDS)]
    rows += [
        model_row("h/alias-bomb", 40, tags=["base_model:a/ft"], card_data=None,
                  card=ALIAS_BOMB.encode()),
        model_row("h/huge", 41, tags=["base_model:a/ft"], card_data={"base_model": "a/ft"},
                  card=b"---\nbase_model: a/ft\n---\n" + b"A" * BIG),
        model_row("h/binary", 42, tags=["base_model:a/ft"], card_data=None,
                  card=bytes(range(256)) * 50),
        model_row("h/html-card", 43, tags=["base_model:a/ft"], card_data=None,
                  card=b"---\nbase_model: a/ft\nlicense: \"<img src=x onerror=alert(1)>\"\n"
                       b"---\n<script>fetch('//evil')</script> ' OR 1=1 --\n"),
    ]
    store.add_models(pd.DataFrame(rows))
    return store


def test_hostile_hub_is_crawled_and_stored_as_plain_data(serve, tmp_path):
    double = serve(hostile_hub())
    db = tmp_path / "hub.duckdb"
    summary = crawl(db, "family", client=fast_client())
    assert summary.status == "ok"
    conn = duckdb.connect(str(db), read_only=True)
    ids = {r[0] for r in conn.execute("SELECT id FROM models").fetchall()}
    assert set(HOSTILE_IDS) <= ids and {"h/alias-bomb", "h/huge", "h/binary"} <= ids
    assert conn.execute("SELECT count(*) FROM models").fetchone()[0] == len(ids)  # no DROP ran
    cards = {r[0]: r[1:] for r in conn.execute(
        "SELECT model_id, fetch_error, parse_error, truncated, size_bytes, length(body) "
        "FROM cards").fetchall()}
    for mid in HOSTILE_IDS:
        assert cards[mid][0] == "invalid repo id: not requested"
    requested = {e.path for e in double.log.entries if e.kind == "resolve"}
    assert not any("etc/passwd" in p or "<script>" in p or "DROP" in p for p in requested)
    assert "aliases" in cards["h/alias-bomb"][1]
    assert cards["h/huge"][2] is True and cards["h/huge"][3] >= BIG
    assert cards["h/huge"][4] <= (1 << 20)
    assert cards["h/binary"][0] is None  # stored, bytes replaced, no crash
    body, license_ = conn.execute(
        "SELECT body, metadata->>'license' FROM cards WHERE model_id = 'h/html-card'").fetchone()
    assert "<script>" in body and license_ == "<img src=x onerror=alert(1)>"


def test_alias_bomb_is_refused_before_it_expands():
    parsed = parse_card(ALIAS_BOMB)
    assert parsed.metadata is None and "aliases" in parsed.error
    assert parsed.body == "body\n"


def test_a_50_mb_readme_is_read_with_bounded_memory(serve):
    double = serve(store_of([model_row("h/huge", 1, card=b"x" * BIG)]))
    probe = (
        "import json, tracemalloc; from crawler.http import HubClient\n"
        "tracemalloc.start()\n"
        f"card = HubClient(endpoint={double.url!r}).fetch_card('h/huge', None)\n"
        "print(json.dumps([card.truncated, card.size_bytes, len(card.text),"
        " tracemalloc.get_traced_memory()[1]]))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, timeout=60,
                         check=True).stdout
    truncated, size, kept, peak = json.loads(out)
    assert truncated and size == BIG and kept == 1 << 20
    assert peak < 8 * (1 << 20), f"peak Python memory {peak / 2**20:.1f} MiB"
