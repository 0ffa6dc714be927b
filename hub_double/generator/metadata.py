"""One model's metadata: its id, card data, tags, declared license and README bytes.

`MetadataMaker` is fed models in creation order and remembers each one's id and license,
because a derivative's name, card and license derive from its parents'. What it makes (`Meta`)
also says which parents the card names and which of them exist, for the ground truth.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from hub_double.generator.cards import (
    card_tags,
    eval_results,
    hub_tags,
    verbatim_card,
    with_parent_tags,
)
from hub_double.generator.catalogue import (
    ARXIV,
    CHILD_PIPELINE,
    DATASETS,
    QUANT_FORMATS,
    RELATIONS,
    ROOT_ARXIV,
    Kind,
    Style,
    pick,
)
from hub_double.generator.fixed import Fixed
from hub_double.generator.graph import Graph
from hub_double.generator.licenses import OPEN_LICENSES, license_fields
from hub_double.generator.mess import UNREADABLE, VERBATIM, Mess
from hub_double.generator.naming import Namer, stem
from hub_double.generator.node import Node
from hub_double.generator.undocumented import documents, unstated_card
from hub_double.store import fake_sha

ROW_COLUMNS = ("id", "author", "sha", "object_id", "gated", "library_name", "pipeline_tag", "tags",
               "card_data", "card", "has_readme")
_JSON = json.JSONEncoder(separators=(",", ":"))


@dataclass
class Meta:
    """A model's metadata before it becomes rows; `existing` are its parents in the graph."""

    id: str
    style: Style
    card_data: dict | None
    tags: list[str]
    license: str | None
    truth_relation: str
    existing: list[int]
    named_parents: list[str]
    missing_parents: frozenset[str] = frozenset()  # named parents that do not exist
    gated: str | None = None
    card: bytes | None = None
    has_readme: bool = True
    documented: bool = True  # the card's YAML and the Hub's tags name the parents

    def store_row(self, seed: int, created: int) -> tuple:
        """The store's model columns this writer sets, in ROW_COLUMNS order."""
        card_data = _JSON.encode(self.card_data) if self.card_data is not None else None
        return (self.id, self.id.split("/")[0], fake_sha(self.id, seed),
                f"{created:08x}{fake_sha(seed, self.id, '_id')[:16]}",  # Mongo-like: time first
                self.gated, self.style.library or None, self.style.pipeline, self.tags, card_data,
                self.card, self.has_readme)


