"""What inference reads (`ModelEvidence`) and what it returns (`InferredParent`).

Both are plain frozen dataclasses so the crawler can build them from whatever it fetched (every
field but the id is optional) and store the output row by row in `inferred_edges` without any
translation. `Candidate` is the internal currency between an evidence source and the combiner:
one name one source found, before it is resolved against the index of known repos.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

Relation = Literal["finetune", "adapter", "quantized", "merge", "unspecified"]
RELATIONS: tuple[Relation, ...] = ("finetune", "adapter", "quantized", "merge", "unspecified")

# strong: the file or sentence exists to name the parent (adapter config, mergekit config, the
# Trainer's sentence). medium: an explicit phrasing or a specific naming convention. weak: a bare
# mention (a link, a name that merely extends another name); never enough on its own to outrank
# anything else, see combine.py.
Strength = Literal["strong", "medium", "weak"]


@dataclass(frozen=True, slots=True)
class ModelEvidence:
    """Everything inference may look at for one model; each field is optional.

    `card_body` is the README without its YAML header, `card_data` the header as a mapping.
    Inference never reads `card_data["base_model"]` (documented lineage is stored elsewhere);
    it reads the header only for hints such as TheBloke's `quantized_by`. `gguf` is the Hub API's
    `expand=gguf` object (total, architecture, context_length, chat_template, bos/eos tokens,
    quantize_imatrix_file: it names no parent); `gguf_header` holds key/value pairs read from
    a .gguf file's header (see gguf_header.py), which do.
    """

    model_id: str
    card_body: str | None = None
    card_data: Mapping[str, Any] | None = None
    tags: Sequence[str] = ()
    siblings: Sequence[str] = ()
    config: Mapping[str, Any] | None = None
    gguf: Mapping[str, Any] | None = None
    gguf_header: Mapping[str, Any] | None = None
    adapter_config: Mapping[str, Any] | None = None
    mergekit_config: str | None = None
    created_at: datetime | None = None

    @property
    def author(self) -> str | None:
        return self.model_id.split("/", 1)[0] if "/" in self.model_id else None


@dataclass(frozen=True, slots=True)
class Candidate:
    """One parent name one rule found, as written, with the rule's own confidence."""

    name: str
    relation: Relation
    rule: str  # "<source>.<rule>", e.g. "card_text.trainer"
    evidence: str  # the exact text the rule matched, at most EVIDENCE_CHARS
    confidence: float
    strength: Strength
    local_path: bool = False  # the name came from a path on someone's disk

    @property
    def source(self) -> str:
        return self.rule.split(".", 1)[0]


@dataclass(frozen=True, slots=True)
class InferredParent:
    """One inferred (child, parent) edge: a row of `inferred_edges`.

    `parent` is the repo id as the index knows it when `resolved`, else the cleaned name as
    written (a deleted, private or mistyped repo, or one outside the index). `source` and
    `evidence` are the strongest supporting rule and its exact text; `supporting` lists the other
    rules that named the same parent.
    """

    parent: str
    parent_as_written: str
    resolved: bool
    relation: Relation
    source: str
    evidence: str
    confidence: float
    supporting: tuple[str, ...] = ()


EVIDENCE_CHARS = 200


def snippet(text: str) -> str:
    """The evidence as stored: exact text, one line, bounded."""
    return " ".join(text.split())[:EVIDENCE_CHARS]
