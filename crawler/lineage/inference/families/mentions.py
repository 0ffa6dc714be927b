"""Family and release names in prose: "LLaMA-7B", "Llama 2 70B chat", "CodeLlama-34B-Python",
"deepseek-coder-6.7b-base", "the 13B LLaMA model".

One regular expression per catalogue finds them all: the release spellings of the roots file
(`mentions`, longest first, then each family's bare name), with an optional size before or after
and a variant after. Case and the separators space, '-' and '_' are free. A name is not a
mention inside a word, a repo id, a path or a file name (`OpenLLaMA`, `meta-llama/Llama-2-7b`,
`llama.cpp`), after one of the words that make it another model (`open-llama`, `tiny-llama`),
or before one that makes it a tool (`llama.cpp`, `LLaMA-Factory`, `llama_index`). A name
followed by a slash is one only with a size, and then so is the name after the slash
("DeepSeek-LLM-1.5b-base/DeepSeek-LLM-7b-base"); without one it is an organisation
(`meta-llama/…`). A release name
followed by a version the roots file does not list (`DeepSeek-Coder-V2`) names the family only.
Every quantifier is bounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crawler.lineage.inference.families.catalogue import VARIANTS, Catalogue, normal_size

# Words that, joined to the family's name, make it another model or a tool (data: extend here).
OTHER_MODEL_PREFIXES = ("open", "tiny", "red", "mini", "baby", "ollama")
TOOL_SUFFIXES = ("cpp", "factory", "index", "guard", "parse", "adapter", "recipes", "stack",
                 "models", "hub")
_SEP = r"[\s_\-]?"


@dataclass(frozen=True, slots=True)
class Mention:
    """A family or release named in the text, with what the name itself says."""

    start: int
    end: int
    text: str
    family: str
    release: str | None  # None: the family's bare name, or a version the roots file lacks
    size: str | None  # '7B', '8x7B' …
    variant: str | None  # chat, instruct, base, python, it
    seed: bool = False  # a release's famous derivative ("Alpaca"): counts only as replicated


def _spelling(spelling: str) -> str:
    """'Llama 3.1' -> a pattern also reading 'llama-3.1', 'Llama3.1', 'LLAMA_3.1'."""
    tokens = [t for t in re.split(r"[\s_\-]+", spelling.strip()) if t]
    pattern = _SEP.join(re.escape(t) for t in tokens)
    return pattern + r"(?![0-9]|\.[0-9])" if tokens[-1][-1:].isdigit() else pattern


def _key(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", text.lower())


class MentionFinder:
    """Finds a catalogue's family and release names in text."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._names: dict[str, tuple[str, str | None]] = {}
        self._seeds: set[str] = set()
        for release in catalogue.releases:
            for spelling in release.mentions:
                self._names.setdefault(_key(spelling), (release.family, release.name))
            for seed in release.seeds:
                self._names.setdefault(_key(seed), (release.family, release.name))
                self._seeds.add(_key(seed))
        for family, words in catalogue.family_words.items():
            for word in words:
                self._names.setdefault(_key(word), (family, None))
        spellings = sorted({s for r in catalogue.releases for s in (*r.mentions, *r.seeds)}
                           | {w for ws in catalogue.family_words.values() for w in ws},
                           key=lambda s: (-len(_key(s)), s))
        self.keywords = tuple(sorted({re.split(r"[\s_\-]+", s.lower())[0] for s in spellings}))
        not_after = "".join(rf"(?<!{p}[\s_\-])(?<!{p})" for p in OTHER_MODEL_PREFIXES)
        body = (
            r"(?:(?P<pre>\d{1,3}(?:\.\d{1,2})?)[ ]?[bB][\s_\-]{1,2})?"
            rf"(?P<name>{'|'.join(_spelling(s) for s in spellings)})"
            r"(?P<newer>[\s_\-]?v\d{1,2}(?:\.\d{1,2})?(?![A-Za-z0-9]))?"
            r"(?:[\s_\-]{0,2}\(?(?P<size>(?:\d{1,2}[xX])?\d{1,3}(?:\.\d{1,2})?)[\s_\-]?"
            r"(?P<unit>[bBmM])\)?(?![A-Za-z0-9]))?"
            rf"(?:[\s_\-]{{1,2}}(?P<variant>{'|'.join(VARIANTS)}|hf)(?![A-Za-z0-9]))?"
            rf"(?![A-Za-z0-9]|[.\-_]?(?:{'|'.join(TOOL_SUFFIXES)}))")
        self._pattern = re.compile(rf"(?<![A-Za-z0-9/._]){not_after}{body}", re.IGNORECASE)
        # the next name of a slash-joined list ("DeepSeek-LLM-1.5b-base/DeepSeek-LLM-7b-base")
        self._after_slash = re.compile(body, re.IGNORECASE)

    def find(self, text: str) -> list[Mention]:
        """Every mention in `text`, in order."""
        lower = text.lower()
        if not any(keyword in lower for keyword in self.keywords):
            return []
        found = []
        for first in self._pattern.finditer(text):
            match: re.Match[str] | None = first
            while match is not None:
                mention = self._mention(match)
                slash = text[match.end():match.end() + 1] == "/"
                if slash and mention.size is None:
                    break  # an organisation ("meta-llama/…"), not a model
                found.append(mention)
                match = self._after_slash.match(text, match.end() + 1) if slash else None
        return found

    def _mention(self, match: re.Match[str]) -> Mention:
        key = _key(match.group("name"))
        family, release = self._names[key]
        number = match.group("size") or match.group("pre")
        size = normal_size(number, match.group("unit") or "b") if number else None
        variant = (match.group("variant") or "").lower() or None
        return Mention(match.start(), match.end(), match.group(0), family,
                       None if match.group("newer") else release, size,
                       None if variant == "hf" else variant, key in self._seeds)
