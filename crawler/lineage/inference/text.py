"""Shared helpers for scanning card text: the part of a card that speaks for the model itself.

Quantizers paste the original card below their own (TheBloke's "# Original model card: …",
`<!-- original-model-card start -->`); the pasted card's "fine-tuned version of X" names the
grandparent. Every card rule therefore reads only the text before such a heading, and at most
MAX_SCAN characters of it: parents are named near the top, and the cap bounds the cost of
hostile cards (every pattern is also linear, see refs.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from crawler.lineage.inference.model import Candidate, Relation, Strength, snippet
from crawler.lineage.inference.refs import reference_from_match

TextRelation = Relation | Callable[[re.Match[str]], Relation]  # fixed, or read from the match
MAX_SCAN = 300_000
MAX_MATCHES_PER_RULE = 20
_ORIGINAL_CARD = re.compile(
    r"^[ \t]{0,3}#{1,6}[ \t]{0,4}(?:\*\*)?[ \t]{0,2}original model card"
    r"|<!--[ \t]{0,4}original-model-card start",
    re.IGNORECASE | re.MULTILINE,
)


@lru_cache(maxsize=8)  # three sources read the same card in a row
def own_text(body: str | None) -> str:
    """The card's own words: before a pasted original card, at most MAX_SCAN characters."""
    if not body:
        return ""
    text = body[:MAX_SCAN]
    pasted = _ORIGINAL_CARD.search(text)
    return text[: pasted.start()] if pasted else text


@dataclass(frozen=True, slots=True)
class TextRule:
    """A phrase followed by a reference; one of `keywords` (lower case) must occur for the regex
    to run at all, which spares most cards most regexes."""

    rule: str
    keywords: tuple[str, ...]
    pattern: re.Pattern[str]
    relation: TextRelation
    confidence: float
    strength: Strength


def scan(text: str, rules: Iterable[TextRule]) -> list[Candidate]:
    """Every reference the rules find in `text`, as candidates."""
    lower = text.lower()
    found: list[Candidate] = []
    for rule in rules:
        if not any(keyword in lower for keyword in rule.keywords):
            continue
        for count, match in enumerate(rule.pattern.finditer(text)):
            if count >= MAX_MATCHES_PER_RULE:
                break
            ref = reference_from_match(match)
            if ref is None:
                continue
            relation = rule.relation if isinstance(rule.relation, str) else rule.relation(match)
            found.append(Candidate(ref.name, relation, rule.rule, snippet(match.group(0)),
                                   rule.confidence, rule.strength, ref.local_path))
    return found
