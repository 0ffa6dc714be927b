"""Repo naming conventions: `TheBloke/Llama-2-7B-Chat-GGUF` quantizes a "Llama-2-7B-Chat".

Format and training suffixes are stripped from the right of the name one at a time (`-GGUF`,
`-GPTQ`, `-AWQ`, `-exl2`, `-3_75bpw`, `-mlx`, `-4bit`, `-bnb`, `-Q4_K_M`, `-i1`, `-fp16`,
`-abliterated`, `-sft` …); after each, the remaining stem is looked up among known repos, so
`X-abliterated-Q5_K_S-GGUF` finds `X-abliterated` before `X`. The outermost suffix that is not a
plain dtype gives the relation.

Rules:
- `repo_name.org_prefix` (0.75, medium): a format suffix was stripped and the stem is
  `<org>_<name>` or `<org>-<name>` for a known repo `<org>/<name>`
  (`bartowski/Locutusque_Thespis-Llama-3.1-8B-GGUF`,
  `mlx-community/meta-llama-Llama-4-Scout-17B-16E-bf16`). Without a format suffix the same
  pattern is a mirror or a re-upload at best (0.30, weak).
- `repo_name.format_suffix` (quantized, 0.75, medium): a format suffix was stripped and the stem
  is the name of a known repo in any namespace, RepoIndex.pick choosing among namesakes.
  Quantizers keep the quantized model's name; this is the convention the rule relies on.
- `repo_name.dtype_suffix` (unspecified, 0.50, medium): only dtype suffixes (`-fp16`, `-bf16`)
  were stripped and the stem is a repo of *another* namespace (the same author's `X-fp16` is
  usually a sibling export of X's own parent, not a child of X).
- `repo_name.training_suffix` (finetune, 0.30, weak): a training suffix (`-sft`, `-dpo`,
  `-abliterated`, `-finetuned`, `-merged` …) was stripped and the stem names a known repo. Weak:
  fine-tuners often name a family (`gemma-3-finetune`), not a repo.

Adapter suffixes (`-lora`, `-peft`) are not evidence: `X-lora` is usually the adapter whose
merged sibling is `X`. Bare look-alikes (same name in another namespace, or a name extending
another repo's name) were measured at 10-35% precision on the real lineage edges and are not
rules; docs/inference.md has the numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from crawler.lineage.inference.index import RepoIndex
from crawler.lineage.inference.model import Candidate, ModelEvidence, Relation

_QUANT = (r"gguf|ggml|gptq|awq|exl[23]|mlx|bnb|nf4|fp4|int[248](?:-?bit)?|float8-?bit"
          r"|w\d{1,2}a\d{1,2}|fp8(?:[-_]dynamic)?|[1-8][-_]?bits?|\d{1,2}(?:[._]\d{1,3})?-?bpw"
          r"|hqq|quanto|smashed|i?q[1-8](?:_[kx01])?(?:_[xsml]{1,2})?|i1|imatrix|onnx|ov"
          r"|openvino|tensorrt(?:-llm)?|trt|coreml|ct2|ctranslate2|gs\d{2,3}|g?\d{2,3}g|sym|asym"
          r"|auto[-_]?round|marlin|quantized|quants?|dynamic")
_DTYPE = r"fp16|bf16|f16|f32|fp32|16-?bit|32-?bit|float16|bfloat16"
_ADAPTER = r"q?lora|adapters?|peft"
_FINETUNE = r"ft|fine-?tuned?|sft|dpo|orpo|kto|abliterated|uncensored|merged"
_TOOL = r"unsloth"
_SUFFIX = re.compile(rf"[-_.](?:(?P<quantized>{_QUANT})|(?P<dtype>{_DTYPE})|(?P<adapter>"
                     rf"{_ADAPTER})|(?P<finetune>{_FINETUNE})|(?P<tool>{_TOOL}))$", re.IGNORECASE)
_SEPARATOR = re.compile(r"[-_.]")
MAX_SUFFIXES = 8


def stems(name: str) -> Iterator[tuple[str, str | None, bool]]:
    """(stem, outermost suffix kind so far or None, any dtype stripped), longest first.

    The kind is `quantized`, `adapter` or `finetune`; dtypes and tool marks (`-unsloth`) give
    none. The name itself is not yielded, nor stems still ending in a format or tool suffix:
    `X-exl2-4.75bpw` and `X-4bit-mlx` name sibling quants, not parents.
    """
    stem, kind, dtype = name, None, False
    for _ in range(MAX_SUFFIXES):
        match = _SUFFIX.search(stem)
        if match is None or match.start() == 0:
            return
        if match.lastgroup == "dtype":
            dtype = True
        elif kind is None and match.lastgroup != "tool":
            kind = match.lastgroup
        stem = stem[: match.start()]
        inner = _SUFFIX.search(stem)
        if inner is None or inner.lastgroup not in ("quantized", "tool"):
            yield stem, kind, dtype


def _org_prefix(stem: str, index: RepoIndex, own: str) -> str | None:
    for separator in _SEPARATOR.finditer(stem):
        org, rest = stem[: separator.start()], stem[separator.end():]
        if rest and index.has_org(org):
            found = index.canonical(f"{org}/{rest}")
            if found is not None and found.lower() != own:
                return found
    return None


def _namesake(stem: str, evidence: ModelEvidence, index: RepoIndex, other_namespace: bool
              ) -> str | None:
    own, author = evidence.model_id.lower(), (evidence.author or "").lower()
    options = [i for i in index.named(stem) if i.lower() != own
               and not (other_namespace and i.split("/", 1)[0].lower() == author)]
    return index.pick(options, evidence.created_at)


def _candidate(parent: str, relation: Relation, rule: str, confidence: float,
               evidence: ModelEvidence) -> list[Candidate]:
    strength = "weak" if confidence < 0.4 else "medium"
    return [Candidate(parent, relation, f"repo_name.{rule}", evidence.model_id, confidence,
                      strength)]


def candidates(evidence: ModelEvidence, index: RepoIndex) -> list[Candidate]:
    own = evidence.model_id.lower()
    name = evidence.model_id.rpartition("/")[2]
    for stem, kind, dtype in stems(name):
        if kind == "adapter":
            return []
        found = _org_prefix(stem, index, own)
        if found is not None:
            if kind == "quantized":
                return _candidate(found, "quantized", "org_prefix", 0.75, evidence)
            return _candidate(found, kind or "unspecified", "org_prefix", 0.30, evidence)
        if kind == "quantized" and (found := _namesake(stem, evidence, index, False)):
            return _candidate(found, "quantized", "format_suffix", 0.75, evidence)
        if kind is None and dtype and (found := _namesake(stem, evidence, index, True)):
            return _candidate(found, "unspecified", "dtype_suffix", 0.50, evidence)
        if kind == "finetune" and (found := _namesake(stem, evidence, index, False)):
            return _candidate(found, "finetune", "training_suffix", 0.30, evidence)
    found = _org_prefix(name, index, own)
    return _candidate(found, "unspecified", "org_prefix", 0.30, evidence) if found else []
