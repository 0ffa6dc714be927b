"""Names left in `config.json`.

`from_pretrained(X)` records X in the config's `_name_or_path`, and many training scripts save
that config unchanged, so a fine-tune's config often still names its parent. The Hub API's
`config` object omits the key; it needs config.json itself.

Rules:
- `config.name_or_path` (unspecified, 0.60, medium): `_name_or_path` when it is a repo id other
  than the model's own; a path on disk counts only through its last component, at low
  confidence (combine.py).
- `config.auto_map` (unspecified, 0.30, weak): `auto_map` entries of the form
  `org/name--module.Class` load code from another repo, usually the family's original.
"""

from __future__ import annotations

from crawler.lineage.inference.index import RepoIndex
from crawler.lineage.inference.model import Candidate, ModelEvidence, snippet
from crawler.lineage.inference.refs import clean_reference


def _name_or_path(evidence: ModelEvidence) -> list[Candidate]:
    value = (evidence.config or {}).get("_name_or_path")
    ref = clean_reference(value) if isinstance(value, str) else None
    if ref is None:
        return []
    return [Candidate(ref.name, "unspecified", "config.name_or_path",
                      snippet(f'"_name_or_path": "{value}"'), 0.60, "medium", ref.local_path)]


def _auto_map(evidence: ModelEvidence) -> list[Candidate]:
    auto_map = (evidence.config or {}).get("auto_map")
    found: dict[str, Candidate] = {}
    for value in auto_map.values() if isinstance(auto_map, dict) else ():
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, str) or "--" not in item:
                continue
            ref = clean_reference(item.split("--", 1)[0])
            if ref is not None and "/" in ref.name:
                found.setdefault(ref.name.lower(), Candidate(
                    ref.name, "unspecified", "config.auto_map", snippet(item), 0.30, "weak"))
    return list(found.values())


def candidates(evidence: ModelEvidence, index: RepoIndex) -> list[Candidate]:
    return _name_or_path(evidence) + _auto_map(evidence)
