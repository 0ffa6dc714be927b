"""A Hub store as a full crawl stores it, written in-process: crawler databases of generated
Hubs of any size for the analysis tests, without HTTP.

A full crawl over HTTP costs about 3 ms per card (half a minute for 8,000 models); this writes
the same rows in a fraction of that through the crawler's own code: the listing pages the
double would serve (`api.list_models` with the crawler's EXPAND) go through the crawler's
staging and ingest SQL (`crawler.store`), the READMEs it would serve through the crawler's
card parser and card store (`crawler.cards`, `crawler.store.cards`), parent names through the
crawler's alias store (`crawler.store.aliases`). Only what a card or model-info request answers
is restated here (gated, no README.md, an id the crawler refuses to request, the cap);
tests/test_crawled_db.py checks the result equals a real crawl over HTTP, row for row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb

from crawler.cards import parse_card, requestable
from crawler.clock import utcnow
from crawler.lineage.infer import infer_parents
from crawler.roots import load_roots
from crawler.store import Database, Tally, meta
from crawler.store.ingest import EXPAND
from crawler.store.runs import Source
from hub_double import api
from hub_double.store import HubStore

MODE = "full"
PAGE = 1000  # the largest listing page the Hub serves, as the crawler asks for
CARD_CAP_BYTES = 1 << 20  # what the crawler's HubClient reads of a README by default
CARD_BATCH = 1000
IN_PROCESS = "in-process (hub_double.crawled, no HTTP)"  # the run's endpoint


def crawled_db(store: HubStore, path: str | Path, infer: bool = False) -> Path:
    """Write every public model of `store` into a new crawler database at `path`, cards too;
    `infer` also runs the crawler's inference over it, as `crawl --infer` does after its cards
    (inferred_edges, from what the listing and the cards hold: no evidence files)."""
    roots = load_roots()  # the roots the generator used
    with Database(path) as db:
        run_id = db.runs.start(MODE, Source(IN_PROCESS, store.identity()))
        checkpoints = meta.Checkpoints(MODE)
        for body, next_cursor in _listing_pages(store):
            db.listing.stage_page(body, checkpoints, "listing", next_cursor or "done", run_id,
                                  Tally())
        db.listing.apply_staged(run_id, Tally())
        _canonicalize(db, store)
        for rows in _card_rows(store):
            db.cards.store(rows, run_id, Tally())
        if infer:
            infer_parents(db, roots)
            db.set_meta(meta.INFERENCE, "on")
        db.closure.write(run_id, list(roots.root_models()))
        db.runs.count_outcomes(run_id)
        newest = db.listing.stored_newest()
        db.runs.finish(run_id, MODE, "ok", "written in-process by hub_double.crawled", None,
                       {meta.WATERMARK: str(newest) if newest else None, meta.SCOPE: MODE,
                        meta.HUB_SIZE: str(db.listing.live_models()), meta.ROOTS: roots.text})
    return Path(path)


def _canonicalize(db: Database, store: HubStore) -> None:
    """Parents under their canonical ids, as crawler.lineage.canonical makes them in a full
    crawl: aliases learned from the graph, then every name left asked of the store."""
    db.aliases.learn()
    conn = store.cursor()
    resolved = [_resolve(conn, name) for name in db.aliases.unresolved([], everything=True)]
    if resolved:  # a hand-built store may name no parent it lacks
        with db.transaction() as tx:
            db.aliases.record(tx, resolved)
    db.aliases.apply()


def _resolve(conn: duckdb.DuckDBPyConnection, name: str) -> tuple[str, str | None, str]:
    """What crawler.lineage.canonical.resolve_on_hub learns of `name` from the double."""
    if not requestable(name):
        return name, None, "invalid"
    try:
        try:
            return name, api.find_model(conn, name)["id"], "hub"
        except api.Moved as moved:  # the client follows the 307
            return name, api.find_model(conn, moved.canonical)["id"], "hub"
    except api.ApiError:
        return name, None, "not_found"


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
        f"SELECT {api.ROW_COLUMNS}, card FROM models WHERE NOT coalesce(private, false) "
        "ORDER BY id")
    names = [d[0] for d in cursor.description]
    while batch := cursor.fetchmany(CARD_BATCH):
        yield [_card_row(dict(zip(names, values, strict=True))) for values in batch]


def _card_row(model: dict) -> dict:
    model_id, gated, has_readme = model["id"], model["gated"], model["has_readme"]
    row = {"model_id": model_id, "sha": model["sha"], "fetched_at": utcnow(), "metadata": None,
           "body": None, "size_bytes": None, "truncated": False, "parse_error": None,
           "fetch_error": None}
    if not requestable(model_id):
        row["fetch_error"] = "invalid repo id: not requested"
    elif gated:
        row["fetch_error"] = "gated"
    elif not has_readme:
        row["fetch_error"] = "no README.md"
    else:
        data = api.readme_body(model, model.pop("card"))
        parsed = parse_card(data[:CARD_CAP_BYTES].decode("utf-8", errors="replace"))
        row.update(metadata=parsed.metadata, body=parsed.body, size_bytes=len(data),
                   truncated=len(data) > CARD_CAP_BYTES, parse_error=parsed.error)
    return row
