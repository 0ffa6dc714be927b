"""What each repo's files and card say about its parents: the compact `files` spec the double
renders (hub_double/files) and, per parent, the evidence kinds the ground truth records.

Evidence kinds are named after the inference sources that read them (crawler/lineage/inference/
sources): `config` (config.json's `_name_or_path`), `adapter_config`, `mergekit_config`, `gguf`
(the GGUF header's source keys or a name derived from the source id), `card_text` (a sentence
naming the parent), `card_merge` (mergekit's card or "a merge of …"), `card_links` (a link to
the parent) and `repo_name` (`<parent name>-GGUF`, `-sft` …). A kind is recorded for a parent
only when the repo names that parent by its Hub id (or a legacy id the Hub resolves); names
that only a weak guess could use (a disk path ending in the parent's name, a family name in
prose) and noise (configs naming the base model rather than the parent, cards comparing with
other models, Trainer cards naming their own repo) are served but recorded as no evidence.

Rates below have no real measurement behind them (the samples hold no config.json, adapter or
GGUF file) unless a comment names one; they are stated assumptions, easy to revise here.
"""

from __future__ import annotations

import json
from collections import defaultdict

import numpy as np

from hub_double.files.layouts import QUANT_SUFFIXES, layout_of
from hub_double.generator.catalogue import Kind, ts
from hub_double.generator.graph import Graph
from hub_double.generator.llama1 import WAVE_CARDS
from hub_double.generator.metadata import Meta
from hub_double.generator.node import Node
from hub_double.generator.undocumented import CardForm

CONFIG_LAYOUTS = frozenset({"transformers", "merge", "gptq", "awq", "exl2", "bnb", "mlx"})
LEGACY_ORGS = frozenset({"google-bert", "openai-community", "FacebookAI", "distilbert",
                         "google-t5", "albert", "xlnet", "transfo-xl"})
LEGACY_MOVED = ts("2024-03-01")  # the Hub moved namespace-less models into organisations
MODERN_GGUF = ts("2024-06-01")  # convert_hf_to_gguf.py writes general.basename, base_model.N
REVEALING_SUFFIXES = frozenset(s.lstrip("-").lower() for s in QUANT_SUFFIXES) | {
    "sft", "dpo", "orpo", "uncensored", "finetuned", "abliterated", "lora-merged"}
LOCAL_DIRS = ("./output", "/content/drive/MyDrive/finetuned", "./results/checkpoint-1500",
              "/workspace/merged", "outputs/final")


class Ref:
    """How a file names the model it came from (plain ints: read once per model)."""

    PARENT = 0  # the parent's Hub id (a legacy id where the parent has one)
    PARENT_PATH = 1  # a disk path ending in the parent's name: /home/u/models/<name>
    LOCAL = 2  # a disk path saying nothing: ./output, a cache snapshot
    SELF = 3  # the repo itself (a re-saved checkpoint)
    ANCESTOR = 4  # the base model the config was copied from, not the parent
    ABSENT = 5  # no such key


CONFIG_REFS = {Ref.PARENT: 0.50, Ref.PARENT_PATH: 0.12, Ref.LOCAL: 0.20, Ref.SELF: 0.10,
               Ref.ANCESTOR: 0.05, Ref.ABSENT: 0.03}
ADAPTER_REFS = {Ref.PARENT: 0.82, Ref.PARENT_PATH: 0.06, Ref.LOCAL: 0.07, Ref.ANCESTOR: 0.05}
STANDALONE_REFS = {Ref.SELF: 0.60, Ref.LOCAL: 0.35, Ref.ABSENT: 0.05}
# How the Trainer's sentence names the parent: of the 240 Trainer cards in the 2022 sample,
# 4 link nothing ("[](https://huggingface.co/)"), 4 name their own repo, 1 a disk path.
TRAINER_REFS = {Ref.PARENT: 0.958, Ref.LOCAL: 0.021, Ref.SELF: 0.021}
SOURCE_URL = 0.10  # modern GGUF headers recording general.source.url
GENERIC_GGUF_NAME = (0.30, 0.15)  # old / modern converter run on a folder without the repo name
MENTION = 0.10  # cards with text that also name another model (comparisons, thanks)
MERGEKIT_FILE = 0.85  # merges whose repo keeps mergekit_config.yml
MERGE_LOCAL = 0.08  # models in a mergekit config given as a disk path
TEXT_FORMS = {CardForm.TRAINER: "trainer", CardForm.HUB: "hub", CardForm.HUB_FILLED: "hub",
              CardForm.PROSE: "prose", CardForm.FAMILY: "family", CardForm.LINKS: "links",
              CardForm.MINIMAL: "minimal", CardForm.PEFT: "peft", CardForm.LORA_FOR: "lora_for",
              CardForm.QUANT_OF: "quant_of", CardForm.QUANT_PLAIN: "quant_plain",
              CardForm.FORMAT_FILES: "format_files", CardForm.MERGE_CARD: "merge_card",
              CardForm.MERGE_OF: "merge_of", CardForm.COPIED: "trainer"}
