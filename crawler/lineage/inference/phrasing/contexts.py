"""The words around a name in a card that make it the model's parent (contexts.toml), and the
traps that make it not: shared by family names (families/) and repo references
(sources/card_context.py).

Phrasings are data: each context in contexts.toml is a pattern with its relation, confidence
and the real card sentences it was written from; the tests run every pattern over its examples.
`judge` reads one name: its sentence up to the name and the text after it (80 characters), with
line breaks read as spaces and Markdown links read as their text. The best matching context
wins, unless a trap matches first. Who the sentence is about matters:
- a `before` context whose sentence names another repo before it ("[dolly-v2-12b](…), a 12
  billion parameter model based on pythia-12b") speaks of that repo, not of this model, unless
  it describes a merge (merges name their models as subjects);
- a context marked `subject = "own"` ("… is a version of X") counts only when the sentence's
  subject is this model: its name, "this/the/our model", "it", "we", or nothing;
- an `after` context ("X fine-tuned on …") carries its own pattern of how the sentence must
  begin before the name (`subject`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from crawler.lineage.inference.index import fuzzy_key
from crawler.lineage.inference.model import Relation

CONTEXTS_FILE = Path(__file__).with_name("contexts.toml")
BEFORE_CHARS = 160
AFTER_CHARS = 80
OWN = "own"  # `subject` of a context that must speak of the model itself
_FLAGS = re.IGNORECASE
_SENTENCE_END = re.compile(r"(?:[.!?](?=\s)|\n\s*\n|\n\s{0,3}[#|>*\-]|(?m:^#{1,6}[^\n]*\n))")
# What stands between a name in link text or bold and the words after it: `](target)`, `**`.
_AFTER_DECORATION = re.compile(r"^(?:\]\([^()\s]{0,300}\)|\*{1,2}|`{1,3}|\))+")
_LINK = re.compile(r"\[([^\[\]\n]{0,200})\]\(([^()\s]{0,300})\)")
_BLANKS = re.compile(r"\s+")
_LIST_JOIN = re.compile(r"[\s*`\"]{0,4}(?:,|;|&|\+|/|and|or|,[ ]and)[\s*`\"\[]{0,4}(?:the[ ])?",
                        re.IGNORECASE)
# Another repo named in the sentence before the context: a Hub link or URL, a namespaced id.
_OTHER_REPO = re.compile(r"(?:huggingface\.co|hf\.co)/([\w.\-]{1,96}(?:/[\w.\-]{1,96})?)"
                         r"|(?<![\w/.\-])([A-Za-z][\w.\-]{0,95}/[A-Za-z][\w.\-]{0,95})")
_OWN_WORDS = re.compile(r"^(?:.*\b(?:this|the|our)[ ](?:model|repo(?:sitory)?|checkpoint|version)"
                        r"|.*\b(?:it|we)\b|(?:.*\b)?this$)", re.IGNORECASE)
# Markdown emphasis by underscores: "_Fork of …_" reads "Fork of …".
_UNDERSCORE_EMPHASIS = re.compile(r"(?<![A-Za-z0-9])_(?=\S)|(?<=\S)_(?![A-Za-z0-9])")


@dataclass(frozen=True, slots=True)
class Context:
    rule: str
    side: str  # before | after
    pattern: re.Pattern[str]
    subject: re.Pattern[str] | str | None  # after: how the sentence ends before the name; OWN
    relation: Relation
    confidence: float
    examples: tuple[str, ...]
    seed: bool = False  # judges a release's famous derivative ("a replica of Alpaca") only


@dataclass(frozen=True, slots=True)
class Trap:
    name: str
    sentence: re.Pattern[str] | None
    after: re.Pattern[str] | None
    examples: tuple[str, ...]
    repos_only: bool = False  # `names = "repos"`: holds for repo references, not release names


@dataclass(frozen=True, slots=True)
class Verdict:
    """Why a name is stated as the model's parent: the context, and the text that says so."""

    rule: str
    relation: Relation
    confidence: float
    evidence: str


@dataclass(frozen=True, slots=True)
class Phrasings:
    contexts: tuple[Context, ...]
    traps: tuple[Trap, ...]


def _compile(pattern: str | None, fill: str = "", anchored_end: bool = False
             ) -> re.Pattern[str] | None:
    if pattern is None:
        return None
    return re.compile(pattern + fill + ("$" if anchored_end else ""), _FLAGS)


def _subject(raw: dict, fill: str) -> re.Pattern[str] | str | None:
    subject = raw.get("subject")
    if subject is None or subject == OWN:
        return subject
    return _compile(subject, fill, anchored_end=True)


