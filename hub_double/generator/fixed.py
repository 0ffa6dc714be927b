"""The hand-placed models every generated Hub holds: the roots of roots.toml (with the R1
distills' real bases as parents), the other models of the families' organisations (CodeLlama,
Llama Guard, DeepSeek-Math ...), the famous background bases, and unsloth's re-uploads.

How many bases and re-uploads fit grows with the Hub's size; the roots are always all there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from crawler.roots import Release, Roots, load_roots
from hub_double.generator.catalogue import (
    BACKGROUND_BASES,
    DAY,
    DERIVATIVES_FROM,
    DISTILL_PARENTS,
    HOUR,
    ORGANISATION_MODELS,
    REQUIRED_BASES,
    ROOT_POPULARITY,
    UNSLOTH_START,
    Kind,
    Style,
    ts,
)
from hub_double.generator.llama1 import HUB_UPLOADED, WAVE
from hub_double.generator.naming import size_of


@dataclass(frozen=True)
class Fixed:
    """A hand-placed model: a root, a background base or a re-upload, with its own metadata."""

    id: str
    time: int
    kind: Kind
    lineage: bool  # belongs to the LLaMA/DeepSeek share of the Hub
    style: Style
    license: str | None
    popularity: float = 0.0  # for a tree top: how many derivatives it attracts
    parents: tuple[str, ...] = ()
    relation: str | None = None
    gated: str | None = None
    top: str | None = None  # the tree a re-upload sits in
    release: Release | None = None
    family: str | None = None  # a LLaMA/DeepSeek model's family
    opens: int | None = None  # for a tree top: when derivatives may appear (None: at once)
    documented: bool = True  # the card declares its parents (the LLaMA-1 wave's do not)


def _root_style(model_id: str, release: Release) -> Style:
    """Architecture guessed from the repo name, so an edited roots.toml still works."""
    name = model_id.lower()
    if "vision" in name:
        return Style("mllama", "image-text-to-text", "transformers", size_of(model_id))
    arch = {"Llama 4": "llama4", "DeepSeek-V2": "deepseek_v2", "DeepSeek-V3": "deepseek_v3",
            "DeepSeek-R1": "deepseek_v3"}.get(release.name, "llama")
    if "distill-qwen" in name:
        arch = "qwen2"
    elif "distill-llama" in name:
        arch = "llama"
    return Style(arch, "text-generation", "transformers", size_of(model_id))


def _root_popularity(model_id: str, rng: np.random.Generator) -> float:
    """How many derivatives a root attracts: the table, else a guess from the repo name.

    The guess (for roots added to roots.toml later): 7-8B instruction-tuned models attract most
    derivatives, tiny models and giant MoEs few.
    """
    if model_id in ROOT_POPULARITY:
        return ROOT_POPULARITY[model_id] * float(rng.lognormal(0.0, 0.2))
    size = size_of(model_id)
    params = float(size[:-1]) if size else 300.0
    name = model_id.lower()
    boost = 1.5 if ("instruct" in name or "chat" in name) else 1.0
    boost *= 0.3 if "vision" in name else 1.0
    closeness = math.exp(-0.5 * math.log(params / 8.0) ** 2)
    return 8.0 * max(closeness, 0.01) * boost * float(rng.lognormal(0.0, 0.5))


def _roots(roots: Roots, rng: np.random.Generator) -> list[Fixed]:
    nodes = []
    for release in roots.releases:
        opens = DERIVATIVES_FROM.get(release.name)
        uploaded = HUB_UPLOADED.get(release.name, release.released.isoformat())
        for j, model_id in enumerate(release.models):
            parent = DISTILL_PARENTS.get(model_id)
            nodes.append(Fixed(
                id=model_id, time=ts(uploaded) + 15 * HOUR + 60 * j,
                kind=Kind.ROOT, lineage=True, style=_root_style(model_id, release),
                license=release.license or None, popularity=_root_popularity(model_id, rng),
                parents=(parent,) if parent else (), relation="finetune" if parent else None,
                gated="manual" if model_id.startswith("meta-llama/") else None, release=release,
                family=release.family, opens=ts(opens) if opens else None,
            ))
    return nodes


def _organisation_models(roots: Roots) -> list[Fixed]:
    """The organisations' models roots.toml omits, for the organisations it names."""
    listed = roots.root_models()
    nodes = []
    for j, m in enumerate(ORGANISATION_MODELS):
        family = roots.organisations.get(m.id.split("/")[0])
        if family is None or m.id in listed:
            continue
        parent = m.parent if m.parent in listed else None
        nodes.append(Fixed(
            id=m.id, time=ts(m.released) + 16 * HOUR + 60 * j, kind=Kind.ROOT, lineage=True,
            style=Style(m.arch, m.pipeline, "transformers", size_of(m.id)), license=m.license,
            popularity=m.popularity, parents=(parent,) if parent else (),
            relation=m.relation if parent else None,
            gated="manual" if m.id.startswith("meta-llama/") else None, family=family,
        ))
    return nodes