CARD_EVIDENCE = {CardForm.TRAINER: "card_text", CardForm.HUB_FILLED: "card_text",
                 CardForm.PROSE: "card_text", CardForm.LORA_FOR: "card_text",
                 CardForm.QUANT_OF: "card_text", CardForm.FORMAT_FILES: "card_text",
                 CardForm.LINKS: "card_links", CardForm.MERGE_CARD: "card_merge",
                 CardForm.MERGE_OF: "card_merge"}
SILENT_FORMS = frozenset({CardForm.DEFAULT, CardForm.NONE, CardForm.MINIMAL, CardForm.PEFT})
_MERGE = int(Kind.MERGE)  # enum members are slow to read in a loop over two million models
_TRAINER, _HUB, _COPIED, _FAMILY, _FORMAT_FILES, _MINIMAL = (
    int(f) for f in (CardForm.TRAINER, CardForm.HUB, CardForm.COPIED, CardForm.FAMILY,
                     CardForm.FORMAT_FILES, CardForm.MINIMAL))
_MERGE_FORMS = frozenset({int(CardForm.MERGE_CARD), int(CardForm.MERGE_OF)})
_JSON = json.JSONEncoder(separators=(",", ":"))
MERGE_METHODS = {"dare-ties": "dare_ties", "slerp": "slerp", "ties": "ties", "linear": "linear",
                 "model-stock": "model_stock", "della": "della"}  # longest suffix first


def _choice(rng: np.random.Generator, shares: dict[int, float], n: int) -> np.ndarray:
    weights = np.array(list(shares.values()))
    return rng.choice(np.array(list(shares), np.int8), n, p=weights / weights.sum())


def name_reveals(child: str, parent: str) -> bool:
    """The child is named `<parent name>-<format or training suffix>`, the convention name
    rules read."""
    name, parent_name = child.rpartition("/")[2].lower(), parent.rpartition("/")[2].lower()
    return name.startswith(parent_name + "-") and name[len(parent_name) + 1:] in \
        REVEALING_SUFFIXES


def as_written(parent: str, time: int, draw: float) -> str:
    """A parent's id as a card of that time writes it: legacy models without their namespace
    (always before the Hub moved them, half the time after: scripts kept the old names)."""
    org, _, name = parent.rpartition("/")
    if org in LEGACY_ORGS and (time < LEGACY_MOVED or draw < 0.5):
        return name
    return parent


