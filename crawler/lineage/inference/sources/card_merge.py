"""Merges described in the card body.

Rules (relation merge throughout):
- `card_merge.mergekit_yaml` (0.96, strong): a fenced code block holding a mergekit
  configuration (it has `merge_method:`), as mergekit's generated card and most merge authors
  paste it; read by mergekit.parse_mergekit.
- `card_merge.mergekit_list` (0.96, strong): the items of mergekit's generated list "The
  following models were included in the merge:" and its "… merge method using X as a base".
- `card_merge.merge_of` (0.80, medium): "a merge of X and Y" / "merge of: X, Y" with links or
  namespaced ids, read up to the end of the paragraph.
"""

from __future__ import annotations

import re

from crawler.lineage.inference.index import RepoIndex
from crawler.lineage.inference.model import Candidate, ModelEvidence, snippet
from crawler.lineage.inference.refs import ref_pattern, reference_from_match
from crawler.lineage.inference.sources.mergekit import merge_candidates, parse_mergekit
from crawler.lineage.inference.text import own_text

_FENCED = re.compile(r"^[ \t]{0,3}```[^\n]{0,40}\n(?P<code>.{0,20000}?)^[ \t]{0,3}```",
                     re.MULTILINE | re.DOTALL)
_INCLUDED = re.compile(r"models were included in the merge[ \t]{0,4}:?[ \t]{0,4}\n"
                       r"(?P<items>(?:[ \t]{0,8}(?:[*\-+]|\d{1,2}\.)[^\n]{0,400}(?:\n|\Z)){1,40})",
                       re.IGNORECASE)
_AS_BASE = re.compile(rf"merge method using[ \t]{{1,3}}{ref_pattern()}[ \t]{{1,3}}as a base",
                      re.IGNORECASE)
_MERGE_OF = re.compile(r"\bmerge[ \t]of[ \t:]{1,4}(?P<rest>(?:[^\n]|\n(?![ \t]{0,40}\n)){1,600})",
                       re.IGNORECASE)
_REF = re.compile(ref_pattern())
MAX_MERGED = 32


def _refs_in(text: str, rule: str, confidence: float, strength: str) -> list[Candidate]:
    found = []
    for match in _REF.finditer(text):
        ref = reference_from_match(match)
        if ref is not None and not ref.local_path:
            found.append(Candidate(ref.name, "merge", rule, snippet(match.group(0)), confidence,
                                   strength))
        if len(found) >= MAX_MERGED:
            break
    return found


def _yaml_blocks(text: str) -> list[Candidate]:
    found = []
    for block in _FENCED.finditer(text):
        if "merge_method" in block.group("code"):
            found += merge_candidates(parse_mergekit(block.group("code")),
                                      "card_merge.mergekit_yaml", 0.96)
    return found


def candidates(evidence: ModelEvidence, index: RepoIndex) -> list[Candidate]:
    text = own_text(evidence.card_body)
    lower = text.lower()
    if "merge" not in lower:
        return []
    found = _yaml_blocks(text) if "merge_method" in lower else []
    for match in _INCLUDED.finditer(text):
        found += _refs_in(match.group("items"), "card_merge.mergekit_list", 0.96, "strong")
    for match in _AS_BASE.finditer(text):
        found += _refs_in(match.group(0), "card_merge.mergekit_list", 0.96, "strong")
    for match in _MERGE_OF.finditer(text):
        found += _refs_in(match.group("rest"), "card_merge.merge_of", 0.80, "medium")
    return found
