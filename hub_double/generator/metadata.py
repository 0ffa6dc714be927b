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
from hub_double.generator.readme_choice import NONE, choose, role
from hub_double.generator.spellings import P_EXTRA, TRAINED, ExtraParents, Spelling, spell
from hub_double.generator.undocumented import documents, unstated_card
from hub_double.store import fake_sha

ROW_COLUMNS = ("id", "author", "sha", "object_id", "gated", "library_name", "pipeline_tag", "tags",
               "card_data", "card", "has_readme", "card_template", "card_length")
_JSON = json.JSONEncoder(separators=(",", ":"))
SPELLED = frozenset({Mess.CLEAN, Mess.GATED, Mess.UNKNOWN_LICENSE})  # cards that may misname


@dataclass
class ParentNames:
    """A derivative's parents as its card writes them, as the Hub's tags carry them, and as the
    ground truth holds them (edges to canonical ids; names that reach nothing as written)."""

    card: list[str]
    tags: list[str]
    edges: list[str]
    existing: list[int]  # graph parents whose lineage the truth follows
    untagged: frozenset[str] = frozenset()  # edge parents only the card names
    spelling: Spelling | None = None

    @property
    def unresolvable(self) -> frozenset[str]:
        """Edge parents that reach no repo: a local path shaped like a repo id."""
        s = self.spelling
        return frozenset({s.written}) if s and s.canonical is None and s.is_repo_id \
            else frozenset()

    @classmethod
    def respelled(cls, parent_ids: list[str], existing: list[int],
                  spelling: Spelling | None) -> ParentNames:
        """The first parent written as `spelling` says (other parents keep their ids)."""
        if spelling is None:
            return cls(parent_ids, parent_ids, parent_ids, existing)
        rest = parent_ids[1:]
        card = [spelling.written, *rest]
        if spelling.tagged:
            return cls(card, parent_ids, parent_ids, existing, spelling=spelling)
        if spelling.canonical is not None:  # resolvable, but the crawler must ask the Hub
            return cls(card, rest, parent_ids, existing, frozenset(parent_ids[:1]), spelling)
        if spelling.is_repo_id:
            return cls(card, rest, card, existing[1:], frozenset(card[:1]), spelling)
        return cls(card, rest, rest, existing[1:], frozenset(), spelling)

    def with_extra(self, extra: tuple[str, int] | None) -> ParentNames:
        """The card also lists `extra` (id, graph index), a model the child was not made from;
        no tag carries it, and the lineage the metadata declares goes through it."""
        if extra is None or extra[0] in self.card:
            return self
        return ParentNames([*self.card, extra[0]], self.tags, [*self.edges, extra[0]],
                           [*self.existing, extra[1]], self.untagged | {extra[0]})


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
    untagged: frozenset[str] = frozenset()  # edge parents only the card names
    alias: tuple | None = None  # how the card writes its first parent, if not by its id
    gated: str | None = None
    card: bytes | None = None
    has_readme: bool = True
    card_template: str | None = None  # the README's body when `card` is None (readmes.py)
    card_length: int | None = None
    documented: bool = True  # the card's YAML and the Hub's tags name the parents

    def relation_of(self, parent: str) -> str:
        """The relation the metadata declares for an edge: the card's alone for a parent no tag
        names, else the relation of the model."""
        if parent in self.untagged:
            return (self.card_data or {}).get("base_model_relation", "unspecified")
        return self.truth_relation

    def store_row(self, seed: int, created: int) -> tuple:
        """The store's model columns this writer sets, in ROW_COLUMNS order."""
        card_data = _JSON.encode(self.card_data) if self.card_data is not None else None
        return (self.id, self.id.split("/")[0], fake_sha(self.id, seed),
                f"{created:08x}{fake_sha(seed, self.id, '_id')[:16]}",  # Mongo-like: time first
                self.gated, self.style.library or None, self.style.pipeline, self.tags, card_data,
                self.card, self.has_readme, self.card_template, self.card_length)


