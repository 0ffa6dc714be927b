"""A seeded synthetic Hugging Face Hub: the LLaMA and DeepSeek trees amid unrelated families.

The crawler and the analyzer need a Hub whose answers are known. `generate_hub` fills a HubStore
with served rows and, next to them, the ground truth: every model's family, roots, declared license
and depth, and every parent edge with its relation, whether the card declares it, and what
evidence reveals it when it does not (docs/undocumented.md). The graph is shaped after the real
edges in shared/hub-samples (share of models with children, multi-parent share, heavy-tailed
fan-out, relation mix) and carries the metadata mess real crawls meet: missing or broken YAML,
relations only in tags or nowhere, URLs for parents, parents that do not exist, self-references,
odd licenses, non-UTF-8 and megabyte cards.

Same (n_models, seed) gives the same Hub: every random draw comes from numpy Generators seeded
here and every timestamp is a fixed instant, never the clock.

Modules, in the order a Hub is made: `catalogue` (static facts), `fixed` (roots, bases,
re-uploads) and `llama1` (the spring-2023 wave), `graph` and `parents` (the lineage graph),
`mess` (metadata defects), then per model `naming`, `licenses`, `undocumented` (whether the card
declares its parents), `cards` and `metadata`, `evidence` (what the files and card say of the
parents), `truth` (ground truth), `counters` (downloads, likes, times) and `writer` (rows in
chunks).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np

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
    for models, truth_models, truth_edges in writer.chunks():
        store.add_models(models)
        store.add_truth(models=truth_models, edges=truth_edges)
    for edit in writer.edits:
        store.edit_card(edit.model_id, edit.card_data, edit.tags,
                        edit.last_modified.astype(datetime))


def generated_store(n_models: int, seed: int = 0, path: str | Path | None = None,
                    lineage_share: float = 0.35) -> HubStore:
    """A ready HubStore (in memory, or a DuckDB file at `path`) holding a generated Hub."""
    store = HubStore(path)
    generate_hub(store, n_models, seed, lineage_share)
    store.finish_loading()
    return store
