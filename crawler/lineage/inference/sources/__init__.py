"""Evidence sources: each turns one kind of evidence into `Candidate` parents.

Every source is a function `(ModelEvidence, RepoIndex) -> list[Candidate]` with its rules and
their confidences documented in its module. Sources never decide between each other; combine.py
does.
"""

from __future__ import annotations

from collections.abc import Callable

from crawler.lineage.inference.index import RepoIndex
from crawler.lineage.inference.model import Candidate, ModelEvidence
from crawler.lineage.inference.sources import (
    adapter,
    card_context,
    card_links,
    card_merge,
    card_text,
    config,
    gguf,
    mergekit,
    repo_name,
)

Source = Callable[[ModelEvidence, RepoIndex], list[Candidate]]

SOURCES: dict[str, Source] = {
    "adapter_config": adapter.candidates,
    "mergekit_config": mergekit.candidates,
    "card_text": card_text.candidates,
    "card_merge": card_merge.candidates,
    "card_context": card_context.candidates,
    "card_links": card_links.candidates,
    "gguf": gguf.candidates,
    "config": config.candidates,
    "repo_name": repo_name.candidates,
}
