"""One model as the row writer hands it to the metadata makers: graph facts and random draws.

Plain Python values (not numpy scalars), read once per model, so writing a row stays cheap.
"""

from __future__ import annotations

from typing import NamedTuple


class Draw(NamedTuple):
    """The uniforms one model's metadata choices use (drawn in bulk, a chunk at a time)."""

    name: float
    suffix: float
    author: float
    license: float
    extra: float
    datasets: float
    language: float
    evals: float
    card: float  # which README template
    card_size: float  # how long the README is
    spelling: float  # how the card writes its parents' names
    extra_parent: float  # whether and which model the card lists beside its parent


class Node(NamedTuple):
    """One model's graph facts and bulk draws as plain Python values, cheap to read per row."""

    index: int
    time: int
    kind: int
    mess: int
    style: int
    author: int
    fmt: int
    license_mode: int
    card_relation: bool  # the card states base_model_relation
    list_parent: bool  # the card lists even a single parent
    children: int  # children in the graph (a documented parent writes a fuller card)
    doc_draw: float  # decides, with kind and era, whether the card declares the parents
    card_form: int  # undocumented.CardForm of the README if it does not
    parents: list[int]
    draw: Draw
