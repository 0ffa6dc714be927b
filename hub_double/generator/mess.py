"""The metadata mess real crawls meet, placed on chosen models so tests can find every case.

Each model carries at most one defect (`Mess`), drawn from the pool where it makes sense (a
parent that does not exist only on leaves, no README only on standalones ...), at least
MIN_MESS of each however small the Hub, so every case is always there to be tested.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from hub_double.generator.catalogue import Kind
from hub_double.generator.graph import Graph


class Mess(IntEnum):
    """Metadata defects; each model has at most one, so tests can find every case by its marks."""

    CLEAN = 0
    NO_YAML = 1  # README without a YAML header: card_data NULL, relations only in tags
    BROKEN_YAML = 2  # card stored verbatim with unparseable YAML; tags still name the parents
    UNSPECIFIED = 3  # no relation anywhere: tags carry only base_model:<parent>
    URL_PARENT = 4  # card's base_model is https://huggingface.co/<id>; tags carry the clean id
    UNKNOWN_LICENSE = 5  # a license id the Hub does not know, e.g. llama-3-community
    LATIN1 = 6  # card stored verbatim with latin-1 and invalid UTF-8 bytes in its body
    LONG_CARD = 7  # card stored verbatim, 1-2 MB
    MISSING_PARENT = 8  # the only parent named (card and tags) does not exist
    SELF_REFERENCE = 9  # the card lists the model itself among its base models
    GATED = 10  # a gated derivative
    NO_README = 11  # a standalone model with no README at all
    EXTRA_MISSING_PARENT = 12  # card and tags name the real parent and one that does not exist
    CYCLE = 13  # a later edit of the card also names one of the model's children: a cycle


MESS_RATES = {  # share of the eligible pool, and at least MIN_MESS of each where the pool allows
    Mess.MISSING_PARENT: 0.004, Mess.NO_YAML: 0.015, Mess.BROKEN_YAML: 0.004,
    Mess.UNSPECIFIED: 0.02, Mess.URL_PARENT: 0.008, Mess.UNKNOWN_LICENSE: 0.01,
    Mess.LATIN1: 0.003, Mess.SELF_REFERENCE: 0.002, Mess.GATED: 0.01, Mess.NO_README: 0.01,
    Mess.EXTRA_MISSING_PARENT: 0.004,
}
MIN_MESS = 5
LONG_CARDS = 3  # megabyte cards, however large the Hub
CYCLE_RATE = 0.001  # of derivatives: real cards rarely name a descendant, but some do


@dataclass
class Defects:
    """Each model's defect, and for each CYCLE model the child its card comes to name."""

    mess: np.ndarray
    cycle_child: dict[int, int]


def _take(pool: np.ndarray, taken: np.ndarray, count: int) -> np.ndarray:
    free = pool[~taken[pool]]
    chosen = free[:count]
    taken[chosen] = True
    return chosen


def assign_mess(graph: Graph, rng: np.random.Generator) -> Defects:
    """One defect (or none) per model, each from the pool where it makes sense."""
    n = graph.size
    mess = np.zeros(n, np.int8)
    taken = np.zeros(n, bool)
    leaf = graph.children_count() == 0
    derived = rng.permutation(np.flatnonzero(graph.kind >= Kind.FINETUNE))
    standalone = rng.permutation(np.flatnonzero((graph.kind == Kind.STANDALONE) & leaf))
    single = np.diff(graph.indptr) == 1
    leaf_single = derived[leaf[derived] & single[derived]]
    pools = {Mess.MISSING_PARENT: leaf_single, Mess.EXTRA_MISSING_PARENT: leaf_single,
             Mess.NO_README: standalone}
    # cycles first: they need a derivative with a single-parent child, rare in a small Hub
    cycles = _cycle_pairs(graph, derived, taken, max(MIN_MESS, round(CYCLE_RATE * len(derived))))
    mess[list(cycles)] = Mess.CYCLE
    for case, rate in MESS_RATES.items():
        pool = pools.get(case, derived)
        count = max(MIN_MESS, round(rate * len(pool)))
        if case == Mess.SELF_REFERENCE:  # half on derivatives (a list), half on standalones
            mess[_take(standalone, taken, (count + 1) // 2)] = case
            count //= 2
        mess[_take(pool, taken, count)] = case
    # on leaves: a megabyte card among a parent's would swamp the parents' mean card length
    mess[_take(derived[leaf[derived]], taken, LONG_CARDS)] = Mess.LONG_CARD
    return Defects(mess, cycles)


def _cycle_pairs(graph: Graph, derived: np.ndarray, taken: np.ndarray,
                 count: int) -> dict[int, int]:
    """(derivative, one of its children) pairs, both otherwise clean, the child having no other
    parent: naming the child as a parent then closes a cycle without changing anyone's roots."""
    single = np.diff(graph.indptr) == 1
    children = derived[single[derived]]
    pairs: dict[int, int] = {}
    for child, parent in zip(children.tolist(), graph.parents[graph.indptr[children]].tolist(),
                             strict=True):
        if len(pairs) == count:
            break
        if graph.kind[parent] >= Kind.FINETUNE and not taken[child] and not taken[parent]:
            taken[[child, parent]] = True
            pairs[parent] = child
    return pairs


UNREADABLE = frozenset({Mess.NO_YAML, Mess.BROKEN_YAML})  # the Hub could not parse the YAML
VERBATIM = frozenset({Mess.BROKEN_YAML, Mess.LATIN1, Mess.LONG_CARD})  # cards stored as bytes