class EvidenceWriter:
    """Fed every model in creation order (after its Meta): its files spec and evidence."""

    def __init__(self, graph: Graph, ids: list[str], rng: np.random.Generator) -> None:
        self.graph, self.ids = graph, ids
        self.documented: list[bool] = []
        n = graph.size
        self.config = _choice(rng, CONFIG_REFS, n).tolist()
        self.standalone = _choice(rng, STANDALONE_REFS, n).tolist()
        self.adapter = _choice(rng, ADAPTER_REFS, n).tolist()
        self.trainer = _choice(rng, TRAINER_REFS, n).tolist()
        self.draw = rng.random((n, 4)).astype(np.float32)  # url, name, mention, mergekit
        has_parent = np.diff(graph.indptr) > 0
        first = graph.parents[np.minimum(graph.indptr[:-1], max(len(graph.parents) - 1, 0))]
        self.first_parent = np.where(has_parent, first, -1).tolist()
        self.tree = graph.tree.tolist()

    def build(self, node: Node, meta: Meta) -> tuple[str | None, dict[str, list[str]]]:
        """(files spec as JSON or None, evidence kinds per named parent)."""
        self.documented.append(meta.documented)
        if node.index in self.graph.fixed and not meta.named_parents:
            return None, {}  # roots and bases: their own id in config.json
        if not meta.named_parents:
            form = self.standalone[node.index]
            spec = {} if form == Ref.SELF else {"nop": None if form == Ref.ABSENT else
                                                self._local(meta.id, node.index)}
            return (_JSON.encode(spec) if spec else None), {}  # standalones
        return self._derived(node, meta)

    def _derived(self, node: Node, meta: Meta) -> tuple[str | None, dict[str, list[str]]]:
        i, parents = node.index, meta.named_parents
        primary = parents[0]
        evidence: dict[str, list[str]] = defaultdict(list)
        spec: dict = {}
        merge = node.kind == _MERGE
        layout = layout_of(meta.style.library, frozenset(meta.tags), merge)
        ancestor = self._ancestor(node, parents)
        url, name_draw, mention, keep_mergekit = self.draw[i].tolist()
        if layout in CONFIG_LAYOUTS:
            spec["nop"] = self._ref(self.config[i], meta.id, primary, ancestor, node)
        elif layout == "adapter":
            spec["ad"] = self._ref(self.adapter[i], meta.id, primary, ancestor, node)
        for key, kind_name in (("nop", "config"), ("ad", "adapter_config")):
            if spec.get(key) in parents:
                evidence[spec[key]].append(kind_name)
        if layout == "gguf":
            spec["gg"] = self._gguf(node, primary, url, name_draw)
            if spec["gg"].get("url") or not spec["gg"].get("generic"):
                evidence[primary].append("gguf")
        if merge:
            spec["mk"] = self._mergekit(meta.id, parents,
                                        layout == "merge" and keep_mergekit < MERGEKIT_FILE, i)
            for model in spec["mk"]["models"] if spec["mk"]["file"] else ():
                if model in parents:
                    evidence[model].append("mergekit_config")
        if not meta.documented and meta.has_readme:
            self._card(node, meta, spec, evidence, ancestor, mention < MENTION)
        for parent in parents:
            if name_reveals(meta.id, parent):
                evidence[parent].append("repo_name")
        return _JSON.encode(spec), dict(evidence)

    # -- the parts of a spec ----------------------------------------------------------------
    def _ancestor(self, node: Node, parents: list[str]) -> str | None:
        """The model a config copied from the base would name: the parent's parent, else the
        tree's top; None when that is a parent itself."""
        above = self.first_parent[node.parents[0]] if node.parents else -1
        for k in (above, self.tree[node.index]):
            candidate = self.ids[k] if k >= 0 else None
            if candidate and candidate not in parents and candidate != self.ids[node.index]:
                return candidate
        return None

    @staticmethod
    def _local(loaded: str, i: int) -> str:
        """A disk path: one in five the Hub cache's snapshot of the model loaded (its id only
        as `models--org--name`), else a run's output folder."""
        if i % 5 == 0:
            org, _, name = loaded.rpartition("/")
            return f"/root/.cache/huggingface/hub/models--{org}--{name}/snapshots/" + \
                f"{i * 2654435761 % 16**12:012x}"
        return LOCAL_DIRS[i % len(LOCAL_DIRS)]

    def _ref(self, form: int, own: str, parent: str, ancestor: str | None,
             node: Node) -> str | None:
        if form == Ref.PARENT or (form == Ref.ANCESTOR and ancestor is None):
            return as_written(parent, node.time, node.draw.extra)
        if form == Ref.PARENT_PATH:
            return f"/home/{own.partition('/')[0]}/models/{parent.rpartition('/')[2]}"
        if form == Ref.LOCAL:
            return self._local(parent, node.index)
        if form == Ref.SELF:
            return own
        if form == Ref.ANCESTOR:
            return ancestor
        return None

    def _gguf(self, node: Node, primary: str, url: float, name_draw: float) -> dict:
        """The header's source: the converted model, and (modern writer) its card's parents."""
        modern = node.time >= MODERN_GGUF
        gg: dict = {"src": primary}
        if not modern:
            gg["old"] = 1
        if name_draw < GENERIC_GGUF_NAME[modern]:
            gg["generic"] = ("models", "workspace", "merged", "LLaMA v2")[node.index % 4]
        if modern and url < SOURCE_URL:  # convert.py (the old writer) records no source url
            gg["url"] = 1
        first = node.parents[0] if node.parents else None
        if modern and first is not None and self.documented[first]:
            g = self.graph
            gg["bm"] = [self.ids[p] for p in g.parents[g.indptr[first]:g.indptr[first + 1]]]
        return gg

    def _mergekit(self, own: str, parents: list[str], present: bool, i: int) -> dict:
        method = next((m for suffix, m in MERGE_METHODS.items() if own.endswith(f"-{suffix}")),
                      "slerp")
        if method == "slerp" and len(parents) > 2:  # SLERP merges two models; names lie
            method = "ties"
        models = [f"./models/{p.rpartition('/')[2]}" if (i + k) % 13 < 13 * MERGE_LOCAL else p
                  for k, p in enumerate(parents)]
        return {"method": method, "models": models, "base": models[0], "file": present}

    def _card(self, node: Node, meta: Meta, spec: dict, evidence: dict[str, list[str]],
              ancestor: str | None, mention: bool) -> None:
        form = node.card_form or _MINIMAL
        if meta.id in WAVE_CARDS:
            spec["card"] = {"t": "text", "f": WAVE_CARDS[meta.id]}
            return
        primary = meta.named_parents[0]
        written = as_written(primary, node.time, node.draw.extra)
        card: dict = {"t": TEXT_FORMS[form], "p": written}
        reveals = form in CARD_EVIDENCE
        if form == _TRAINER:
            ref = self.trainer[node.index]
            card["p"] = {Ref.LOCAL: "", Ref.SELF: meta.id}.get(ref, written)
            reveals = ref == Ref.PARENT
        if form == _HUB:
            card["p"] = None
        if form == _COPIED:  # the sentence names the model the parent came from
            card["p"] = ancestor or ""
        datasets = (meta.card_data or {}).get("datasets")
        if datasets:
            card["d"] = datasets[0]
        if form == _FAMILY:
            card["f"] = self.ids[self.graph.tree[node.index]].rpartition("/")[2].replace("-", " ")
        if form == _FORMAT_FILES and ancestor:
            card["g"] = ancestor
        if mention and ancestor and form not in SILENT_FORMS:
            card["x"] = ancestor
        spec["card"] = card
        if not reveals:
            return
        if form in _MERGE_FORMS:
            for model in spec["mk"]["models"]:
                if model in meta.named_parents:
                    evidence[model].append("card_merge")
            return
        evidence[primary].append(CARD_EVIDENCE[form])
