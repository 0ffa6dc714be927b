"""From every source's candidates to one list of inferred parents: `infer(evidence, index)`.

Rules, in the order they apply:
1. Resolution (index.py). A name from a disk path counts only if it resolves, and then at most
   LOCAL_PATH_CONFIDENCE, as weak evidence. A name that resolves to no known repo is kept,
   flagged `resolved=False`, at UNRESOLVED_FACTOR times its confidence, unless it came from a
   weak rule (then it is dropped): strong sentences naming deleted, private or not-yet-crawled
   repos are still lineage, a weak mention of an unknown name is noise. A name without a
   namespace that the index does not know is dropped too: the Hub's legacy ids are all known,
   so it is a placeholder, a template's `XX` or a word ("OpenCALM-XX", "Anything"); so is
   a namespaced name whose organisation the index does not know either ("data/utils",
   "llama-2/codellama": a path or prose; a deleted repo of a known author is kept).
2. The model itself is never its own parent (Trainer cards of resumed runs name themselves).
3. Candidates naming the same repo are merged. Within a kind of evidence (the card's text,
   merge sections and links are one kind: the card; each file and the name are others) the best
   rule counts; agreement across kinds raises confidence as independent evidence would:
   1 - prod(1 - c_kind), at most MAX_CONFIDENCE. A link inside the Trainer's sentence is the
   same evidence as the sentence and adds nothing.
4. Only the best tier of support survives: when any parent has strong support, parents with
   only medium or weak support are dropped, and weak-only ones give way to medium ones. The
   parent a card states outranks a look-alike name, a link, or the grandparent the same card
   mentions further down. Merges keep all their parents: mergekit names them all alike.
   A parent only weak rules name is capped at WEAK_CAP; one only bare links name
   (`card_links`) is not a parent at all: a link states no derivation (measured on the hand
   labels: 69% of link-only parents were right, far below any stated parent), it only adds to
   what other evidence names.
5. `gguf.base_model` (the converted model's own parents) is dropped when another parent is
   found with relation `quantized`: it is then the grandparent; so are the merged models a
   quantized repo's card lists (its pasted original card describes the merge it quantized).
   Outside merges a model has one parent: parents more than RUNNER_UP_GAP less confident than
   the best are dropped (a card naming its parent also names siblings, the tokenizer's source,
   another size).
6. One relation per parent: the specific relation (not `unspecified`) of its strongest
   candidate; else the repo's own hint (`relation_hint`); else `unspecified`. A repo holding
   adapter files is an adapter of its parent even when its card calls it "fine-tuned".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from crawler.lineage.inference.index import RepoIndex
from crawler.lineage.inference.model import (
    Candidate,
    InferredParent,
    ModelEvidence,
    Relation,
    Strength,
)
from crawler.lineage.inference.refs import Reference
from crawler.lineage.inference.sources import SOURCES

LOCAL_PATH_CONFIDENCE = 0.30
UNRESOLVED_FACTOR = 0.70
WEAK_CAP = 0.40
MAX_CONFIDENCE = 0.99
RUNNER_UP_GAP = 0.1
_RANK: dict[Strength, int] = {"strong": 2, "medium": 1, "weak": 0}
_KIND = {"card_text": "card", "card_merge": "card", "card_links": "card", "card_context": "card"}
_GGUF_ANCESTOR = "gguf.base_model"
_LINKS = "card_links"  # names the converted model's parents (sources/gguf.py)
_QUANT_TAGS = frozenset({"gguf", "gptq", "awq", "exl2", "4-bit", "8-bit", "bitsandbytes", "mlx"})
_QUANT_FILES = (".gguf", ".ggml")
# quant_method values that mean "converted to lower precision", not a native FP8 release.
_QUANT_METHODS = frozenset({"gptq", "awq", "bitsandbytes", "exl2", "hqq", "aqlm", "quanto",
                            "eetq", "compressed-tensors", "torchao", "bitnet", "vptq", "higgs",
                            "gguf", "spqr", "auto-round", "fbgemm_fp8"})


@dataclass(frozen=True, slots=True)
class Found:
    """A candidate after resolution: the parent it designates and what it is worth now."""

    candidate: Candidate
    parent: str
    resolved: bool
    confidence: float
    strength: Strength


def _resolve(candidate: Candidate, evidence: ModelEvidence, index: RepoIndex) -> Found | None:
    resolution = index.resolve(Reference(candidate.name, candidate.local_path),
                               evidence.created_at)
    confidence, strength = candidate.confidence, candidate.strength
    if candidate.local_path:
        if not resolution.resolved:
            return None
        confidence, strength = min(confidence, LOCAL_PATH_CONFIDENCE), "weak"
    elif not resolution.resolved:
        if strength == "weak" or "/" not in resolution.parent or not index.has_org(
                resolution.parent.split("/", 1)[0]):
            return None
        confidence *= UNRESOLVED_FACTOR
    if resolution.parent.lower() == evidence.model_id.lower():
        return None
    return Found(candidate, resolution.parent, resolution.resolved, confidence, strength)


def collect(evidence: ModelEvidence, index: RepoIndex) -> list[Found]:
    """Every source's candidates, resolved, the model itself left out (rules 1-2)."""
    found = []
    for source in SOURCES.values():
        for candidate in source(evidence, index):
            resolved = _resolve(candidate, evidence, index)
            if resolved is not None:
                found.append(resolved)
    return found