class MetadataMaker:
    """Makes each model's Meta in creation order, remembering ids and licenses for children."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.names = Namer()
        self.ids: list[str] = []
        self.licenses: list[str | None] = []
        self.child_styles: dict[tuple[int, int, int], Style] = {}

    def make(self, node: Node) -> Meta:
        fixed = self.graph.fixed.get(node.index)
        if fixed:
            meta = self._fixed(fixed, node.parents)
        elif node.kind == Kind.STANDALONE:
            meta = self._standalone(node)
        else:
            meta = self._derived(node)
        self.ids.append(meta.id)
        self.licenses.append(meta.license)
        return meta

    def _fixed(self, f: Fixed, parents: list[int]) -> Meta:
        parent_ids = [self.ids[p] for p in parents]
        self.names.reserve(f.id)
        card: dict = {"license": f.license} if f.license else {}
        if f.license == "other":
            family = f.family or "model"
            card |= {"license_name": "deepseek" if family == "deepseek" else f"{family}-license",
                     "license_link": "LICENSE"}
        if parent_ids and f.documented:
            card["base_model"] = parent_ids[0]
        card |= {"library_name": f.style.library, "pipeline_tag": f.style.pipeline,
                 "language": ["en"]}
        arxiv = ROOT_ARXIV.get(f.release.name) if f.release else None
        chat = any(word in f.id.lower() for word in ("instruct", "chat", "-it"))
        extra = ([f.family] if f.family else []) + (["conversational"] if chat else [])
        if f.kind == Kind.REUPLOAD and f.relation == "quantized":
            extra += ["4-bit", "bitsandbytes"]
        tags = hub_tags(f.style, card, f.relation, parent_ids if f.documented else [], extra,
                        [arxiv] if arxiv else [])
        return Meta(f.id, f.style, card, tags, f.license, f.relation or "", parents, parent_ids,
                    gated=f.gated, documented=f.documented)

    def _standalone(self, node: Node) -> Meta:
        style, d = self.graph.styles[node.style], node.draw
        model_id = self.names.standalone(node, style)
        if node.mess == Mess.NO_README:
            return Meta(model_id, style, None, hub_tags(style, {}, None, [], [], []), None, "",
                        [], [], has_readme=False)
        license_ = pick(OPEN_LICENSES, d.extra) if d.license < 0.7 else None
        card: dict = {"license": license_} if license_ else {}
        if node.mess == Mess.SELF_REFERENCE:
            card["base_model"] = model_id
        card |= {"library_name": style.library, "pipeline_tag": style.pipeline}
        if d.datasets < 0.2:
            card["datasets"] = [pick(DATASETS, d.extra)]
        return Meta(model_id, style, card, hub_tags(style, card, None, [], [], []), license_, "",
                    [], [])

    def _child_style(self, node: Node) -> Style:
        """The tree's style, adjusted for the derivative's kind (adapters are peft, GGUF gguf)."""
        key = (node.style, node.kind, node.fmt if node.kind == Kind.QUANTIZED else -1)
        if key not in self.child_styles:
            base = self.graph.styles[node.style]
            library = {Kind.ADAPTER: "peft"}.get(node.kind, base.library)
            if node.kind == Kind.QUANTIZED:
                library = QUANT_FORMATS[node.fmt].library
            self.child_styles[key] = Style(base.arch, CHILD_PIPELINE.get(base.pipeline,
                                                                         base.pipeline),
                                           library, base.size)
        return self.child_styles[key]

    def _derived(self, node: Node) -> Meta:
        style, d, mess = self._child_style(node), node.draw, node.mess
        primary = self.ids[node.parents[0]]
        model_id = self.names.derived(node, primary, style)
        relation = RELATIONS[node.kind]
        parent_ids, existing = [self.ids[p] for p in node.parents], node.parents
        missing: frozenset[str] = frozenset()
        if mess == Mess.MISSING_PARENT:
            parent_ids, existing = [self.names.missing_parent(primary, d)], []
            missing = frozenset(parent_ids)
        elif mess == Mess.EXTRA_MISSING_PARENT:
            missing = frozenset({self.names.missing_parent(primary, d)})
            parent_ids = [*parent_ids, *missing]
        lic = license_fields(node.license_mode, self.licenses[node.parents[0]], mess, d,
                             stem(primary))
        card = self._derived_card(node, model_id, parent_ids, relation, lic, style)
        documented = documents(node.time, mess, model_id.partition("/")[0], node.doc_draw)
        if not documented:
            card = unstated_card(card, node.card_form, model_id.rpartition("/")[2])
        readable = mess not in UNREADABLE and card is not None
        tags = hub_tags(style, card if readable else {},
                        None if mess == Mess.UNSPECIFIED else relation,
                        parent_ids if documented else [], self._format_tags(node),
                        self._arxiv(node))
        meta = Meta(model_id, style, card if readable else None, tags,
                    card.get("license") if readable else None,
                    "unspecified" if mess == Mess.UNSPECIFIED else relation, existing, parent_ids,
                    missing_parents=missing, has_readme=card is not None, documented=documented)
        if mess == Mess.GATED:
            meta.gated = "manual" if d.extra < 0.5 else "auto"
        if mess in VERBATIM:
            meta.card = verbatim_card(mess, model_id, card, parent_ids[0], d)
        return meta

    @staticmethod
    def name_child_as_parent(meta: Meta, child_id: str) -> tuple[str, list[str]]:
        """card_data (JSON) and tags of `meta` once its card also names `child_id` as a base
        model, as a later edit of a real card may."""
        card = dict(meta.card_data or {})
        named = card.get("base_model") or []
        card["base_model"] = [*([named] if isinstance(named, str) else named), child_id]
        return _JSON.encode(card), with_parent_tags(meta.tags, child_id, meta.truth_relation)

    @staticmethod
    def _derived_card(node: Node, model_id: str, parent_ids: list[str], relation: str,
                      lic: dict, style: Style) -> dict:
        """card_data of a derivative; the mess cases shape how it names its parents."""
        card, d, mess = dict(lic), node.draw, node.mess
        named = ([f"https://huggingface.co/{p}" for p in parent_ids] if mess == Mess.URL_PARENT
                 else list(parent_ids))
        if mess == Mess.SELF_REFERENCE:
            named.append(model_id)
        card["base_model"] = named[0] if len(named) == 1 and not node.list_parent else named
        if node.card_relation and mess != Mess.UNSPECIFIED:
            card["base_model_relation"] = relation
        card["library_name"] = style.library
        card["pipeline_tag"] = style.pipeline
        own_tags = card_tags(node.kind, d)
        if own_tags:
            card["tags"] = own_tags
        if node.kind in (Kind.FINETUNE, Kind.ADAPTER) and d.datasets < 0.35:
            count = 1 + int(d.datasets * 10) % 3
            card["datasets"] = sorted({pick(DATASETS, (d.extra + k * 0.37) % 1)
                                       for k in range(count)})
        if d.language < 0.8:
            card["language"] = ["en"] if d.language < 0.7 else ["en", "zh"]
        if node.kind in (Kind.FINETUNE, Kind.MERGE) and d.evals < 0.1:
            card["model-index"] = eval_results(model_id.split("/")[1], d.evals * 10)
        return card

    @staticmethod
    def _format_tags(node: Node) -> list[str]:
        if node.kind == Kind.QUANTIZED:
            return list(QUANT_FORMATS[node.fmt].tags)
        return ["merge", "mergekit"] if node.kind == Kind.MERGE else []

    @staticmethod
    def _arxiv(node: Node) -> list[str]:
        options = ARXIV.get(node.kind, ())
        return [pick(options, node.draw.suffix)] if options and node.draw.evals > 0.9 else []