class MetadataMaker:
    """Makes each model's Meta in creation order, remembering ids and licenses for children."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.names = Namer()
        self.ids: list[str] = []
        self.licenses: list[str | None] = []
        self.child_styles: dict[tuple[int, int, int], Style] = {}
        self.extras = ExtraParents(graph.fixed)
        self.lineage_trees = {i for i, f in graph.fixed.items() if f.lineage}

    def make(self, node: Node) -> Meta:
        fixed = self.graph.fixed.get(node.index)
        if fixed:
            meta = self._fixed(fixed, node.parents)
            meta.card_template, meta.card_length = choose(
                "reupload" if fixed.kind == Kind.REUPLOAD else "top", node.draw.card,
                node.draw.card_size)
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
        template, length = choose("standalone" if node.mess == Mess.CLEAN else
                                  "standalone_carded", d.card, d.card_size)
        if node.mess == Mess.NO_README or template in (NONE, "empty"):
            return Meta(model_id, style, None, hub_tags(style, {}, None, [], [], []), None, "",
                        [], [], has_readme=template != NONE and node.mess != Mess.NO_README,
                        card_template=template)
        license_ = pick(OPEN_LICENSES, d.extra) if d.license < 0.7 else None
        card: dict = {"license": license_} if license_ else {}
        if node.mess == Mess.SELF_REFERENCE:
            card["base_model"] = model_id
        card |= {"library_name": style.library, "pipeline_tag": style.pipeline}
        if d.datasets < 0.2:
            card["datasets"] = [pick(DATASETS, d.extra)]
        return Meta(model_id, style, card, hub_tags(style, card, None, [], [], []), license_, "",
                    [], [], card_template=template, card_length=length)

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
        documented = documents(node.time, mess, model_id.partition("/")[0], node.doc_draw)
        names = self._names(node, parent_ids, existing) if documented else \
            ParentNames(parent_ids, [], parent_ids, existing)
        card = self._derived_card(node, model_id, names.card, relation, lic, style)
        if not documented:
            card = unstated_card(card, node.card_form, model_id.rpartition("/")[2])
        readable = mess not in UNREADABLE and card is not None
        tags = hub_tags(style, card if readable else {},
                        None if mess == Mess.UNSPECIFIED else relation, names.tags,
                        self._format_tags(node), self._arxiv(node))
        spelled = names.spelling
        meta = Meta(model_id, style, card if readable else None, tags,
                    card.get("license") if readable else None,
                    "unspecified" if mess == Mess.UNSPECIFIED else relation, names.existing,
                    names.edges, missing | names.unresolvable, names.untagged,
                    spelled and (model_id, spelled.written, spelled.canonical, primary,
                                 spelled.how, spelled.tagged),
                    has_readme=card is not None, documented=documented)
        if mess == Mess.GATED:
            meta.gated = "manual" if d.extra < 0.5 else "auto"
        if mess in VERBATIM:
            meta.card = verbatim_card(mess, model_id, card, parent_ids[0], d)
        elif not readable:  # no YAML header: a note that names no parent (the tags still do)
            meta.card_template = "short"
        elif documented:  # an undocumented model's README is its card form's (files/cards.py)
            author = model_id.split("/")[0]
            meta.card_template, meta.card_length = choose(
                role(node.kind, node.children, author, QUANT_FORMATS[node.fmt].key), d.card,
                d.card_size, author)
        return meta

    def _names(self, node: Node, parent_ids: list[str], existing: list[int]) -> ParentNames:
        """How the card names the parents: by their ids, mostly; some by another name, some
        with an extra model beside them (spellings.py)."""
        if node.mess not in SPELLED:
            return ParentNames(parent_ids, parent_ids, parent_ids, existing)
        background = int(self.graph.tree[node.index]) not in self.lineage_trees
        spelling = spell(parent_ids[0], node.time, node.kind, background, node.draw.spelling)
        names = ParentNames.respelled(parent_ids, existing, spelling)
        if spelling or node.kind not in TRAINED or len(parent_ids) > 1 \
                or node.draw.extra_parent >= P_EXTRA:
            return names
        return names.with_extra(self.extras.pick(node.time, background,
                                                 node.draw.extra_parent / P_EXTRA))

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
