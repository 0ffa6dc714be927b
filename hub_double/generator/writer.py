"""Graph nodes to store rows and truth rows, in creation order and in chunks of CHUNK models.

Per-model choices are drawn in bulk (numpy), then each model's row is made in plain Python from
its parents' (already written) ids and licenses; chunks bound the memory of one DataFrame, so a
two-million-model Hub is written in a few GB.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import numpy as np
import pandas as pd

from hub_double.generator.catalogue import DAY, QUANT_FORMATS
from hub_double.generator.counters import counters
from hub_double.generator.evidence import EvidenceWriter
from hub_double.generator.graph import Graph
from hub_double.generator.licenses import LICENSE_MODES
from hub_double.generator.llama1 import CONVERSIONS
from hub_double.generator.mess import Defects
from hub_double.generator.metadata import ROW_COLUMNS, Meta, MetadataMaker
from hub_double.generator.node import Draw, Node
from hub_double.generator.truth import Lineage
from hub_double.generator.undocumented import card_forms

CHUNK = 100_000  # rows per add_models call: bounds the memory of one DataFrame
CYCLE_EDIT_DELAY = DAY  # how long after its child appeared a card comes to name it
TRUTH_MODEL_COLUMNS = ["id", "family", "roots", "license", "depth", "full_family", "full_roots"]
TRUTH_EDGE_COLUMNS = ["child", "parent", "relation", "parent_exists", "documented", "evidence"]
TRUTH_ALIAS_COLUMNS = ["child", "alias", "canonical", "meant", "how", "tagged"]
FILE_COLUMNS = ["model_type", "files"]  # store columns the evidence writer fills


class CardEdit(NamedTuple):
    """A push that rewrote a model's card after it was written: the store row to update."""

    model_id: str
    card_data: str
    tags: list[str]
    last_modified: np.datetime64


class RowWriter:
    """Turns graph nodes into (models, truth_models, truth_edges) frames, then lists the card
    edits of models whose card came to name a child (`edits`, complete once chunks are read)."""

    def __init__(self, graph: Graph, defects: Defects, seed: int) -> None:
        self.graph, self.mess, self.seed = graph, defects.mess, seed
        self.cycle_child = defects.cycle_child
        self.rng = np.random.default_rng([seed, 2])
        self.metadata = MetadataMaker(graph)
        self.lineage = Lineage()  # over documented edges: what a crawl of base_model finds
        self.full_lineage = Lineage(CONVERSIONS)  # over every edge
        self.evidence = EvidenceWriter(graph, self.metadata.ids, np.random.default_rng([seed, 5]))
        self.awaiting_child: dict[int, tuple[int, Meta]] = {}  # child -> (parent, its Meta)
        self.edits: list[CardEdit] = []
        self._bulk_draws()

    def _bulk_draws(self) -> None:
        """Per-model choices made in bulk: card flags, formats, authors, license modes, counters."""
        g, rng, n = self.graph, self.rng, self.graph.size
        self.card_relation = rng.random(n) < 0.3
        self.list_parent = rng.random(n) < 0.15
        self.license_mode = rng.choice(len(LICENSE_MODES), n, p=LICENSE_MODES)
        shares = np.array([f.share for f in QUANT_FORMATS])
        fmt = rng.choice(len(QUANT_FORMATS), n, p=shares / shares.sum())
        since = np.array([f.since for f in QUANT_FORMATS])
        self.fmt = np.where(since[fmt] <= g.time, fmt, len(QUANT_FORMATS) - 1)  # bnb before
        n_users = max(50, n // 6)
        self.author = (n_users * rng.random(n) ** 1.6).astype(np.int64)  # a few prolific users
        self.counters = counters(g, rng)
        self.children = g.children_count()
        undocumented = np.random.default_rng([self.seed, 6])
        self.doc_draw = undocumented.random(n)
        self.doc_draw[list(self.cycle_child.values())] = 1.0  # a cycle needs the child's card
        self.card_form = card_forms(g, undocumented)

    def chunks(self) -> Iterator[tuple[pd.DataFrame, ...]]:
        """(models, truth_models, truth_edges, truth_aliases) frames of CHUNK models each."""
        for lo in range(0, self.graph.size, CHUNK):
            hi = min(self.graph.size, lo + CHUNK)
            rows, truths, edges, aliases = [], [], [], []
            for node in self._nodes(lo, hi):
                row, truth, model_edges, alias = self.row(node)
                rows.append(row)
                truths.append(truth)
                edges += model_edges
                if alias:
                    aliases.append(alias)
            models = pd.DataFrame(rows, columns=list(ROW_COLUMNS) + FILE_COLUMNS)
            for column, values in self.counters.items():
                models[column] = values[lo:hi]
            truth_models = pd.DataFrame(truths, columns=TRUTH_MODEL_COLUMNS)
            truth_models["depth"] = truth_models["depth"].astype("Int32")
            yield (models, truth_models, pd.DataFrame(edges, columns=TRUTH_EDGE_COLUMNS),
                   pd.DataFrame(aliases, columns=TRUTH_ALIAS_COLUMNS))

    def _nodes(self, lo: int, hi: int) -> Iterator[Node]:
        g = self.graph
        start = int(g.indptr[lo])
        ends = (g.indptr[lo + 1:hi + 1] - start).tolist()
        parents = g.parents[start:g.indptr[hi]].tolist()
        draws = self.rng.random((hi - lo, len(Draw._fields))).tolist()
        columns = [c[lo:hi].tolist() for c in (
            g.time, g.kind, self.mess, g.style, self.author, self.fmt, self.license_mode,
            self.card_relation, self.list_parent, self.children, self.doc_draw, self.card_form)]
        begin = 0
        for i, values, end, draw in zip(range(lo, hi), zip(*columns, strict=True), ends, draws,
                                        strict=True):
            yield Node(i, *values, parents[begin:end], Draw._make(draw))
            begin = end

    def row(self, node: Node) -> tuple[tuple, tuple, list[tuple], tuple | None]:
        """The store row, the truth row, the truth edges and the truth alias of one model."""
        meta = self.metadata.make(node)
        family, roots, depth = self.lineage.add(meta.id, meta.existing if meta.documented else [])
        full_family, full_roots, _ = self.full_lineage.add(meta.id, meta.existing)
        files, evidence = self.evidence.build(node, meta)
        edges = [(meta.id, p, meta.relation_of(p), p not in meta.missing_parents, meta.documented,
                  evidence.get(p, [])) for p in meta.named_parents]
        if node.index in self.cycle_child:
            self.awaiting_child[self.cycle_child[node.index]] = (node.index, meta)
        if node.index in self.awaiting_child:
            edges.append(self._name_child_as_parent(*self.awaiting_child.pop(node.index), node,
                                                    meta.id))
        truth = (meta.id, family, roots, meta.license, depth, full_family, full_roots)
        row = (*meta.store_row(self.seed, node.time), meta.style.arch or None, files)
        return row, truth, edges, meta.alias

    def _name_child_as_parent(self, index: int, parent: Meta, child: Node,
                              child_id: str) -> tuple:
        """Record the card edit by which `parent` also names its child; its truth edge.

        The child's only parent is `parent`, so the cycle changes nobody's roots or depth."""
        card_data, tags = self.metadata.name_child_as_parent(parent, child_id)
        written = self.counters["last_modified"][index]
        edited = max(written, np.datetime64(child.time + CYCLE_EDIT_DELAY, "s"))
        self.edits.append(CardEdit(parent.id, card_data, tags, edited))
        return parent.id, child_id, parent.truth_relation, True, True, []
