"""A seeded synthetic Hugging Face Hub: the LLaMA and DeepSeek trees amid unrelated families.

The crawler and the analyzer need a Hub whose answers are known. `generate_hub` fills a HubStore
with served rows and, next to them, the ground truth: every model's family, roots, declared license
and depth, every parent edge with its declared relation (to the canonical id), whether the card
declares it and what evidence reveals it when it does not (docs/undocumented.md), and every parent
a card names otherwise than by its id (truth_aliases). It carries the metadata mess real crawls
meet: missing or broken YAML, relations only in tags or nowhere, URLs, old names, other cases,
legacy ids and local paths for parents, parents that do not exist, self-references, odd
licenses, non-UTF-8 and megabyte cards.

Where its numbers come from:
- the whole Hub: Laufer, Oderinwale & Kleinberg 2025 (Anatomy of ~1.86M Hub models): the edge
  mix, children with children per relation, license changes, card presence and the mean card
  lengths of parents and children; Horwitz et al. 2025 (99.41% of quantized models are leaves);
  Osborne et al. 2024 (1% of models take 99% of downloads). tests/test_generator_calibration.py
  reads them with `hf-lineage anatomy`'s definitions, on the demo's family crawl and on a full
  crawl of the same Hub, within 25%;
- the text-generation models with >= 10 downloads: the real edge sample of shared/hub-samples
  (relation mix, share with children, multi-parent share, heavy-tailed fan-out), which selects
  just those (tests/test_generator.py). The two references differ because adapters are rarely
  downloaded and quantized models often (counters.py);
- card texts and names: the family trees and 2022 cards of shared/hub-samples (readmes.py,
  readme_choice.py, spellings.py).
The generated Hub is denser in lineage than the real one (35% of it is LLaMA and DeepSeek, so
that families are large at any size): its standalones carry the Hub's card-less third.

Same (n_models, seed) gives the same Hub: every random draw comes from numpy Generators seeded
here and every timestamp is a fixed instant, never the clock.

Modules, in the order a Hub is made: `catalogue` (static facts), `fixed` (roots, bases,
re-uploads) and `llama1` (the spring-2023 wave), `graph` and `parents` (the lineage graph),
`mess` (metadata defects), then per model `naming`, `spellings` (how cards name parents),
`licenses`, `undocumented` (whether the card declares its parents), `cards`, `readme_choice` and
`metadata`, `evidence` (what the files and card say of the parents), `truth` (ground truth),
`counters` (downloads, likes, times) and `writer` (rows in chunks); `readmes` writes README bodies
when the double serves them.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np

from hub_double import identity
from hub_double.generator.catalogue import LEGACY_IDS, RENAMED
from hub_double.generator.graph import build_graph
from hub_double.generator.mess import assign_mess
from hub_double.generator.writer import RowWriter
from hub_double.store import HubStore

__all__ = ["generate_hub", "generated_store"]


def generate_hub(store: HubStore, n_models: int, seed: int = 0,
                 lineage_share: float = 0.35) -> None:
    """Fill `store` with an n-model synthetic Hub and its ground truth (deterministic per seed).

    `lineage_share` is the LLaMA+DeepSeek share of all models (roots included); the rest are
    background families. Does not call finish_loading, so callers can add more rows first.
    """
    graph = build_graph(n_models, seed, lineage_share)
    writer = RowWriter(graph, assign_mess(graph, np.random.default_rng([seed, 3])), seed)
    for models, truth_models, truth_edges, truth_aliases in writer.chunks():
        store.add_models(models)
        store.add_truth(models=truth_models, edges=truth_edges, aliases=truth_aliases)
    for edit in writer.edits:
        store.edit_card(edit.model_id, edit.card_data, edit.tags,
                        edit.last_modified.astype(datetime))
    _add_old_names(store, writer.metadata.names.used)


def _add_old_names(store: HubStore, ids: set[str]) -> None:
    """The Hub still answers the old names of the repos this Hub holds (renames and legacy ids,
    catalogue.RENAMED and LEGACY_IDS)."""
    for kind, names in (("legacy", LEGACY_IDS), ("renamed", RENAMED)):
        for canonical, (old, _) in names.items():
            if canonical.lower() in ids:
                store.add_alias(old, canonical, kind)


def generated_store(n_models: int, seed: int = 0, path: str | Path | None = None,
                    lineage_share: float = 0.35) -> HubStore:
    """A ready HubStore (in memory, or a DuckDB file at `path`) holding a generated Hub."""
    store = HubStore(path)
    generate_hub(store, n_models, seed, lineage_share)
    store.set_identity(identity.generated(seed, n_models))
    store.finish_loading()
    return store
