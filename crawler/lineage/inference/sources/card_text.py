"""Parents named by explicit sentences in the card body.

Rules (relation, confidence, strength), from the most to the least specific phrasing. The
confidences are the precision measured on the hand-labelled real cards (tests/data/labels,
docs/inference.md), rounded down:
- `trainer`: "This model is a fine-tuned version of [X](https://huggingface.co/X)", the sentence
  transformers' Trainer and TRL write into the cards they generate; legacy ids without namespace
  are accepted here (finetune, 0.97, strong).
- `finetuned_from_field`: "**Finetuned from model :** X", the field of Unsloth's card and of the
  Hub's default card template ("[optional]" and "[More Information Needed]" placeholders are
  refused) (finetune, 0.96, strong).
- `quants_of`: "static quants of …", "weighted/imatrix quants of …", "GGUF quants of …"
  (mradermacher's and others' quantization cards) (quantized, 0.96, strong).
- `format_files_for`: "GGUF format model files for …", "GPTQ 4bit model files for …", "AWQ
  model files for …", "HF format unquantised float16 model of …" (TheBloke's templates since
  2023): up to three words between the format and "model files/models/weights for/of"
  (quantized, or unspecified for HF/fp16/bf16 conversions; 0.96, strong).
- `quantized_of`: "quantized version of X", "4-bit quantised models of X" (quantized, 0.90,
  medium).
- `converted_from`: "converted to MLX format from …", "converted to GGUF format from …"
  (mlx-community's and GGUF-my-repo's templates) (quantized, 0.95, strong).
- `original_model`: "Original model: …" (TheBloke, bartowski) and "the original model X"
  (PrunaAI) (unspecified, 0.93, strong; the repo's files usually say it is quantized).
- `version_of`: "This [model|repo] is a(n) <words> version of X": the words give the relation
  (quantized/GGUF/4-bit… -> quantized, LoRA/adapter -> adapter, merged -> merge,
  fine-tuned/trained/instruct… -> finetune, anything else such as "uncensored" or "pruned" ->
  unspecified) (0.90, medium).
- `finetuned_on`: "Fine-tuned [X](…) on <data>" (the wav2vec2 XLSR fine-tuning template, and a
  common phrasing) (finetune, 0.90, medium).
The general phrasings ("fine-tuned from X", "a LoRA adapter for X", "is based on X", "by
fine-tuning X") are read by card_context.py, with the traps of phrasing/contexts.toml.

Outside `trainer` and `finetuned_from_field`, X must be a Markdown link, a Hub URL or a
namespaced id (`org/name`): bare words after "based on" are model families ("based on BERT"),
not repos. Only the card's own text is read (text.own_text).
"""

from __future__ import annotations

import re

from crawler.lineage.inference.index import RepoIndex
from crawler.lineage.inference.model import Candidate, ModelEvidence, Relation, Strength
from crawler.lineage.inference.refs import ANY_ID, ref_pattern
from crawler.lineage.inference.text import TextRelation, TextRule, own_text, scan

_REF = ref_pattern()
_REF_OR_LEGACY = ref_pattern(ANY_ID)
_THE = r"(?:the[ \t]{1,3})?"
_FORMATS = "gguf|ggml|gptq|awq|exl2|mlx|onnx|hf|fp16|float16|bf16"
_PLAIN_FORMATS = frozenset({"hf", "fp16", "float16", "bf16"})
_FLAGS = re.IGNORECASE

_QUANT_WORDS = ("quant", "gguf", "ggml", "gptq", "awq", "exl2", "mlx", "bit", "int4", "int8",
                "fp8", "nf4", "onnx", "compressed")
_ADAPTER_WORDS = ("lora", "adapter", "peft")
_FINETUNE_WORDS = ("tun", "train", "instruct", "chat", "sft", "dpo", "rlhf", "distill")


def relation_from_words(words: str) -> Relation:
    """The relation a few words describing a derivative imply ("4-bit quantized" -> quantized)."""
    lower = words.lower()
    for relation, markers in (("quantized", _QUANT_WORDS), ("adapter", _ADAPTER_WORDS),
                              ("merge", ("merge",)), ("finetune", _FINETUNE_WORDS)):
        if any(marker in lower for marker in markers):
            return relation
    return "unspecified"


def _rule(rule: str, keywords: str, pattern: str, relation: TextRelation, confidence: float,
          strength: Strength) -> TextRule:
    return TextRule(f"card_text.{rule}", tuple(keywords.split("|")), re.compile(pattern, _FLAGS),
                    relation, confidence, strength)


def _format_relation(match: re.Match[str]) -> Relation:
    """GGUF/GPTQ/AWQ… files are quantized; HF/fp16 conversions of the same weights are not."""
    return "unspecified" if match.group("format").lower() in _PLAIN_FORMATS else "quantized"


RULES: tuple[TextRule, ...] = (
    _rule("trainer", "version of",
          rf"this model is a fine-?tuned version of[ \t]{{1,3}}{_THE}{_REF_OR_LEGACY}",
          "finetune", 0.97, "strong"),
    _rule("finetuned_from_field", "from model",
          rf"fine-?tuned from model(?:[ \t]{{0,2}}\[optional\])?[ \t:*]{{1,8}}{_REF_OR_LEGACY}",
          "finetune", 0.96, "strong"),
    _rule("quants_of", "quants of",
          rf"quants[ \t]{{1,3}}of[ \t]{{1,3}}{_THE}{_REF}", "quantized", 0.96, "strong"),
    _rule("format_files_for", "model files|model of|models of|model for|models for|weights of"
                              "|weights for",
          rf"\b(?P<format>{_FORMATS})(?:[ \t][\w\-]{{1,20}}){{0,3}}[ \t](?:model[ \t]files|models?"
          rf"|weights)[ \t](?:for|of)[ \t]{{1,3}}{_THE}{_REF}", _format_relation, 0.96, "strong"),
    _rule("quantized_of", "quantized|quantised",
          r"\bquanti[sz]ed(?:[ \t][\w\-]{1,20}){0,2}[ \t](?:version|models?|weights|checkpoints?)"
          rf"[ \t]of[ \t]{{1,3}}{_THE}{_REF}", "quantized", 0.90, "medium"),
    _rule("converted_from", "converted",
          rf"converted[ \t]to[ \t][\w.\-]{{1,20}}(?:[ \t]format)?[ \t]from[ \t]{{1,3}}{_THE}{_REF}",
          "quantized", 0.95, "strong"),
    _rule("original_model", "original",
          rf"original[ \t](?:model|repo(?:sitory)?)[ \t:*]{{1,6}}{_REF}",
          "unspecified", 0.93, "strong"),
    _rule("version_of", "version of",
          r"\b(?:this|the)[ \t](?:(?:model|repo(?:sitory)?|checkpoint)[ \t])?(?:is|contains)"
          r"[ \t]an?[ \t](?P<words>[\w\-]{1,30}(?:[ \t][\w\-]{1,30}){0,3})[ \t]version[ \t]of"
          rf"[ \t]{{1,3}}{_THE}{_REF}",
          lambda match: relation_from_words(match.group("words")), 0.90, "medium"),
    _rule("finetuned_on", "tuned",
          rf"\bfine-?tuned[ \t]{{1,3}}{_REF}[ \t]{{1,3}}on\b", "finetune", 0.90, "medium"),
)


def candidates(evidence: ModelEvidence, index: RepoIndex) -> list[Candidate]:
    return scan(own_text(evidence.card_body), RULES)