@cache
def load(path: Path = CONTEXTS_FILE) -> Phrasings:
    """contexts.toml, compiled: `before` patterns end at the name, after the filler words."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    fill = raw["fill"]["pattern"]
    contexts = tuple(
        Context(rule=c["rule"], side=c["side"],
                pattern=_compile(c["pattern"], fill, anchored_end=True) if c["side"] == "before"
                else _compile(c["pattern"]),
                subject=_subject(c, fill), relation=c["relation"],
                confidence=float(c["confidence"]), examples=tuple(c["examples"]),
                seed=c.get("applies") == "seed")
        for c in raw["context"])
    traps = tuple(Trap(t["name"], _compile(t.get("sentence")), _compile(t.get("after")),
                       tuple(t["examples"]), t.get("names") == "repos") for t in raw["trap"])
    return Phrasings(contexts, traps)


def continues_list(text: str, previous_end: int, start: int) -> bool:
    """Whether the name at `start` continues a list whose previous name ended at
    `previous_end` ("fine-tuned CodeLlama-34B and CodeLlama-34B-Python", "[A](…), [B](…)"):
    it then shares that name's verdict."""
    return 0 <= start - previous_end <= 16 and _LIST_JOIN.fullmatch(
        text[previous_end:start]) is not None


def sentence_start(text: str, position: int) -> int:
    """Where the sentence holding `position` begins (a sentence end, a blank line, a list item,
    a table row), looking back at most BEFORE_CHARS * 2 characters."""
    floor = max(0, position - 2 * BEFORE_CHARS)
    start = floor
    for match in _SENTENCE_END.finditer(text, floor, position):
        start = match.end()
    return start


def _plain(text: str) -> str:
    """As a reader reads it: links as their text, line breaks and runs of blanks as a space."""
    return _BLANKS.sub(" ", _UNDERSCORE_EMPHASIS.sub(" ", _LINK.sub(r"\1", text)))


def _names_another_repo(raw_sentence: str, subject_end: int, own: str) -> bool:
    """The sentence names a repo that is not the model itself before `subject_end` (an offset
    in the sentence as read, `_plain`)."""
    for match in _OTHER_REPO.finditer(raw_sentence):
        repo = (match.group(1) or match.group(2)).lower()
        if repo == own or own.endswith("/" + repo):
            continue
        if len(_plain(raw_sentence[:match.start()]).rstrip()) < subject_end:
            return True
    return False


def _about_itself(subject: str, own: str) -> bool:
    """The sentence's subject is the model: nothing, its name, this model, it, we."""
    words = subject.strip(" *#>-:`\"'").lower()
    name = fuzzy_key(own.rpartition("/")[2])
    return (not words or _OWN_WORDS.match(words) is not None
            or (len(name) >= 4 and name[:12] in fuzzy_key(words)))


def judge(text: str, start: int, end: int, own: str = "", seed: bool = False,
          phrasings: Phrasings | None = None, repo: bool = False) -> Verdict | None:
    """Whether the name at text[start:end] is stated as the parent of model `own`, and how;
    `seed`: the name is a release's famous derivative, judged by the seed contexts alone;
    `repo`: the name is a repo reference (traps for repos apply), not a release's name."""
    phrasings = phrasings or load()
    raw_sentence = text[sentence_start(text, start):start]
    sentence = _plain(raw_sentence)
    after = _plain(_AFTER_DECORATION.sub("", text[end:end + AFTER_CHARS + 320]))[:AFTER_CHARS]
    for trap in phrasings.traps:
        if trap.repos_only and not repo:
            continue
        if (trap.sentence is not None and trap.sentence.search(sentence)) or (
                trap.after is not None and trap.after.search(after)):
            return None
    own = own.lower()
    best: Verdict | None = None
    for context in phrasings.contexts:
        if context.seed != seed:
            continue
        if context.side == "before":
            match = context.pattern.search(sentence)
            if match is None:
                continue
            subject = sentence[:match.start()]
            if context.relation != "merge" and _names_another_repo(
                    raw_sentence, match.start(), own):
                continue
            if context.subject == OWN and not _about_itself(subject, own):
                continue
            span = sentence[match.start():] + text[start:end]
        else:
            subject_ok = context.subject is None or (
                isinstance(context.subject, re.Pattern) and context.subject.search(sentence))
            match = context.pattern.search(after) if subject_ok else None
            if match is None:
                continue
            span = text[start:end] + after[:match.end()]
        if best is None or context.confidence > best.confidence:
            best = Verdict(context.rule, context.relation, context.confidence, span)
    return best
