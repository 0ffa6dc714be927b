"""Which stored models are gone: the Hub's word for each model, never a listing's silence.

A listing that leaves a model out proves nothing on its own: a page cut short without a `Link`,
an empty `base_model:` filter or an empty organisation listing are all valid answers of the
Hub's API. So after a crawl's listing of its scope, every live model it did not list is asked
about by its own model-info request (`GET /api/models/{id}`, api bucket):
- the Hub answers that the repo does not exist (its RepoNotFound error, on a 404 or, to an
  anonymous request, a 401; a private repo answers the same): the model is marked gone;
- it answers with the model under another id (a rename): the old id is gone, the new one stored;
- it answers with the model: the model is stored from the answer, and then either the listing
  under-reported (the run keeps the old watermark: crawl_errors 'listing_incomplete'), or, in
  a family crawl, the answer names no parent leading to the roots: it left the family, and
  is marked gone (the database no longer follows it);
- anything else (an id the client cannot request, another error): the model stays live.

Two bounds keep the questions cheap. When more models are missing than the Hub loses between
two crawls (over MASS_SHARE of the live ones and over MASS_MIN), a sample is asked first, and
one live model among it shows a broken listing: the others stay live, unasked
(crawl_errors 'gone_refused'). A run asks about at most as many models as listing the Hub
costs requests, and at least MIN_CHECKS; the rest stay live for a later crawl to ask
(crawl_errors 'gone_unchecked').
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, RepositoryNotFoundError

from crawler.estimate import cost
from crawler.http import HubClient, requestable
from crawler.store.ingest import EXPAND

if TYPE_CHECKING:
    from crawler.modes.base import Mode

MASS_SHARE = 0.1  # of the live models: more missing at once is asked about by sample first
MASS_MIN = 50
SAMPLE = 20
MIN_CHECKS = 1000
BATCH = 64  # models asked about per transaction
WORKERS = 8


def ask(client: HubClient, model_id: str) -> tuple[str, str | None]:
    """What the Hub says of one model: ('found' | 'renamed', its model-info JSON),
    ('gone', None) or ('unknown', None)."""
    if not requestable(model_id):
        return "unknown", None
    try:
        body = client.model_info(model_id, EXPAND)
    except GatedRepoError:  # a subclass of RepositoryNotFoundError: the repo exists
        return "unknown", None
    except RepositoryNotFoundError:  # the Hub's RepoNotFound (404, or 401 when anonymous)
        return "gone", None
    except HfHubHTTPError:  # a bare 404 from a proxy, 403 …: not the Hub's word on the repo
        return "unknown", None
    answered = _id_of(body)
    if answered is None:
        return "unknown", None
    return ("found" if answered == model_id else "renamed"), body


def _id_of(body: str) -> str | None:
    try:
        value = json.loads(body).get("id")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def settle_unlisted(mode: Mode) -> None:
    """Ask the Hub about every live model the run's listing left out, and store its answers."""
    db, run_id = mode.db, mode.run_id
    unlisted = db.listing.unlisted(run_id)
    if not unlisted:
        return
    live = db.listing.live_models()
    limit = max(MIN_CHECKS, mode.listing_cost())
    todo = unlisted[:limit]
    mode.note(f"{len(unlisted):,} stored models were not listed; each is asked about before it "
              f"is marked gone: {cost(mode.client.limiter, 'api', len(todo))}")
    mode.progress.phase("models not listed (asked one by one)", len(todo))
    missed = 0  # models the listing should have returned, still on the Hub
    if len(unlisted) > max(MASS_MIN, MASS_SHARE * live):
        missed = _ask(mode, todo[:SAMPLE])
        if missed:
            db.runs.record_error(
                run_id, None, "gone_refused",
                f"{len(unlisted):,} of {live:,} live models were not listed, and {missed} "
                f"of the {len(todo[:SAMPLE])} asked about are still on the Hub: the listing "
                "under-reported; the others are kept live, unasked")
            mode.note("the listing under-reported (models it left out are still on the Hub); "
                      "the others it left out are kept live (crawl_errors 'gone_refused')")
            return
        todo = todo[SAMPLE:]
    for start in range(0, len(todo), BATCH):
        missed += _ask(mode, todo[start:start + BATCH])
    if missed:
        db.runs.record_error(run_id, None, "listing_incomplete",
                             f"{missed:,} models the listing left out are still on the Hub "
                             "(stored from their own answers); the watermark stays where it was")
    if len(unlisted) > limit:
        db.runs.record_error(run_id, None, "gone_unchecked",
                             f"{len(unlisted) - limit:,} models not listed were not asked about "
                             "this run; they stay live until a later crawl asks")


def _ask(mode: Mode, ids: list[str]) -> int:
    """Ask about `ids` (concurrently) and store the answers in one transaction; returns how
    many the Hub still has under their id inside the crawl's scope (the listing's misses)."""
    found, still_there, gone = [], [], []
    replies = mode.client.map(lambda model_id: ask(mode.client, model_id), ids, WORKERS)
    for model_id, (verdict, body) in zip(ids, replies, strict=True):
        if body is not None:
            found.append(body)
        if verdict in ("gone", "renamed"):
            gone.append(model_id)
        elif verdict == "found":
            still_there.append(model_id)
    missed = mode.db.listing.settle_unlisted(found, still_there, gone, mode.run_id,
                                             mode.spent(), mode.checkpoints, mode.outside_scope)
    mode.progress.advance(len(ids))
    mode.step_done()
    return missed
