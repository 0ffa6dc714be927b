"""GGUF files: what their header says about the model they were converted from.

What the crawler can obtain:
- The Hub API's `expand=gguf` object holds `total` (parameters), `architecture`,
  `context_length`, `chat_template`, `bos_token`, `eos_token` and sometimes
  `quantize_imatrix_file`, read by the Hub from the repo's first GGUF file. It names no parent;
  its presence only says the repo holds GGUF weights (a `quantized` hint, combine.py).
- A .gguf file's header key/value pairs, read from the first bytes of the file with an HTTP range
  request (gguf_header.read_metadata). llama.cpp's convert_hf_to_gguf.py writes:
  `general.name`, `general.basename`, `general.finetune`, `general.size_label`,
  `general.organization` from the converted model's name; `general.base_model.N.name`,
  `.organization`, `.repo_url` from the `base_model` list in the *converted model's* card; and
  `general.source.url` / `general.source.repo_url` (older convert.py:
  `general.source.huggingface.repository`) when the converter records where it came from.

Because `general.base_model.N` copies the converted model's own parents, for a third-party quant
of a fine-tune it names the grandparent; it is the parent only when the author fine-tuned and
exported in one step. Hence:
- `gguf.source` (quantized, 0.90, strong): the `general.source.*` keys.
- `gguf.name` (quantized, 0.55, medium): `general.name` (or basename + size label + finetune),
  matched to a known repo up to case and punctuation, within `general.organization` when given.
- `gguf.base_model` (unspecified, 0.50, medium): `general.base_model.N`; combine.py drops it
  when a quantized parent different from it is found (it is then the grandparent).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crawler.lineage.inference.index import RepoIndex
from crawler.lineage.inference.model import Candidate, ModelEvidence, snippet
from crawler.lineage.inference.refs import clean_reference

SOURCE_KEYS = ("general.source.huggingface.repository", "general.source.repo_url",
               "general.source.url")
MAX_BASE_MODELS = 16


def _text(header: Mapping[str, Any], key: str) -> str | None:
    value = header.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _sources(header: Mapping[str, Any]) -> list[Candidate]:
    found = []
    for key in SOURCE_KEYS:
        value = _text(header, key)
        ref = clean_reference(value) if value else None
        if ref is not None and "/" in ref.name and not ref.local_path:
            found.append(Candidate(ref.name, "quantized", "gguf.source",
                                   snippet(f"{key} = {value}"), 0.90, "strong"))
    return found


def _titles(header: Mapping[str, Any]) -> list[str]:
    parts = [_text(header, f"general.{key}") for key in ("basename", "size_label", "finetune")]
    composed = "-".join(part for part in parts if part)
    return [title for title in (_text(header, "general.name"), composed) if title]


def _by_name(evidence: ModelEvidence, header: Mapping[str, Any], index: RepoIndex
             ) -> list[Candidate]:
    org = _text(header, "general.organization")
    for title in _titles(header):
        found = index.find_title(title, org, evidence.created_at)
        if found is not None:
            return [Candidate(found, "quantized", "gguf.name",
                              snippet(f"general.name = {title}"), 0.55, "medium")]
    return []


def _base_models(evidence: ModelEvidence, header: Mapping[str, Any], index: RepoIndex
                 ) -> list[Candidate]:
    found = []
    for number in range(MAX_BASE_MODELS):
        prefix = f"general.base_model.{number}"
        url, name = _text(header, f"{prefix}.repo_url"), _text(header, f"{prefix}.name")
        if url is None and name is None:
            break
        ref = clean_reference(url) if url else None
        repo = ref.name if ref is not None and "/" in ref.name else None
        if repo is None and name is not None:
            repo = index.find_title(name, _text(header, f"{prefix}.organization"),
                                    evidence.created_at)
        if repo is not None:
            found.append(Candidate(repo, "unspecified", "gguf.base_model",
                                   snippet(f"{prefix} = {url or name}"), 0.50, "medium"))
    return found


def candidates(evidence: ModelEvidence, index: RepoIndex) -> list[Candidate]:
    header = evidence.gguf_header
    if not header:
        return []
    return _sources(header) + _by_name(evidence, header, index) + _base_models(
        evidence, header, index)