def _bases(n: int) -> list[Fixed]:
    count = min(len(BACKGROUND_BASES), max(REQUIRED_BASES, REQUIRED_BASES + (n - 100) // 60))
    return [Fixed(id=b.id, time=ts(b.released) + 12 * HOUR + 60 * j, kind=Kind.BASE,
                  lineage=False, style=Style(b.arch, b.pipeline, b.library, size_of(b.id)),
                  license=b.license, popularity=b.popularity, gated=b.gated)
            for j, b in enumerate(BACKGROUND_BASES[:count])]


REUPLOAD_EVERY = 2_000  # unsloth holds about 1,000 bnb-4bit copies on a Hub of ~1.9M models


def _reuploads(tops: list[Fixed], n: int) -> list[Fixed]:
    """unsloth copies of the most popular small text models, a few days after each release:
    two at least, so every Hub has them, else one per REUPLOAD_EVERY models."""
    wanted = {b.id for b in BACKGROUND_BASES if b.reupload}
    candidates = [t for t in tops if t.style.pipeline == "text-generation" and (
        t.id in wanted or (t.lineage and t.style.size and float(t.style.size[:-1]) <= 14))]
    candidates.sort(key=lambda t: -t.popularity)
    nodes = []
    for top in candidates[: max(2, n // REUPLOAD_EVERY)]:
        when = max(top.time + 2 * DAY, UNSLOTH_START + DAY)
        name = top.id.split("/")[1]
        for j, (suffix, relation) in enumerate((("", "finetune"), ("-bnb-4bit", "quantized"))):
            nodes.append(Fixed(
                id=f"unsloth/{name}{suffix}", time=when + j * HOUR, kind=Kind.REUPLOAD,
                lineage=top.lineage, style=top.style, license=top.license,
                parents=(top.id,), relation=relation, top=top.id,
            ))
    return nodes


def _wave() -> list[Fixed]:
    """The LLaMA-1 wave's conversions and seeds (llama1.py): tops of their own trees, declaring
    no parent, so outside the documented LLaMA family (`lineage` is the documented share)."""
    return [Fixed(id=w.id, time=ts(w.created) + 14 * HOUR + 60 * j, kind=Kind.BASE, lineage=False,
                  style=Style("llama", "text-generation", w.library, size_of(w.id)),
                  license=w.license, popularity=w.popularity,
                  parents=(w.parent,) if w.parent else (), relation=w.relation, documented=False)
            for j, w in enumerate(WAVE)]


def fixed_models(n: int, rng: np.random.Generator) -> list[Fixed]:
    """Every root, the organisations' other models, the background bases and re-uploads that
    fit in an n-model Hub, and the LLaMA-1 wave."""
    roots = load_roots()
    tops = _roots(roots, rng) + _organisation_models(roots) + _bases(n)
    return tops + _reuploads(tops, n) + _wave()
