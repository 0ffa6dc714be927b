"""A Hub store as a full crawl stores it, written in-process: crawler databases of generated
Hubs of any size for the analysis tests, without HTTP.

A full crawl over HTTP costs about 3 ms per card (half a minute for 8,000 models); this writes
the same rows in a fraction of that through the crawler's own code: the listing pages the
double would serve (`api.list_models` with the crawler's EXPAND) go through the crawler's
staging and ingest SQL (`crawler.storage.Database`), the READMEs it would serve through the
crawler's card parser and writer (`crawler.cards`). Only what a card request answers is
restated here (gated, no README.md, an id the crawler refuses to request, the size cap);
tests/test_crawled_db.py checks the result equals a real crawl over HTTP, row for row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from crawler.cards import VALID_REPO_ID, parse_card, store_cards
from crawler.ingest import EXPAND
from crawler.storage import Database, utcnow
from hub_double import api
from hub_double.store import HubStore

PAGE = 1000  # the largest listing page the Hub serves, as the crawler asks for
CARD_CAP_BYTES = 1 << 20  # what the crawler's HubClient reads of a README by default
CARD_BATCH = 1000
LISTING_CHECKPOINT = "checkpoint:full:listing"


def crawled_db(store: HubStore, path: str | Path) -> Path:
    """Write every public model of `store` into a new crawler database at `path`, cards too."""
    with Database(path) as db:
        run_id = db.start_run("full")
        for body, next_cursor in _listing_pages(store):
            db.stage_page(body, (LISTING_CHECKPOINT, next_cursor or "done"))
        counts = db.apply_staged_listing(run_id)
        fetched = 0
        for rows in _card_rows(store):
            store_cards(db, rows)
            fetched += len(rows)
        newest = db.conn.execute("SELECT max(last_modified) FROM models").fetchall()[0][0]
        db.update_run(run_id, models_seen=counts["seen"], models_new=counts["new"],
                      cards_fetched=fetched)
        db.finish_run(run_id, "full", "ok", "written in-process by hub_double.crawled",
                      {"watermark:last_modified": str(newest) if newest else None,
                       "scope": "full", "hub_size": str(counts["seen"])})
    return Path(path)


def _listing_pages(store: HubStore) -> Iterator[tuple[str, str | None]]:
    """(JSON body, next cursor) of each page of the full listing the crawler requests."""
    conn = store.cursor()
    params = {"expand": list(EXPAND), "limit": [str(PAGE)]}
    while True:
        page = api.list_models(conn, params, PAGE)
        yield json.dumps(page.items), page.next_cursor
        if page.next_cursor is None:
            return
        params["cursor"] = [page.next_cursor]


def _card_rows(store: HubStore) -> Iterator[list[dict]]:
    """Card rows as the crawler's fetch would make them, CARD_BATCH models at a time."""
    cursor = store.cursor().execute(
        "SELECT id, sha, gated, has_readme, card, card_data FROM models "
        "WHERE NOT coalesce(private, false) ORDER BY id")
    while batch := cursor.fetchmany(CARD_BATCH):
        yield [_card_row(*row) for row in batch]


def _card_row(model_id: str, sha: str, gated: str | None, has_readme: bool, card: bytes | None,
              card_data: str | None) -> dict:
    row = {"model_id": model_id, "sha": sha, "fetched_at": utcnow(), "metadata": None,
           "body": None, "size_bytes": None, "truncated": False, "parse_error": None,
           "fetch_error": None}
    if not VALID_REPO_ID.match(model_id) or ".." in model_id:
        row["fetch_error"] = "invalid repo id: not requested"
    elif gated:
        row["fetch_error"] = "gated"
    elif not has_readme:
        row["fetch_error"] = "no README.md"
    else:
        data = api.readme_body(model_id, card, card_data)
        parsed = parse_card(data[:CARD_CAP_BYTES].decode("utf-8", errors="replace"))
        row.update(metadata=parsed.metadata, body=parsed.body, size_bytes=len(data),
                   truncated=len(data) > CARD_CAP_BYTES, parse_error=parsed.error)
    return row
