"""The lineage graph's shape: when models appear, which tree each joins, and its parents.

Creation times follow the Hub's exponential growth; derivatives join a tree with a probability
that grows with its top's popularity and fades with its age, then pick parents inside it by
heavy-tailed attractiveness (`parents.py`). The knobs below are tuned on two real references,
each for what it covers: the whole Hub's edge mix and children-with-children shares are those
of Laufer et al. 2025 (tests/test_generator_calibration.py), and the part of the Hub the real
edge sample selects (text-generation models with >= 10 downloads, counters.py) has that
sample's shape (tests/test_generator.py). The graph lives in compact numpy arrays indexed by
creation order, so a parent always has a smaller index than its children.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hub_double.generator.catalogue import (
    DAY,
    GROWTH,
    HOUR,
    HUB_END,
    HUB_START,
    STANDALONE_STYLES,
    Kind,
    Style,
    ts,
)
from hub_double.generator.fixed import Fixed, fixed_models
from hub_double.generator.llama1 import LLAMA2, burst, burst_size, wave_kinds
from hub_double.generator.parents import MERGE_TOP_SHARE, TreePicker, merge_parents

# Kinds of derivatives: Laufer et al. 2025's edge mix over the whole Hub (finetune 189,391,
# adapter 241,417, quantized 101,921, merge ~40.9k of 573,653 edges) once a merge counts its
# 2-10 parents (4.3 on average, as in the real edge sample) and a few fixed edges are added.
DERIVED_SHARES = {Kind.FINETUNE: 0.349, Kind.QUANTIZED: 0.188, Kind.ADAPTER: 0.445,
                  Kind.MERGE: 0.018}
# Adapters are a 2023 form (PEFT appeared early that year): the 2022 card sample of
# shared/hub-samples holds none of 2,944 cards (no "peft", no LoRA); derivatives drawn as
# adapters before this are fine-tunes, a shift of well under 1% of the whole Hub's edges.
ADAPTERS_FROM = ts("2023-02-01")
STANDALONE_SHARE = 0.65  # of the background models: those declaring no parent
SMALL_TREE_SHARE = 0.45  # background derivatives hanging under a standalone rather than a base
STANDALONE_PRODUCTIVE = 0.15  # standalones that can become parents
TOP_GROUP_SHARE = 0.45  # children taking a tree's top (or its unsloth re-uploads) as parent
# Derivatives that can become parents, per kind: Laufer et al. 2025 find 7.9% of fine-tunes,
# 0.95% of quantized models and 0.19% of adapters with children of their own (merges: not
# published; the real edge sample has 46% of its merges with children).
PRODUCTIVE = {Kind.FINETUNE: 0.08, Kind.QUANTIZED: 0.0085, Kind.ADAPTER: 0.0008, Kind.MERGE: 0.4}
PARETO_SHAPE = 2.5  # parent attractiveness: a few fine-tunes gather most grandchildren


@dataclass
class Graph:
    """The Hub's lineage as arrays indexed by creation order (parents precede children)."""

    time: np.ndarray  # int64 seconds since the epoch, strictly increasing
    kind: np.ndarray  # int8 Kind
    tree: np.ndarray  # int64 index of the tree's top model
    style: np.ndarray  # int32 index into `styles`
    indptr: np.ndarray  # parents of i are parents[indptr[i]:indptr[i + 1]], primary first
    parents: np.ndarray
    fixed: dict[int, Fixed]
    styles: list[Style]

    @property
    def size(self) -> int:
        return len(self.time)

    def children_count(self) -> np.ndarray:
        return np.bincount(self.parents, minlength=self.size)


def _growth_times(rng: np.random.Generator, count: int, start: int, end: int) -> np.ndarray:
    """Creation instants on [start, end] with the Hub's exponential growth (inverse CDF)."""
    span = GROWTH * (end - start)
    u = rng.random(count)
    return start + (np.log1p(u * np.expm1(span)) / GROWTH).astype(np.int64)


