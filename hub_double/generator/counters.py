"""Timestamps and popularity counters: downloads, likes, trending score, last modification.

Heavy-tailed like the Hub's (Osborne et al. 2024: 1% of the models take 99% of the downloads)
and tied to the graph: models with children are downloaded more, tree tops most, adapters
least. The per-kind levels are what reconciles the two real references of the lineage graph:
the whole Hub holds Anatomy's mix (42% of the edges lead to adapters), while its models with
>= 10 downloads hold the real edge sample's (1% adapters). Drawn as one vector each.
"""

from __future__ import annotations

import numpy as np

from hub_double.generator.catalogue import DAY, HUB_END, Kind
from hub_double.generator.graph import Graph

# Median log-downloads of a model with no children, per kind. Adapters are rarely downloaded
# (the real edge sample of models with >= 10 downloads holds 1% adapter edges, the whole Hub 42%),
# quantized models and merges more than fine-tunes (39% and 15% of the sample's edges, 18% and
# 7% of the whole Hub's).
LOG_DOWNLOADS = {Kind.STANDALONE: 0.3, Kind.FINETUNE: 0.3, Kind.ADAPTER: -3.5,
                 Kind.QUANTIZED: 1.2, Kind.MERGE: 0.9}


def counters(graph: Graph, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Timestamps and heavy-tailed popularity counters, one vector each for the whole Hub."""
    n, time = graph.size, graph.time
    age_days = (HUB_END - time) / DAY
    mu = np.zeros(n)
    for kind, value in LOG_DOWNLOADS.items():
        mu[graph.kind == kind] = value
    downloads = np.floor(np.exp(rng.normal(mu, 2.0)) * (1 + 4 * graph.children_count()))
    tops = np.array(list(graph.fixed), np.int64)
    downloads[tops] = np.floor(np.exp(rng.normal(11.5, 1.5, len(tops))))
    history = np.floor(downloads * (age_days / 30) * rng.lognormal(-0.5, 0.8, n))
    all_time = downloads + history + np.floor(np.exp(rng.normal(1.0, 1.5, n)))
    likes = np.floor(np.exp(rng.normal(-2.0, 1.5, n)) * (1 + downloads) ** 0.45)
    trending = np.where(age_days < 45, likes * np.exp(-age_days / 10) * rng.random(n), 0.0)
    modified = time + (rng.random(n) ** 3 * (HUB_END - time)).astype(np.int64)
    return {
        "created_at": time.astype("datetime64[s]"),
        "last_modified": modified.astype("datetime64[s]"),
        "downloads": downloads.astype(np.int64), "downloads_all_time": all_time.astype(np.int64),
        "likes": likes.astype(np.int64), "trending_score": np.round(trending, 3),
        "private": np.zeros(n, bool), "disabled": np.zeros(n, bool),
    }