def relation_hint(evidence: ModelEvidence) -> Relation | None:
    """What the repo's own files and tags say it is: an adapter, a merge, quantized weights."""
    files = [name.lower() for name in evidence.siblings]
    if evidence.adapter_config or any(
            f.endswith(("adapter_config.json", "adapter_model.safetensors", "adapter_model.bin"))
            for f in files):
        return "adapter"
    if evidence.mergekit_config or any(f.endswith("mergekit_config.yml") for f in files):
        return "merge"
    quantization = (evidence.config or {}).get("quantization_config")
    method = quantization.get("quant_method") if isinstance(quantization, dict) else None
    if (evidence.gguf or evidence.gguf_header or any(f.endswith(_QUANT_FILES) for f in files)
            or _QUANT_TAGS.intersection(t.lower() for t in evidence.tags)
            or (isinstance(method, str) and method.lower() in _QUANT_METHODS)
            or "quantized_by" in (evidence.card_data or {})):
        return "quantized"
    return None


def _weight(found: Found) -> tuple[int, float]:
    return _RANK[found.strength], found.confidence


def _relation(group: list[Found], hint: Relation | None) -> Relation:
    ranked = sorted(group, key=_weight, reverse=True)
    specific = next((f.candidate.relation for f in ranked
                     if f.candidate.relation != "unspecified"), None)
    if hint == "adapter" and specific in (None, "finetune"):
        return "adapter"
    return specific or hint or "unspecified"


def _confidence(group: list[Found]) -> float:
    per_kind: dict[str, float] = defaultdict(float)
    for found in group:
        kind = _KIND.get(found.candidate.source, found.candidate.source)
        per_kind[kind] = max(per_kind[kind], found.confidence)
    doubt = 1.0
    for confidence in per_kind.values():
        doubt *= 1.0 - confidence
    combined = min(1.0 - doubt, MAX_CONFIDENCE)
    if all(found.strength == "weak" for found in group):
        combined = min(combined, WEAK_CAP)
    return round(combined, 3)


def _quantized(found: Found, hint: Relation | None) -> bool:
    """A candidate naming what this repo quantized: said so, or a plain statement in a card of
    a repo whose files say it is quantized."""
    relation = found.candidate.relation
    return found.candidate.rule != _GGUF_ANCESTOR and (
        relation == "quantized" or (hint == "quantized" and relation == "unspecified"))


def _keep(groups: dict[str, list[Found]], hint: Relation | None) -> dict[str, list[Found]]:
    """Rules 4 and 5: GGUF grandparents and a quantized repo's merged models give way to what it
    quantized, then lesser evidence to better evidence."""
    if any(_quantized(f, hint) for group in groups.values() for f in group):
        groups = {key: group for key, group in groups.items()
                  if any(f.candidate.rule != _GGUF_ANCESTOR
                         and not (f.candidate.relation == "merge"
                                  and _KIND.get(f.candidate.source) == "card")
                         for f in group)}
    tier = {key: max(_RANK[f.strength] for f in group) for key, group in groups.items()}
    top = max(tier.values(), default=0)
    return {key: group for key, group in groups.items() if tier[key] == top}


def _one_parent(parents: list[InferredParent]) -> list[InferredParent]:
    """Rule 5's last part: outside merges, the runners-up far behind the best parent go."""
    if not parents or any(p.relation == "merge" for p in parents):
        return parents
    best = max(p.confidence for p in parents)
    return [p for p in parents if p.confidence >= best - RUNNER_UP_GAP]


def combine(evidence: ModelEvidence, found: list[Found]) -> list[InferredParent]:
    """Rules 3-6 over resolved candidates."""
    groups: dict[str, list[Found]] = defaultdict(list)
    for item in found:
        groups[item.parent.lower()].append(item)
    hint = relation_hint(evidence)
    parents = []
    for group in _keep(groups, hint).values():
        if all(f.candidate.source == _LINKS for f in group):
            continue
        best = max(group, key=_weight)
        others = sorted({f.candidate.rule for f in group} - {best.candidate.rule})
        parents.append(InferredParent(
            parent=best.parent, parent_as_written=best.candidate.name, resolved=best.resolved,
            relation=_relation(group, hint), source=best.candidate.rule,
            evidence=best.candidate.evidence, confidence=_confidence(group),
            supporting=tuple(others)))
    return sorted(_one_parent(parents), key=lambda p: (-p.confidence, p.parent))


def infer(evidence: ModelEvidence, index: RepoIndex) -> list[InferredParent]:
    """The parents the evidence points to, most confident first; [] when it names none."""
    return combine(evidence, collect(evidence, index))