def _choose_trees(rng: np.random.Generator, times: np.ndarray, top_times: np.ndarray,
                  popularity: np.ndarray) -> np.ndarray:
    """For each instant, a tree top created an hour earlier, favouring popular and recent ones.

    Popularity decays with the top's age, evaluated per month; within a month each instant sees
    only the tops already created, via a per-row cumulative sum laid out flat (row b in [b, b+1]).
    """
    order = np.argsort(top_times, kind="stable")
    tt, pop = top_times[order], popularity[order]
    months, row = np.unique((times - HUB_START) // (30 * DAY), return_inverse=True)
    middle = HUB_START + months * 30 * DAY + 15 * DAY
    age = np.clip((middle[:, None] - tt[None, :]) / DAY, 0.0, None)
    cum = np.cumsum(pop[None, :] * (1.0 + age / 180.0) ** -1.0, axis=1)
    cum /= cum[:, -1:]
    eligible = np.searchsorted(tt, times - HOUR, side="left")  # >= 1 by the callers' windows
    x = row + rng.random(len(times)) * cum[row, eligible - 1]
    flat = (cum + np.arange(len(months))[:, None]).ravel()
    pos = np.searchsorted(flat, x, side="right") - row * len(tt)
    return order[np.clip(pos, 0, eligible - 1)]


def _choose_standalone(rng: np.random.Generator, times: np.ndarray, st_times: np.ndarray,
                       weight: np.ndarray) -> np.ndarray:
    """A productive standalone created an hour before each instant, or -1 when there is none."""
    order = np.argsort(st_times, kind="stable")
    c0 = np.concatenate([[0.0], np.cumsum(weight[order])])
    eligible = np.searchsorted(st_times[order], times - HOUR, side="left")
    u = rng.random(len(times)) * c0[eligible]
    pos = np.clip(np.searchsorted(c0, u, side="right") - 1, 0, len(order) - 1)
    return np.where(c0[eligible] > 0, order[pos], -1)


@dataclass
class _Draft:
    """Models before they are sorted into creation order; trees point at draft indexes."""

    time: np.ndarray
    kind: np.ndarray
    tree: np.ndarray
    style: np.ndarray
    top_weight: np.ndarray  # how strongly a tree top attracts children (for cross-tree merges)
    opens: np.ndarray  # when a model may take children: its creation, or a top's `opens`


def _draft(fixed: list[Fixed], n: int, lineage_share: float, rng: np.random.Generator) -> _Draft:
    """Place every model in time and in a tree: fixed ones, standalones, then derivatives."""
    n_fixed = len(fixed)
    if n < n_fixed + 10:
        raise ValueError(f"a Hub with these roots needs at least {n_fixed + 10} models")
    n_lineage = max(0, round(lineage_share * n) - sum(f.lineage for f in fixed))
    n_lineage = min(n_lineage, n - n_fixed - 10)
    rest = n - n_fixed - n_lineage
    n_standalone = max(5, round(STANDALONE_SHARE * rest))
    n_background = rest - n_standalone

    index = {f.id: i for i, f in enumerate(fixed)}
    time = np.empty(n, np.int64)
    kind = np.full(n, Kind.FINETUNE, np.int8)
    tree = np.arange(n, dtype=np.int64)
    style = np.empty(n, np.int32)
    top_weight = np.zeros(n)
    opens = np.zeros(n, np.int64)
    for i, f in enumerate(fixed):
        time[i], kind[i], top_weight[i], opens[i] = f.time, f.kind, f.popularity, f.opens or 0
        tree[i] = index[f.top] if f.top else i
        style[i] = len(STANDALONE_STYLES) + i

    st = slice(n_fixed, n_fixed + n_standalone)
    time[st] = _growth_times(rng, n_standalone, HUB_START, HUB_END - DAY)
    kind[st] = Kind.STANDALONE
    shares = np.array([s for _, s in STANDALONE_STYLES])
    style[st] = rng.choice(len(shares), n_standalone, p=shares / shares.sum())
    productive = rng.random(n_standalone) < STANDALONE_PRODUCTIVE
    top_weight[st] = np.where(productive, rng.pareto(PARETO_SHAPE, n_standalone) + 0.2, 0.0)

    tops = [i for i, f in enumerate(fixed) if f.kind in (Kind.ROOT, Kind.BASE)]
    for lineage, lo, count in ((True, n_fixed + n_standalone, n_lineage),
                               (False, n_fixed + n_standalone + n_lineage, n_background)):
        group = np.array([i for i in tops if fixed[i].lineage == lineage])
        opened = np.maximum(time[group], opens[group])
        times = _growth_times(rng, count, int(opened.min()) + DAY, HUB_END - DAY)
        chosen = group[_choose_trees(rng, times, opened, top_weight[group])]
        if not lineage:
            small = _choose_standalone(rng, times, time[st], top_weight[st])
            use_small = (small >= 0) & (rng.random(count) < SMALL_TREE_SHARE)
            chosen = np.where(use_small, small + n_fixed, chosen)
            k = burst_size(n, count)  # the LLaMA-1 wave's bursts after each seed
            times[:k], chosen[:k] = burst(rng, k, fixed, LLAMA2 - DAY)
        time[lo:lo + count] = times
        tree[lo:lo + count] = chosen
    derived = kind == Kind.FINETUNE
    style[derived] = style[tree[derived]]
    return _Draft(time, kind, tree, style, top_weight, np.maximum(time, opens))


def _in_creation_order(draft: _Draft) -> tuple[np.ndarray, np.ndarray]:
    """The permutation sorting drafts by time, and times made strictly increasing."""
    order = np.argsort(draft.time, kind="stable")
    steps = np.arange(len(order), dtype=np.int64)
    times = np.maximum.accumulate(draft.time[order] - steps) + steps
    return order, times


def _sample_kinds(rng: np.random.Generator, kind: np.ndarray, time: np.ndarray) -> None:
    derived = np.flatnonzero(kind == Kind.FINETUNE)
    kinds = np.array(list(DERIVED_SHARES), np.int8)
    shares = np.array(list(DERIVED_SHARES.values()))
    drawn = rng.choice(kinds, len(derived), p=shares / shares.sum())
    drawn[(drawn == Kind.ADAPTER) & (time[derived] < ADAPTERS_FROM)] = Kind.FINETUNE
    kind[derived] = drawn


def _parent_weights(rng: np.random.Generator, kind: np.ndarray, lineage: np.ndarray,
                    fixed: dict[int, Fixed]) -> np.ndarray:
    """Heavy-tailed attractiveness of the derivatives that become parents: PRODUCTIVE of each
    kind, counted exactly inside and outside the LLaMA/DeepSeek trees, so the share of children
    with children holds in a family crawl as in the whole Hub."""
    weight = np.zeros(len(kind))
    # fixed quantized models with children: unsloth's bnb-4bit copies, Meta's FP8/QLORA builds
    quantized = np.zeros(len(kind), bool)
    quantized[[i for i, f in fixed.items() if f.relation == "quantized"]] = True
    for k, share in PRODUCTIVE.items():
        for inside in (True, False):
            idx = np.flatnonzero((kind == k) & (lineage == inside))
            already = int(quantized[lineage == inside].sum()) if k == Kind.QUANTIZED else 0
            count = max(0, round(share * (len(idx) + already)) - already)
            chosen = rng.choice(idx, count, replace=False)
            weight[chosen] = rng.pareto(PARETO_SHAPE, len(chosen)) + 0.1
    return weight


def _give_children(primary: np.ndarray, derived: np.ndarray, tree: np.ndarray,
                   weight: np.ndarray, top_group: np.ndarray) -> None:
    """A productive derivative that no child picked takes the first later child of its tree
    whose parent was the tree's top group, so PRODUCTIVE is the share with children."""
    n = len(tree)
    picked = np.bincount(primary, minlength=n) > 0
    lonely = np.flatnonzero((weight > 0) & ~picked)
    movable = np.flatnonzero(np.isin(primary, top_group))
    keys = tree[derived[movable]] * n + derived[movable]
    order = np.argsort(keys)
    keys, movable = keys[order], movable[order]
    taken = np.zeros(len(keys), bool)
    for node in lonely.tolist():
        pos = int(np.searchsorted(keys, tree[node] * n + node, side="right"))
        while pos < len(keys) and taken[pos] and keys[pos] // n == tree[node]:
            pos += 1
        if pos < len(keys) and keys[pos] // n == tree[node]:
            taken[pos] = True
            primary[movable[pos]] = node


def _fixed_edges(fixed: dict[int, Fixed]) -> tuple[np.ndarray, np.ndarray]:
    by_id = {f.id: i for i, f in fixed.items()}
    pairs = [(i, by_id[p]) for i, f in fixed.items() for p in f.parents if p in by_id]
    arr = np.array(pairs, np.int64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def _to_csr(n: int, child: np.ndarray, parent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop repeated (child, parent) pairs keeping the first, then group parents by child."""
    _, first = np.unique(child * n + parent, return_index=True)
    first.sort()
    child, parent = child[first], parent[first]
    order = np.argsort(child, kind="stable")
    indptr = np.concatenate([[0], np.cumsum(np.bincount(child, minlength=n))])
    return indptr, parent[order]


def build_graph(n: int, seed: int = 0, lineage_share: float = 0.35) -> Graph:
    """The whole lineage graph of an n-model Hub, without any metadata."""
    rng = np.random.default_rng([seed, 1])
    fixed_list = fixed_models(n, rng)
    styles = [s for s, _ in STANDALONE_STYLES] + [f.style for f in fixed_list]
    draft = _draft(fixed_list, n, lineage_share, rng)
    order, time = _in_creation_order(draft)
    new = np.empty(n, np.int64)
    new[order] = np.arange(n)
    kind, tree = draft.kind[order], new[draft.tree[order]]
    fixed = {int(new[i]): f for i, f in enumerate(fixed_list)}
    _sample_kinds(rng, kind, time)
    wave_kinds(rng, kind, tree, time, fixed)
    lineage = np.zeros(n, bool)
    lineage[[i for i, f in fixed.items() if f.lineage]] = True
    weight = _parent_weights(rng, kind, lineage[tree], fixed)
    picker = TreePicker(kind, tree, time, weight, fixed)

    derived = np.flatnonzero(kind >= Kind.FINETUNE)
    top_share = np.where(kind[derived] == Kind.MERGE, MERGE_TOP_SHARE, TOP_GROUP_SHARE)
    primary = picker.pick(rng, derived, top_share)
    _give_children(primary, derived, tree, weight, picker.members[picker.members >= 0])
    is_merge = kind[derived] == Kind.MERGE
    extra_child, extra_parent = merge_parents(rng, picker, derived[is_merge], primary[is_merge],
                                              weight + draft.top_weight[order])
    opened = draft.opens[order][extra_parent] < time[extra_child]  # no merge of unleaked LLaMA
    extra_child, extra_parent = extra_child[opened], extra_parent[opened]
    fixed_child, fixed_parent = _fixed_edges(fixed)
    indptr, parents = _to_csr(n, np.concatenate([derived, extra_child, fixed_child]),
                              np.concatenate([primary, extra_parent, fixed_parent]))
    lonely_merges = (kind == Kind.MERGE) & (np.diff(indptr) < 2)
    kind[lonely_merges] = Kind.FINETUNE  # all its parents coincided: it is a plain fine-tune
    return Graph(time, kind, tree, draft.style[order], indptr, parents, fixed, styles)

