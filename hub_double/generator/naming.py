"""Repo names as the Hub has them: community users, quantizer houses, fine-tune suffixes, brand
names for merges and rebrands, and the typos and deletions behind parents that do not exist.

Names derive from the parent's (its stem without quantization suffixes) and from per-model
uniform draws, so they stay deterministic; `Namer` keeps them unique across the Hub.
"""

from __future__ import annotations

import re
from functools import lru_cache

from hub_double.generator.catalogue import QUANT_FORMATS, Kind, QuantFormat, Style, pick
from hub_double.generator.node import Draw, Node

QUANT_SUFFIX = re.compile(r"(-(GGUF|i1-GGUF|Q4_K_M-GGUF|GPTQ|GPTQ-Int4|AWQ|4bit|8bit|mlx|exl2|"
                          r"\d\.\dbpw-exl2|bnb-4bit))+$", re.IGNORECASE)
SIZE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)[Bb](?![a-zA-Z])")

FT_SUFFIXES = ("sft", "dpo", "orpo", "instruct", "chat", "v2", "v0.1", "alpaca", "uncensored",
               "roleplay", "med", "law", "finance", "code", "math", "ko", "ja", "de", "fr", "zh",
               "lora-merged", "full", "finetuned", "abliterated", "reasoning", "tool-use", "rp",
               "storywriter", "it", "sql")
ADAPTER_SUFFIXES = ("lora", "qlora", "adapter", "lora-alpaca", "peft", "lora-r16")
BRAND_HEADS = ("Mytho", "Hermes", "Dolphin", "Orca", "Zephyr", "Neural", "Nova", "Storm", "Astra",
               "Lumen", "Echo", "Sage", "Pixel", "Quantum", "Velvet", "Iron", "Silver", "Crimson",
               "Aurora", "Nebula", "Raven", "Kraken", "Lotus", "Cobalt", "Ember", "Onyx", "Atlas",
               "Juniper", "Marlin", "Tundra")
BRAND_TAILS = ("Max", "Chat", "Mind", "Coder", "Writer", "Mix", "Forge", "Spark", "Blend",
               "Beast", "Lite", "Pro", "Star", "Wave", "Core", "Muse")
MERGE_METHODS = ("slerp", "ties", "dare-ties", "linear", "model-stock", "della")
SYLLABLES = tuple(c + v for c in "bdfgklmnprstvz" for v in "aeiou")  # 70 two-letter syllables


def size_of(name: str) -> str | None:
    """The parameter count a repo name states ("8B", "1.5B"), if any."""
    match = SIZE.search(name)
    return f"{match.group(1)}B" if match else None


@lru_cache(maxsize=1 << 16)
def user_name(k: int) -> str:
    """The k-th community user: distinct syllable strings for distinct k, in a few styles."""
    parts, style = [], k % 4
    k += len(SYLLABLES)  # at least two syllables
    while True:
        parts.append(SYLLABLES[k % len(SYLLABLES)])
        k //= len(SYLLABLES)
        if k == 0:
            break
    name = "".join(parts)
    return (name.capitalize(), name, f"{name}{len(parts) * 7 % 100}", f"{name}-ai")[style]


def stem(parent_id: str) -> str:
    """A parent's name without its namespace and quantization suffixes."""
    return QUANT_SUFFIX.sub("", parent_id.rsplit("/", 1)[-1])


def brand(r: float, size: str | None) -> str:
    head = BRAND_HEADS[int(r * len(BRAND_HEADS))]
    tail = BRAND_TAILS[int(r * 977) % len(BRAND_TAILS)]
    version = f"-v{int(r * 7919) % 4 + 1}" if r * 31 % 1 < 0.4 else ""
    return f"{head}{tail}" + (f"-{size}" if size else "") + version


def house(fmt: QuantFormat, when: int, r: float) -> str | None:
    """A big quantizer active at `when`, for about half of the quantizations."""
    active = [a for a, since, until in fmt.houses if since <= when < until]
    if not active or r >= 0.5:
        return None
    return active[int(r * 2 * len(active)) % len(active)]


class Namer:
    """Hands out repo ids, each once and case-insensitively, as the Hub does (so a name in
    another case reaches one repo): a taken name gets a -v2, -v3 ... suffix."""

    def __init__(self) -> None:
        self.used: set[str] = set()  # lower case

    def reserve(self, model_id: str) -> None:
        """A fixed model's id (a root, a base): taken as is."""
        self.used.add(model_id.lower())

    def unique(self, candidate: str) -> str:
        model_id, k = candidate, 2
        while model_id.lower() in self.used:
            model_id, k = f"{candidate}-v{k}", k + 1
        self.used.add(model_id.lower())
        return model_id

    def standalone(self, node: Node, style: Style) -> str:
        task = style.pipeline.split("-")[0]
        return self.unique(f"{user_name(node.author)}/{brand(node.draw.name, None).lower()}-{task}")

    def derived(self, node: Node, parent: str, style: Style) -> str:
        """A derivative's id from its primary parent's: a house quantization, a user's suffix."""
        return self.unique(self._derived_candidate(node, parent, style))

    def _derived_candidate(self, node: Node, parent: str, style: Style) -> str:
        parent_stem, d = stem(parent), node.draw
        user = user_name(node.author)
        if node.kind == Kind.QUANTIZED:
            fmt = QUANT_FORMATS[node.fmt]
            quantizer = house(fmt, node.time, d.author)
            if quantizer and f"{quantizer}/{parent_stem}-{fmt.suffixes[0]}".lower() \
                    not in self.used:
                return f"{quantizer}/{parent_stem}-{fmt.suffixes[0]}"  # a house quantizes once
            return f"{user}/{parent_stem}-{pick(fmt.suffixes, d.suffix)}"
        if node.kind == Kind.ADAPTER:
            return f"{user}/{parent_stem}-{pick(ADAPTER_SUFFIXES, d.suffix)}"
        if node.kind == Kind.MERGE:
            return f"{user}/{brand(d.name, style.size)}-{pick(MERGE_METHODS, d.suffix)}"
        if d.name < 0.55 and len(parent_stem) < 48:
            return f"{user}/{parent_stem}-{pick(FT_SUFFIXES, d.suffix)}"
        return f"{user}/{brand(d.name, style.size)}"

    def missing_parent(self, parent: str, d: Draw) -> str:
        """A parent id nobody holds: a typo, a rename or a deleted repo (reserved, never made)."""
        namespace, name = parent.rsplit("/", 1) if "/" in parent else ("", parent)
        candidates = (f"{namespace}/{name.replace('-', '_')}", f"{namespace}/{name}-deleted",
                      f"{user_name(int(d.extra * 10_000))}/{name}-private")
        return self.unique(pick(candidates, d.suffix).lstrip("/"))
