"""The LLaMA-1 wave of spring 2023: community uploads of the leaked weights, the Alpaca, Vicuna,
GPT4All and Koala seeds, and the bursts of derivatives after each.

Dates (shared/ROOTS.md): LLaMA announced 2023-02-24, weights leaked 2023-03-03, Alpaca 03-13,
Vicuna 03-19, GPT4All 03-25, Koala 04-03, Llama 2 2023-07-18. The repos below are the wave's
real ones; their creation days are approximate (a few days after each announcement, the
conversions of the leaked weights first: decapoda-research's within days of the leak,
huggyllama's a month later). They predate `base_model` (undocumented.FIELD_START): none of them
declares a parent; their cards name at most a family ("LLaMA-7B"), their files sometimes the
repo they were trained on (alpaca-lora's adapter_config.json names decapoda-research's
conversion). Nothing LLaMA-1 derived exists before the leak: the huggyllama roots are uploaded
on HUB_UPLOADED, and every derivative follows a top created before it.

Derivatives of the wave come in bursts after each seed (exponential delays, BURST_DAYS on
average, all before Llama 2), on top of the Hub's smooth growth, with the kind mix of the time
(WAVE_KINDS: LoRA adapters after alpaca-lora, GPTQ conversions; an assumption, no sample
covers spring 2023).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hub_double.generator.catalogue import DAY, HOUR, Kind, ts

LEAK = ts("2023-03-03")
LLAMA2 = ts("2023-07-18")
HUB_UPLOADED = {"LLaMA 1": "2023-04-03"}  # huggyllama's uploads, after the leak
BURST_SHARE = 0.01  # of all models: the spring-2023 bursts (about 20,000 on a 2M Hub; an
# estimate: the Hub held ~250,000 models then, thousands of them alpaca/vicuna copies and LoRAs)
BURST_DAYS = 12.0
WAVE_KINDS = {Kind.FINETUNE: 0.45, Kind.ADAPTER: 0.30, Kind.QUANTIZED: 0.20, Kind.MERGE: 0.05}


@dataclass(frozen=True)
class WaveModel:
    """A repo of the wave: when it appeared, what it derives from, and what its card says."""

    id: str
    created: str
    parent: str | None
    relation: str | None
    card: str
    popularity: float  # how many derivatives it attracts (alpaca-lora's many LoRA copies)
    library: str = "transformers"
    license: str | None = None


_CONVERTED = ("LLaMA-{size} converted to work with Transformers/HuggingFace. This is under a "
              "special license, please see the LICENSE file for details.")
WAVE: tuple[WaveModel, ...] = (
    *(WaveModel(f"decapoda-research/llama-{size}-hf", "2023-03-07", None, None,
                _CONVERTED.format(size=size.upper()), popularity, license="other")
      for size, popularity in (("7b", 2.0), ("13b", 1.0), ("30b", 0.4), ("65b", 0.3))),
    WaveModel("tloen/alpaca-lora-7b", "2023-03-14", "decapoda-research/llama-7b-hf", "adapter",
              "This repo contains a low-rank adapter for LLaMA-7b fit on the Stanford Alpaca "
              "dataset.", 2.5, "peft", "mit"),
    WaveModel("chavinlo/alpaca-native", "2023-03-16", "decapoda-research/llama-7b-hf",
              "finetune", "This is a replica of Alpaca by Stanford's tatsu-lab, trained natively "
              "with the original Alpaca instructions.", 1.5),
    WaveModel("chansung/alpaca-lora-13b", "2023-03-17", "decapoda-research/llama-13b-hf",
              "adapter", "LoRA weights of LLaMA-13B fine-tuned on the cleaned Alpaca data.", 0.5,
              "peft", "mit"),
    WaveModel("nomic-ai/gpt4all-lora", "2023-03-28", "decapoda-research/llama-7b-hf", "adapter",
              "An autoregressive transformer trained on data curated using Atlas, four full "
              "epochs of LoRA training on LLaMA 7B.", 1.0, "peft", "gpl-3.0"),
    WaveModel("lmsys/vicuna-13b-delta-v0", "2023-04-03", "decapoda-research/llama-13b-hf",
              "finetune", 'NOTE: This "delta model" cannot be used directly. Users have to apply '
              "it on top of the original LLaMA weights to get actual Vicuna weights.", 2.0,
              license="apache-2.0"),
    WaveModel("young-geng/koala", "2023-04-04", "huggyllama/llama-13b", "finetune",
              "Koala, a dialogue model for academic research: weight diffs against the original "
              "LLaMA 13B.", 0.8),
    WaveModel("eachadea/vicuna-13b", "2023-04-05", "lmsys/vicuna-13b-delta-v0", "unspecified",
              "Vicuna 13B with the delta applied, ready to use.", 1.0),
    WaveModel("lmsys/vicuna-7b-delta-v0", "2023-04-06", "decapoda-research/llama-7b-hf",
              "finetune", 'NOTE: This "delta model" cannot be used directly. Users have to apply '
              "it on top of the original LLaMA weights to get actual Vicuna weights.", 1.2,
              license="apache-2.0"),
    WaveModel("TheBloke/koala-13B-HF", "2023-04-08", "young-geng/koala", "unspecified",
              "Koala 13B merged with the original LLaMA 13B weights, in HF format.", 0.5),
    WaveModel("tatsu-lab/alpaca-7b-wdiff", "2023-04-14", "huggyllama/llama-7b", "finetune",
              "Weight diff for Stanford Alpaca-7B, to be added to the original LLaMA-7B "
              "weights.", 0.5, license="cc-by-nc-4.0"),
    WaveModel("nomic-ai/gpt4all-13b-snoozy", "2023-04-24", "huggyllama/llama-13b", "finetune",
              "A LLaMA 13B model finetuned on assistant style interaction data.", 0.8,
              license="gpl"),
    WaveModel("lmsys/vicuna-7b-v1.3", "2023-06-22", "huggyllama/llama-7b", "finetune",
              "Vicuna is a chat assistant trained by fine-tuning LLaMA on user-shared "
              "conversations collected from ShareGPT.", 1.5, license="other"),
    WaveModel("lmsys/vicuna-13b-v1.3", "2023-06-22", "huggyllama/llama-13b", "finetune",
              "Vicuna is a chat assistant trained by fine-tuning LLaMA on user-shared "
              "conversations collected from ShareGPT.", 1.0, license="other"),
)
WAVE_CARDS = {w.id: w.card for w in WAVE}
CONVERSIONS = {w.id: "llama" for w in WAVE if w.parent is None}  # roots of the full lineage


def burst(rng: np.random.Generator, count: int, fixed: Sequence[Any],
          end: int) -> tuple[np.ndarray, np.ndarray]:
    """(creation times, indexes into `fixed` of the wave top each joins) of `count` burst
    derivatives: a seed by popularity, then an exponential delay after it, before `end`."""
    seeds = np.array([i for i, f in enumerate(fixed) if f.id in WAVE_CARDS], np.int64)
    if count == 0 or len(seeds) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    weight = np.array([fixed[i].popularity for i in seeds])
    chosen = seeds[rng.choice(len(seeds), count, p=weight / weight.sum())]
    start = np.array([fixed[i].time for i in chosen], np.int64) + HOUR
    span = np.maximum(end - start, HOUR) / (BURST_DAYS * DAY)  # the exponential, cut at `end`
    delay = -np.log1p(-rng.random(count) * -np.expm1(-span)) * BURST_DAYS * DAY
    return start + delay.astype(np.int64), chosen


def burst_size(n_models: int, lineage_count: int) -> int:
    return min(round(BURST_SHARE * n_models), lineage_count // 4)


def wave_kinds(rng: np.random.Generator, kind: np.ndarray, tree: np.ndarray, time: np.ndarray,
               fixed: Mapping[int, Any]) -> None:
    """Derivatives of LLaMA-1 trees made before Llama 2 take the wave's kind mix (in place)."""
    tops = [i for i, f in fixed.items() if f.id in WAVE_CARDS or (
        f.release is not None and f.release.name == "LLaMA 1")]
    members = np.flatnonzero(np.isin(tree, tops) & (kind >= Kind.FINETUNE) & (time < LLAMA2))
    kinds = np.array(list(WAVE_KINDS), np.int8)
    shares = np.array(list(WAVE_KINDS.values()))
    kind[members] = rng.choice(kinds, len(members), p=shares / shares.sum())
