"""Releases the roots config does not list, discovered from the names of an organisation's models.

An organisation keeps publishing (deepseek-ai's DeepSeek-V4-Flash and DeepSeek-V4-Pro in 2026)
after a roots file was written. Every crawled model of a family's organisation that no
configured release lists gets a release from its name's *stem*: the words of the name up to and
including its version, or up to the first size, date or variant word when it has none:

    DeepSeek-V4-Flash, DeepSeek-V4-Pro          -> DeepSeek-V4
    deepseek-coder-v2-lite-instruct             -> deepseek-coder-v2
    Llama-3.5-8B-Instruct                       -> Llama-3.5
    Qwen2.5-Coder-7B-Instruct                   -> Qwen2.5
    CodeLlama-7b-hf, LlamaGuard-7b, Janus-Pro-7B -> CodeLlama, LlamaGuard, Janus-Pro
    Mistral-7B-v0.3 (an explicit v-version after the size) -> Mistral-v0.3

Stems are compared by a key: lower case, a version split from the word it ends (Qwen2.5 ->
qwen-2.5), and the organisation's own words dropped from the front (meta-llama's Meta-Llama-3.1
and Llama-3.1 are one key, '3.1'). A model whose key is that of a model a configured release
lists joins that release (deepseek-coder-1.3b-instruct joins "DeepSeek Coder"); the others of
one key form a discovered release named by the stem of its earliest model. The SQL dates a
discovered release by its roots' first creation and gives it their most common license.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from crawler.roots import Roots

# A parameter count (7B, 1.5B, 86M, 1_8B, 8x7B, A22B, E4B) or an expert count (16E).
SIZE = re.compile(r"^(\d+([._]\d+)?[bmkt]|\d+x\d+(\.\d+)?[bm]|[a-z]\d+(\.\d+)?b|\d+e)$", re.I)
DATE = re.compile(r"^(\d{4}|\d{6}|\d{8})$")  # 0324, 2407, 250528, 20250528
# A version on its own (2, 3.1, v2, V0.1) or ending a word (R1, V3, Qwen2.5, vl2).
VERSION = re.compile(r"^([a-z]*)(\d+(\.\d+)*)$", re.I)
EXPLICIT_VERSION = re.compile(r"^v\d+(\.\d+)*$", re.I)
VARIANTS = {"instruct", "chat", "base", "hf", "it", "pt", "gguf", "awq", "gptq", "fp8", "mlx",
            "onnx", "bnb"}


def _stops(token: str) -> bool:
    return bool(SIZE.match(token) or DATE.match(token)) or token.lower() in VARIANTS


def stem(name: str) -> str:
    """The release stem of a repo name (the part after '/'): see the module docstring."""
    tokens = [t for t in name.split("/")[-1].split("-") if t]
    if not tokens:
        return name
    words: list[str] = []
    for k, token in enumerate(tokens):
        if words and _stops(token):
            later = [t for t in tokens[k + 1:] if EXPLICIT_VERSION.match(t)]
            return "-".join(words + later[:1])
        words.append(token)
        if VERSION.match(token) and not DATE.match(token):
            return "-".join(words)
    return "-".join(words)


def key(model_id: str) -> str:
    """The stem as compared: lower case, versions split from words, the organisation's own words
    dropped from the front (unless nothing would be left)."""
    organisation, _, name = model_id.rpartition("/")
    words = [part for token in stem(name).lower().split("-")
             for part in VERSION.sub(lambda m: f"{m[1]}-{m[2]}" if m[1] else m[2], token)
             .split("-") if part]
    own = set(re.split(r"[-_.]", organisation.lower()))
    start = 0
    while start < len(words) - 1 and words[start] in own:
        start += 1
    return "-".join(words[start:])


@dataclass(frozen=True)
class Assignment:
    model_id: str
    family: str
    release: str
    discovered: bool  # no configured release has the model's stem


def assign(models: Iterable[tuple[str, str, datetime | None]], roots: Roots) -> list[Assignment]:
    """A release for each (model_id, family, created_at) of an organisation that no configured
    release lists: the configured release of its family whose listed models share its key, else
    the discovered release of its key, named by the stem of the key's earliest model."""
    models = sorted(models, key=lambda m: (m[2] is None, m[2] or datetime.min, m[0]))
    by_key: dict[tuple[str, str], str] = {}  # (family, key) -> configured release
    by_name = {(r.family, r.name.lower()): r.name for r in roots.releases}
    for release in sorted(roots.releases, key=lambda r: (r.released, r.name)):
        for model in release.models:
            by_key.setdefault((release.family, key(model)), release.name)
    named: dict[tuple[str, str], str] = {}
    out = []
    for model_id, family, _ in models:
        group = (family, key(model_id))
        name = named.setdefault(group, stem(model_id))
        release = by_key.get(group) or by_name.get((family, name.lower()))
        out.append(Assignment(model_id, family, release or name, release is None))
    return out
