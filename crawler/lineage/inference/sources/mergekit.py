"""Merges: the `mergekit_config.yml` mergekit writes beside the merged weights.

Rule `mergekit_config.models` (merge, 0.95, strong): every model the config merges, from
`models:` / `slices: … sources:` entries (`- model: X`, `model: {path: X}`) and `base_model: X`.
`X+Y` (a LoRA applied before merging) contributes X. The config is read line by line rather than
through a YAML parser: the files in the wild are often not valid YAML (tabs, pasted prose), and
a line regex cannot be made to expand aliases. `parse_mergekit` is shared with card_merge.py,
which reads the same YAML when authors paste it into the card.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crawler.lineage.inference.index import RepoIndex
from crawler.lineage.inference.model import Candidate, ModelEvidence, snippet
from crawler.lineage.inference.refs import clean_reference

MAX_CONFIG_CHARS = 100_000
MAX_MODELS = 64
_MODEL_LINE = re.compile(
    r"^[ \t]{0,40}(?:-[ \t]{1,8})?(?P<key>model|base_model|path)[ \t]{0,4}:[ \t]{0,4}"
    r"(?:\{[ \t]{0,4}path[ \t]{0,4}:[ \t]{0,4})?[\"']?(?P<value>[^\s\"'#{}\[\],]{1,250})",
    re.MULTILINE,
)
_METHOD = re.compile(r"^[ \t]{0,8}merge_method[ \t]{0,4}:[ \t]{0,4}[\"']?(?P<method>[\w\-]{1,40})",
                     re.MULTILINE)


@dataclass(frozen=True, slots=True)
class MergeSpec:
    """What a mergekit config merges: (name, the line naming it) pairs, and its method."""

    models: tuple[tuple[str, str], ...]
    method: str | None


def parse_mergekit(text: str) -> MergeSpec:
    """The models a mergekit YAML names, each once, in order of appearance."""
    text = text[:MAX_CONFIG_CHARS]
    models: dict[str, tuple[str, str]] = {}
    for match in _MODEL_LINE.finditer(text):
        ref = clean_reference(match.group("value").split("+", 1)[0])
        if ref is not None and not ref.local_path:
            models.setdefault(ref.name.lower(), (ref.name, match.group(0).strip()))
        if len(models) >= MAX_MODELS:
            break
    method = _METHOD.search(text)
    return MergeSpec(tuple(models.values()), method.group("method") if method else None)


def merge_candidates(spec: MergeSpec, rule: str, confidence: float) -> list[Candidate]:
    return [Candidate(name, "merge", rule, snippet(line), confidence, "strong")
            for name, line in spec.models]


def candidates(evidence: ModelEvidence, index: RepoIndex) -> list[Candidate]:
    if not evidence.mergekit_config:
        return []
    return merge_candidates(parse_mergekit(evidence.mergekit_config), "mergekit_config.models",
                            0.95)
