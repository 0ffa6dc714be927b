"""Parents inside a tree and across trees: the tree's top group, earlier derivatives by weight,
and the extra parents of merges.

Vectorised over all children at once: cumulative weights laid out per tree (sorted by tree,
then creation order) let one searchsorted pick an earlier model of the same tree for each child.
"""

from __future__ import annotations

import numpy as np

from hub_double.generator.catalogue import Kind
from hub_double.generator.fixed import Fixed

MERGE_TOP_SHARE = 0.05  # merge parents taking a tree's top group
CROSS_TREE_SHARE = 0.15  # merge parents drawn from the whole Hub rather than the same tree
MERGE_EXTRA_P = 0.3  # extra merge parents ~ geometric(p): 2-4 mostly, up to MAX_MERGE_PARENTS
MAX_MERGE_PARENTS = 10
REUPLOAD_WEIGHTS = (1.0, 0.8, 1.5)  # top, unsloth/<name>, unsloth/<name>-bnb-4bit


class TreePicker:
    """Draws parents inside a child's tree: the top group, or an earlier derivative by weight."""

    def __init__(self, kind: np.ndarray, tree: np.ndarray, time: np.ndarray,
                 weight: np.ndarray, fixed: dict[int, Fixed]) -> None:
        n = len(tree)
        self.kind, self.tree, self.time, self.weight = kind, tree, time, weight
        self.order = np.lexsort((np.arange(n), tree))
        self.pos = np.empty(n, np.int64)
        self.pos[self.order] = np.arange(n)
        self.c0 = np.concatenate([[0.0], np.cumsum(weight[self.order])])
        sorted_tree = tree[self.order]
        self.start = np.empty(n, np.int64)
        self.start[self.order] = np.searchsorted(sorted_tree, sorted_tree, side="left")
        self._build_groups(fixed)

    def _build_groups(self, fixed: dict[int, Fixed]) -> None:
        """Each tree's top and its re-uploads (3 slots): the parents most children choose."""
        self.tops = np.unique(self.tree)
        slots = len(REUPLOAD_WEIGHTS)
        self.members = np.full((len(self.tops), slots), -1, np.int64)
        self.members[:, 0] = self.tops
        by_id = {f.id: i for i, f in fixed.items()}
        for i, f in fixed.items():
            if f.kind == Kind.REUPLOAD:
                row = np.searchsorted(self.tops, by_id[f.top])
                self.members[row, 1 if f.relation == "finetune" else 2] = i

    def top_group(self, rng: np.random.Generator, nodes: np.ndarray) -> np.ndarray:
        """The tree's top or one of its re-uploads already created, by REUPLOAD_WEIGHTS."""
        members = self.members[np.searchsorted(self.tops, self.tree[nodes])]
        weight = np.where(members >= 0, np.array(REUPLOAD_WEIGHTS)[None, :], 0.0)
        weight[self.time[np.maximum(members, 0)] >= self.time[nodes][:, None]] = 0.0
        weight[self.kind[nodes] == Kind.QUANTIZED, 2] = 0.0  # nobody re-quantizes the bnb copy
        cum = np.cumsum(weight, axis=1)
        u = rng.random(len(nodes)) * cum[:, -1]
        slot = np.minimum((cum <= u[:, None]).sum(axis=1), len(REUPLOAD_WEIGHTS) - 1)
        return members[np.arange(len(nodes)), slot]

    def weighted(self, rng: np.random.Generator, nodes: np.ndarray) -> np.ndarray:
        """An earlier derivative of the same tree by weight, or -1 where none has weight."""
        j, s = self.pos[nodes], self.start[nodes]
        low, avail = self.c0[s], self.c0[j] - self.c0[s]
        u = low + rng.random(len(nodes)) * avail
        k = np.clip(np.searchsorted(self.c0, u, side="right") - 1, s, np.maximum(j - 1, s))
        found = self.order[k]
        ok = (avail > 0) & (self.weight[found] > 0) & (found < nodes)
        return np.where(ok, found, -1)

    def pick(self, rng: np.random.Generator, nodes: np.ndarray,
             top_share: float | np.ndarray) -> np.ndarray:
        """The top group with probability top_share (or when nothing else qualifies)."""
        inside = self.weighted(rng, nodes)
        use_top = (inside < 0) | (rng.random(len(nodes)) < top_share)
        return np.where(use_top, self.top_group(rng, nodes), inside)


def global_pick(rng: np.random.Generator, nodes: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Any earlier model by weight: how merges reach across trees."""
    c0 = np.concatenate([[0.0], np.cumsum(weight)])
    u = rng.random(len(nodes)) * c0[nodes]
    return np.clip(np.searchsorted(c0, u, side="right") - 1, 0, nodes - 1)


def merge_parents(rng: np.random.Generator, picker: TreePicker, merges: np.ndarray,
                  primary: np.ndarray, global_weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Extra parents of merges: 1-9 more each, some from other trees.

    A parent drawn twice for one merge is redrawn from the whole Hub (small trees run out of
    distinct parents), so merges keep their parent counts at every Hub size.
    """
    extra = np.minimum(rng.geometric(MERGE_EXTRA_P, len(merges)), MAX_MERGE_PARENTS - 1)
    child = np.repeat(merges, extra)
    cross = rng.random(len(child)) < CROSS_TREE_SHARE
    parent = np.where(cross, global_pick(rng, child, global_weight),
                      picker.pick(rng, child, MERGE_TOP_SHARE))
    n = len(global_weight)
    for _ in range(3):
        keys = np.concatenate([merges * n + primary, child * n + parent])
        _, first = np.unique(keys, return_index=True)
        repeated = np.ones(len(keys), bool)
        repeated[first] = False
        repeated = repeated[len(merges):]
        if not repeated.any():
            break
        parent[repeated] = global_pick(rng, child[repeated], global_weight)
    return child, parent


