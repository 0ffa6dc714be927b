"""Repos named in the card's prose where the words around them state derivation.

Every reference in the card's own text, a Markdown link, a Hub URL, a namespaced id, or a bare
name in the Hub's legacy spelling (`roberta-large`, `gpt2`, a link to `huggingface.co/gpt2`), is
judged by the same phrasings as family names (phrasing/contexts.toml): "This is a dreambooth
model derived from stabilityai/stable-diffusion-2-1", "The model is based on a pre-trained
[GPT-2](https://huggingface.co/gpt2)", "using [Llama-2-Chat](…) as a base model", "fine-tuned
from roberta-large on conll2003", "**Base Model:** [X](…)". Rule `card_context.<context>`,
the context's relation and confidence, medium strength (the specific sentences of card_text.py
outrank it).

A namespaced name counts when the index knows it or its organisation (a deleted repo of a known
author is still lineage; "llama-2/codellama" is prose). A bare name counts only when the index
knows it: as a legacy id (the Hub's namespace-less names
of 2019-2022, now under google-bert/, openai-community/ …), or, when it reads as one checkpoint
(a size or variant: `Mistral-7B-v0.1`, `mt5-small`, `pythia-2.8b`; not a family such as `T5` or
`llama-2`), as the one repo of that name (up to case and punctuation: `Qwen-1.8B` is
`Qwen/Qwen-1_8B`) or the one with ten times the downloads of the others,
created before the model (`RepoIndex.pick`). Common words never name a repo here; a stopword
after "fine-tuned version of the" is filler, not a parent. A name that continues a list ("the
models used in the merge are [A](…) and [B](…)") shares the verdict of the name before it.
"""

from __future__ import annotations

import re

from crawler.lineage.inference.index import RepoIndex
from crawler.lineage.inference.model import Candidate, ModelEvidence, snippet
from crawler.lineage.inference.phrasing.contexts import Verdict, continues_list, judge
from crawler.lineage.inference.refs import (
    HUB_URL,
    LINK,
    NAMESPACED_ID,
    Reference,
    clean_reference,
    reference_from_match,
)
from crawler.lineage.inference.text import own_text

MAX_REFERENCES = 200  # references judged per card: a parent is named near the top
_REFERENCE = re.compile(
    rf"{LINK}|{HUB_URL}|(?<![\w/.\-@]){NAMESPACED_ID}(?![\w/\-])"
    r"|(?<![A-Za-z0-9_/.\-@#])(?P<bare>[A-Za-z][A-Za-z0-9]{0,40}(?:[\-_.][A-Za-z0-9]{1,40}){0,6})"
    r"(?![A-Za-z0-9_/\-]|\.[A-Za-z0-9])")
_HAS_DIGIT = re.compile(r"\d")
# What makes a bare name one checkpoint rather than a family: a size, a variant or a version.
_CHECKPOINT = re.compile(
    r"[\-_.](?:\d{1,4}(?:\.\d{1,2})?[bmk]|small|base|large|xl|xxl|tiny|mini|medium|huge"
    r"|v\d{1,2}(?:\.\d{1,2})?)(?![a-z])", re.IGNORECASE)
_LETTER = re.compile(r"[A-Za-z]")

def _bare(name: str, index: RepoIndex, evidence: ModelEvidence) -> str | None:
    """The repo a bare name designates, by the rules of the module docstring, or None."""
    if "-" not in name and not _HAS_DIGIT.search(name):
        return None
    legacy = index.resolve(Reference(name))
    if legacy.resolved:
        return legacy.parent
    if _CHECKPOINT.search(name):
        return index.pick((i for i in index.keyed(name) if "/" in i), evidence.created_at)
    return None


def _link_text(match: re.Match[str], index: RepoIndex, evidence: ModelEvidence) -> str | None:
    """A link elsewhere whose text is a known repo's bare name ('[Mistral-7B](mistral.ai)')."""
    text = (match.group("text") or "").strip(" `*")
    return _bare(text, index, evidence) if re.fullmatch(r"[\w.\-]{2,96}", text) else None


def candidates(evidence: ModelEvidence, index: RepoIndex) -> list[Candidate]:
    text = own_text(evidence.card_body)
    found: list[Candidate] = []
    judged, previous = 0, (None, -1)
    for match in _REFERENCE.finditer(text):
        if match.group("bare") is not None:
            name = _bare(match.group("bare"), index, evidence)
        else:
            ref = reference_from_match(match)
            name = ref.name if ref is not None and not ref.local_path else None
            if name is not None and "/" not in name:
                name = _bare(name, index, evidence)  # huggingface.co/gpt2, not a user page
            elif name is not None and not (index.canonical(name) or index.has_org(
                    name.split("/", 1)[0])):
                name = None  # "llama-2/codellama": no such organisation
            elif name is None and match.group("target") is not None:
                name = _link_text(match, index, evidence)
        if name is None or clean_reference(name) is None or not all(
                _LETTER.search(part) for part in name.split("/")):
            continue
        judged += 1
        if judged > MAX_REFERENCES:
            break
        verdict: Verdict | None = judge(text, match.start(), match.end(), evidence.model_id,
                                        repo=True)
        if verdict is None and previous[0] is not None and continues_list(
                text, previous[1], match.start()):
            verdict = previous[0]
        previous = (verdict, match.end())
        if verdict is not None:
            found.append(Candidate(name, verdict.relation, f"card_context.{verdict.rule}",
                                   snippet(verdict.evidence), verdict.confidence, "medium"))
    return found
