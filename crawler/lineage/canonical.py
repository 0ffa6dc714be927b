"""Canonical repo ids for every parent an edge names.

Cards name parents by old or differently written ids (`bert-base-uncased`,
`THUDM/glm-4-9b`, `google/gemma-4-e2b-it`, a repo Meta has since renamed) while the Hub's own
`base_model:` tags carry the resolved id. Without canonical ids one parent becomes two: a false
merge, a phantom missing parent, a child that falls out of its family. What the database itself
shows is learned first, for free (crawler/store/aliases.py); the names left are asked of the
Hub once each, ever: a renamed repo answers with its new id (the client follows the 307), a
legacy id with the namespaced one. Names that cannot be resolved (deleted repos, local paths,
typos) are kept as written, and the `aliases` table says why.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from huggingface_hub.errors import RepositoryNotFoundError

from crawler.http import HubClient, requestable
from crawler.store import Database, Tally
from crawler.store.aliases import STORED, Graph
from hf_lineage.errors import HubError

WORKERS = 8  # concurrent model-info requests (the budget still paces them)
BATCH = 256  # names asked about and recorded per transaction


def resolve_on_hub(client: HubClient, name: str) -> tuple[str, str | None, str] | None:
    """(name, canonical id or None, how) as the Hub answers for `name`; None when the Hub
    failed (the name is asked again by a later crawl)."""
    if not requestable(name):
        return name, None, "invalid"
    try:
        body = client.model_info(name, ["author"])
    except RepositoryNotFoundError:  # deleted, private, never existed (gated repos answer)
        return name, None, "not_found"
    except HubError:
        return None
    canonical = json.loads(body).get("id")
    return (name, canonical, "hub") if isinstance(canonical, str) else None


def canonicalize(db: Database, client: HubClient, organisations: list[str], run_id: int,
                 spent: Callable[[], Tally], graph: Graph = STORED,
                 everything: bool = False, between: Callable[[], None] | None = None) -> int:
    """Learn aliases (the graph's own evidence, then the Hub for the names left: legacy ids
    and names in the families' organisations, or `everything`), and rewrite the graph's edges
    through them; returns the children whose edges changed. The names are asked about and
    recorded a batch at a time (a whole Hub has thousands), `between` called after each."""
    db.aliases.learn(graph)
    names = db.aliases.unresolved(organisations, everything, graph)
    db.release(force=False)
    for start in range(0, len(names), BATCH):
        answers = client.map(lambda name: resolve_on_hub(client, name),
                             names[start:start + BATCH], WORKERS)
        with db.transaction() as tx:
            db.aliases.record(tx, [answer for answer in answers if answer is not None])
            db.runs.add(tx, run_id, spent())
        if between is not None:
            between()
    return db.aliases.apply(graph)
