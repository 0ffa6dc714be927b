"""The ground truth the tests check crawls and analyses against: each model's roots, family
and depth, computed while the Hub is written, from the parents that really exist.

The roots are the analysis's (docs/schema.md): every model roots.toml lists, and every model of
a family's organisation that descends from none of them. Sets of roots are bit masks (one bit
per root), so a model's roots are the union of its parents' in one OR each, and the few distinct
sets are resolved to ids once.
"""

from __future__ import annotations

from crawler.roots import load_roots


class Lineage:
    """Roots and depths of the models seen so far, fed in creation order."""

    def __init__(self, extra_roots: dict[str, str] | None = None) -> None:
        """`extra_roots`: more root ids and their families (the full lineage's LLaMA-1
        conversions)."""
        config = load_roots()
        listed = config.root_models()
        self.organisations = config.organisations
        self.root_ids = list(listed)
        self.root_bit = {rid: 1 << b for b, rid in enumerate(self.root_ids)}
        self.root_family = [listed[rid].family for rid in self.root_ids]
        self.masks: list[int] = []
        self.depths: list[int | None] = []
        self.cache: dict[int, tuple[str | None, list[str]]] = {0: (None, [])}
        for model_id, family in (extra_roots or {}).items():
            self._add_root(model_id, family)

    def add(self, model_id: str, parents: list[int]) -> tuple[str | None, list[str], int | None]:
        """(family, root ids, depth) of the next model, whose existing parents are `parents`."""
        mask, depth = 0, None
        for p in parents:
            mask |= self.masks[p]
            if self.depths[p] is not None:
                depth = self.depths[p] + 1 if depth is None else min(depth, self.depths[p] + 1)
        organisation = model_id.split("/")[0] if "/" in model_id else None
        if model_id not in self.root_bit and mask == 0 and organisation in self.organisations:
            self._add_root(model_id, self.organisations[organisation])  # an unlisted release
        if model_id in self.root_bit:
            mask, depth = mask | self.root_bit[model_id], 0
        self.masks.append(mask)
        self.depths.append(depth)
        return *self._resolve(mask), depth

    def _add_root(self, model_id: str, family: str) -> None:
        self.root_bit[model_id] = 1 << len(self.root_ids)
        self.root_ids.append(model_id)
        self.root_family.append(family)

    def _resolve(self, mask: int) -> tuple[str | None, list[str]]:
        """Family and root ids of a set of roots (a bit mask), cached: few distinct sets exist."""
        if mask not in self.cache:
            bits = [b for b in range(len(self.root_ids)) if mask >> b & 1]
            families = {self.root_family[b] for b in bits}
            family = families.pop() if len(families) == 1 else "both"
            self.cache[mask] = (family, [self.root_ids[b] for b in bits])
        return self.cache[mask]
