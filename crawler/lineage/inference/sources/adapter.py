"""PEFT adapters: `adapter_config.json` names the model the adapter was trained on.

Rule `adapter_config.base_model` (adapter, 0.95, strong): `base_model_name_or_path`. When it is
a path on the trainer's disk (`/content/llama-7b`, `./base`) only its last component survives,
as a low-confidence guess (combine.py).
"""

from __future__ import annotations

from crawler.lineage.inference.index import RepoIndex
from crawler.lineage.inference.model import Candidate, ModelEvidence, snippet
from crawler.lineage.inference.refs import clean_reference

KEY = "base_model_name_or_path"


def candidates(evidence: ModelEvidence, index: RepoIndex) -> list[Candidate]:
    value = (evidence.adapter_config or {}).get(KEY)
    ref = clean_reference(value) if isinstance(value, str) else None
    if ref is None:
        return []
    return [Candidate(ref.name, "adapter", "adapter_config.base_model",
                      snippet(f'"{KEY}": "{value}"'), 0.95, "strong", ref.local_path)]
