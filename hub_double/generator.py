"""A seeded synthetic Hugging Face Hub: the LLaMA and DeepSeek trees amid unrelated families.

The crawler and the analyzer need a Hub whose answers are known. `generate_hub` fills a HubStore
with served rows and, next to them, the ground truth: every model's family, roots, declared license
and depth, and every parent edge with its declared relation. The graph is shaped after the real
edges in shared/hub-samples (share of models with children, multi-parent share, heavy-tailed
fan-out, relation mix) and carries the metadata mess real crawls meet: missing or broken YAML,
relations only in tags or nowhere, URLs for parents, parents that do not exist, self-references,
odd licenses, non-UTF-8 and megabyte cards.

Same (n_models, seed) gives the same Hub: every random draw comes from numpy Generators seeded
here and every timestamp is a fixed instant, never the clock. The graph lives in compact numpy
arrays (a parent always has a smaller index than its children: indexes are creation order) and
rows are written in chunks, so two million models fit in a few GB.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import yaml

from crawler.roots import Release, load_roots
from hub_double.store import HubStore, fake_sha

DAY = 86_400
HOUR = 3_600
CHUNK = 100_000  # rows per add_models call: bounds the memory of one DataFrame


def _ts(day: str) -> int:
    """Seconds since the epoch of a naive-UTC ISO date or datetime."""
    return int(np.datetime64(day, "s").astype(np.int64))


HUB_START = _ts("2022-03-02")  # the Hub's legacy repos all carry this creation date
HUB_END = _ts("2025-10-31")  # the last creation instant: the Hub ends before 2025-11-01
UNSLOTH_START = _ts("2023-12-01")
GROWTH = math.log(2) / (270 * DAY)  # the Hub's model count doubles about every nine months


class Kind(IntEnum):
    """What a model is in the graph; decides its name, tags and how attractive a parent it is."""

    ROOT = 0  # a LLaMA/DeepSeek release listed in roots.toml
    BASE = 1  # a famous background base (Qwen, Mistral, Gemma, Phi, BERT, ...)
    REUPLOAD = 2  # unsloth/<name> and unsloth/<name>-bnb-4bit, between a base and its fine-tunes
    STANDALONE = 3  # a background model declaring no parent; a few get small trees of their own
    FINETUNE = 4
    ADAPTER = 5
    QUANTIZED = 6
    MERGE = 7


class Mess(IntEnum):
    """Metadata defects; each model has at most one, so tests can find every case by its marks."""

    CLEAN = 0
    NO_YAML = 1  # README without a YAML header: card_data NULL, relations only in tags
    BROKEN_YAML = 2  # card stored verbatim with unparseable YAML; tags still name the parents
    UNSPECIFIED = 3  # no relation anywhere: tags carry only base_model:<parent>
    URL_PARENT = 4  # card's base_model is https://huggingface.co/<id>; tags carry the clean id
    UNKNOWN_LICENSE = 5  # a license id the Hub does not know, e.g. llama-3-community
    LATIN1 = 6  # card stored verbatim with latin-1 and invalid UTF-8 bytes in its body
    LONG_CARD = 7  # card stored verbatim, 1-2 MB
    MISSING_PARENT = 8  # the only parent named (card and tags) does not exist
    SELF_REFERENCE = 9  # the card lists the model itself among its base models
    GATED = 10  # a gated derivative
    NO_README = 11  # a standalone model with no README at all
    EXTRA_MISSING_PARENT = 12  # card and tags name the real parent and one that does not exist


RELATIONS = {Kind.FINETUNE: "finetune", Kind.ADAPTER: "adapter", Kind.QUANTIZED: "quantized",
             Kind.MERGE: "merge"}
DERIVED_SHARES = {Kind.FINETUNE: 0.505, Kind.QUANTIZED: 0.44, Kind.ADAPTER: 0.012,
                  Kind.MERGE: 0.043}  # gives the real edge mix once merges count 2-10 parents

# Shape knobs, tuned so the generated lineage graph matches the real edge sample's statistics.
STANDALONE_SHARE = 0.5  # of the background models: those declaring no parent
SMALL_TREE_SHARE = 0.45  # background derivatives hanging under a standalone rather than a base
STANDALONE_PRODUCTIVE = 0.15  # standalones that can become parents
TOP_GROUP_SHARE = 0.45  # children taking a tree's top (or its unsloth re-uploads) as parent
MERGE_TOP_SHARE = 0.05
CROSS_TREE_SHARE = 0.25  # merge parents drawn from the whole Hub rather than the same tree
PRODUCTIVE = {Kind.FINETUNE: 0.5, Kind.MERGE: 0.5}  # derivatives that can become parents
PARETO_SHAPE = 2.5  # parent attractiveness: a few fine-tunes gather most grandchildren
MERGE_EXTRA_P = 0.3  # extra merge parents ~ geometric(p): 2-4 mostly, up to MAX_MERGE_PARENTS
MAX_MERGE_PARENTS = 10
REUPLOAD_WEIGHTS = (1.0, 0.8, 1.5)  # top, unsloth/<name>, unsloth/<name>-bnb-4bit


# -- static data --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Base:
    """A famous background base model and what its tree looks like."""

    id: str
    released: str
    license: str | None
    popularity: float
    arch: str = "llama"
    pipeline: str = "text-generation"
    library: str = "transformers"
    gated: str | None = None
    reupload: bool = False


# Priority order: at small n only the first few are created (the first four carry the R1 distills).
BACKGROUND_BASES: tuple[Base, ...] = (
    Base("Qwen/Qwen2.5-Math-1.5B", "2024-09-19", "apache-2.0", 1.5, "qwen2"),
    Base("Qwen/Qwen2.5-Math-7B", "2024-09-19", "apache-2.0", 1.0, "qwen2"),
    Base("Qwen/Qwen2.5-14B", "2024-09-19", "apache-2.0", 1.2, "qwen2"),
    Base("Qwen/Qwen2.5-32B", "2024-09-19", "apache-2.0", 1.0, "qwen2"),
    Base("mistralai/Mistral-7B-v0.1", "2023-09-27", "apache-2.0", 6.0, "mistral", reupload=True),
    Base("Qwen/Qwen2.5-7B-Instruct", "2024-09-16", "apache-2.0", 6.0, "qwen2", reupload=True),
    Base("microsoft/Phi-3-mini-4k-instruct", "2024-04-23", "mit", 4.0, "phi3", reupload=True),
    Base("google/gemma-2-9b", "2024-06-24", "gemma", 3.0, "gemma2", gated="manual",
         reupload=True),
    Base("mistralai/Mistral-7B-Instruct-v0.2", "2023-12-11", "apache-2.0", 5.0, "mistral",
         reupload=True),
    Base("google-bert/bert-base-uncased", "2022-03-02", "apache-2.0", 6.0, "bert", "fill-mask"),
    Base("openai-community/gpt2", "2022-03-02", "mit", 4.0, "gpt2"),
    Base("Qwen/Qwen2-7B-Instruct", "2024-06-04", "apache-2.0", 3.0, "qwen2"),
    Base("microsoft/phi-2", "2023-12-13", "mit", 2.5, "phi"),
    Base("Qwen/Qwen3-8B", "2025-04-28", "apache-2.0", 5.0, "qwen3", reupload=True),
    Base("google/gemma-7b", "2024-02-08", "gemma", 2.0, "gemma", gated="manual"),
    Base("mistralai/Mixtral-8x7B-v0.1", "2023-12-01", "apache-2.0", 1.5, "mixtral"),
    Base("microsoft/Phi-3.5-mini-instruct", "2024-08-16", "mit", 3.0, "phi3", reupload=True),
    Base("FacebookAI/roberta-base", "2022-03-02", "mit", 3.0, "roberta", "fill-mask"),
    Base("distilbert/distilbert-base-uncased", "2022-03-02", "apache-2.0", 4.0, "distilbert",
         "fill-mask"),
    Base("google/gemma-3-4b-it", "2025-03-12", "gemma", 3.0, "gemma3", "image-text-to-text",
         gated="manual"),
    Base("mistralai/Mistral-Nemo-Instruct-2407", "2024-07-18", "apache-2.0", 2.5, "mistral"),
    Base("tiiuae/falcon-7b", "2023-04-24", "apache-2.0", 1.5, "falcon"),
    Base("EleutherAI/pythia-410m", "2023-02-13", "apache-2.0", 1.0, "gpt_neox"),
    Base("openai/whisper-small", "2022-09-26", "apache-2.0", 3.0, "whisper",
         "automatic-speech-recognition"),
    Base("google/vit-base-patch16-224", "2022-03-02", "apache-2.0", 2.5, "vit",
         "image-classification"),
    Base("sentence-transformers/all-MiniLM-L6-v2", "2022-03-02", "apache-2.0", 3.0, "bert",
         "sentence-similarity", "sentence-transformers"),
    Base("stable-diffusion-v1-5/stable-diffusion-v1-5", "2022-10-20", "creativeml-openrail-m",
         3.0, "", "text-to-image", "diffusers"),
    Base("microsoft/phi-4", "2024-12-11", "mit", 2.0, "phi3", reupload=True),
    Base("Qwen/Qwen2.5-Coder-7B-Instruct", "2024-09-17", "apache-2.0", 2.0, "qwen2"),
    Base("bigscience/bloom-560m", "2022-05-19", "bigscience-bloom-rail-1.0", 1.0, "bloom"),
    Base("google-t5/t5-base", "2022-03-02", "apache-2.0", 2.0, "t5", "text2text-generation"),
    Base("HuggingFaceTB/SmolLM2-1.7B-Instruct", "2024-10-31", "apache-2.0", 2.0),
    Base("google/gemma-2-2b-it", "2024-07-16", "gemma", 2.5, "gemma2", gated="manual"),
    Base("Qwen/Qwen2.5-0.5B-Instruct", "2024-09-16", "apache-2.0", 3.0, "qwen2"),
    Base("mistralai/Mistral-Small-24B-Instruct-2501", "2025-01-28", "apache-2.0", 1.5, "mistral"),
    Base("openai/gpt-oss-20b", "2025-08-04", "apache-2.0", 2.0, "gpt_oss"),
    Base("Qwen/Qwen3-4B", "2025-04-28", "apache-2.0", 3.0, "qwen3"),
    Base("TinyLlama/TinyLlama-1.1B-Chat-v1.0", "2023-12-30", "apache-2.0", 2.0),
    Base("allenai/OLMo-2-1124-7B", "2024-11-26", "apache-2.0", 0.8, "olmo2"),
    Base("stabilityai/stablelm-2-1_6b", "2024-01-18", "other", 0.8, "stablelm"),
)
REQUIRED_BASES = 4

# R1 distills are roots of DeepSeek-R1 and, on the real Hub, fine-tunes of other bases.
DISTILL_PARENTS = {
    "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B": "Qwen/Qwen2.5-Math-1.5B",
    "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B": "Qwen/Qwen2.5-Math-7B",
    "deepseek-ai/DeepSeek-R1-Distill-Qwen-14B": "Qwen/Qwen2.5-14B",
    "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B": "Qwen/Qwen2.5-32B",
    "deepseek-ai/DeepSeek-R1-Distill-Llama-8B": "meta-llama/Llama-3.1-8B",
    "deepseek-ai/DeepSeek-R1-Distill-Llama-70B": "meta-llama/Llama-3.3-70B-Instruct",
}
# Relative pull of each root on derivatives, after the sizes of the real Hub's model trees.
ROOT_POPULARITY = {
    "huggyllama/llama-7b": 3.0, "huggyllama/llama-13b": 1.5, "huggyllama/llama-30b": 0.8,
    "huggyllama/llama-65b": 0.5, "meta-llama/Llama-2-7b": 0.5, "meta-llama/Llama-2-7b-hf": 8.0,
    "meta-llama/Llama-2-13b-hf": 3.0, "meta-llama/Llama-2-70b-hf": 1.5,
    "meta-llama/Llama-2-7b-chat-hf": 8.0, "meta-llama/Llama-2-13b-chat-hf": 2.5,
    "meta-llama/Llama-2-70b-chat-hf": 1.5, "meta-llama/Meta-Llama-3-8B": 10.0,
    "meta-llama/Meta-Llama-3-8B-Instruct": 14.0, "meta-llama/Meta-Llama-3-70B": 1.0,
    "meta-llama/Meta-Llama-3-70B-Instruct": 2.5, "meta-llama/Llama-3.1-8B": 8.0,
    "meta-llama/Llama-3.1-8B-Instruct": 20.0, "meta-llama/Llama-3.1-70B": 1.0,
    "meta-llama/Llama-3.1-70B-Instruct": 3.0, "meta-llama/Llama-3.1-405B": 0.3,
    "meta-llama/Llama-3.1-405B-Instruct": 0.5, "meta-llama/Llama-3.2-1B": 5.0,
    "meta-llama/Llama-3.2-1B-Instruct": 10.0, "meta-llama/Llama-3.2-3B": 4.0,
    "meta-llama/Llama-3.2-3B-Instruct": 14.0, "meta-llama/Llama-3.2-11B-Vision": 1.0,
    "meta-llama/Llama-3.2-90B-Vision": 0.2, "meta-llama/Llama-3.3-70B-Instruct": 4.0,
    "meta-llama/Llama-4-Scout-17B-16E": 0.5, "meta-llama/Llama-4-Scout-17B-16E-Instruct": 1.5,
    "meta-llama/Llama-4-Maverick-17B-128E": 0.2,
    "meta-llama/Llama-4-Maverick-17B-128E-Instruct": 0.6,
    "deepseek-ai/deepseek-coder-6.7b-base": 1.5, "deepseek-ai/deepseek-coder-6.7b-instruct": 2.0,
    "deepseek-ai/deepseek-coder-33b-instruct": 0.8, "deepseek-ai/deepseek-coder-1.3b-base": 1.0,
    "deepseek-ai/deepseek-llm-7b-base": 0.8, "deepseek-ai/deepseek-llm-7b-chat": 0.8,
    "deepseek-ai/deepseek-llm-67b-chat": 0.3, "deepseek-ai/DeepSeek-V2": 0.2,
    "deepseek-ai/DeepSeek-V2-Lite": 0.5, "deepseek-ai/DeepSeek-V2-Chat": 0.2,
    "deepseek-ai/DeepSeek-V3": 2.0, "deepseek-ai/DeepSeek-V3-Base": 0.5,
    "deepseek-ai/DeepSeek-V3-0324": 1.5, "deepseek-ai/DeepSeek-R1": 4.0,
    "deepseek-ai/DeepSeek-R1-Zero": 0.3, "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B": 6.0,
    "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B": 6.0, "deepseek-ai/DeepSeek-R1-Distill-Qwen-14B": 4.0,
    "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B": 4.0,
    "deepseek-ai/DeepSeek-R1-Distill-Llama-8B": 6.0,
    "deepseek-ai/DeepSeek-R1-Distill-Llama-70B": 2.0,
}
ROOT_ARXIV = {"LLaMA 1": "2302.13971", "Llama 2": "2307.09288", "Llama 3.1": "2407.21783",
              "DeepSeek LLM": "2401.02954", "DeepSeek Coder": "2401.14196",
              "DeepSeek-V2": "2405.04434", "DeepSeek-V3": "2412.19437",
              "DeepSeek-R1": "2501.12948"}


@dataclass(frozen=True)
class Style:
    """What a tree's models look like: architecture, task, library and a size for names."""

    arch: str
    pipeline: str
    library: str
    size: str | None = None


STANDALONE_STYLES: tuple[tuple[Style, float], ...] = (
    (Style("bert", "text-classification", "transformers"), 0.2),
    (Style("llama", "text-generation", "transformers"), 0.15),
    (Style("gpt2", "text-generation", "transformers"), 0.08),
    (Style("qwen2", "text-generation", "transformers"), 0.08),
    (Style("", "reinforcement-learning", "stable-baselines3"), 0.1),
    (Style("vit", "image-classification", "transformers"), 0.08),
    (Style("whisper", "automatic-speech-recognition", "transformers"), 0.06),
    (Style("", "text-to-image", "diffusers"), 0.08),
    (Style("bert", "sentence-similarity", "sentence-transformers"), 0.06),
    (Style("t5", "text2text-generation", "transformers"), 0.05),
    (Style("", "tabular-classification", "sklearn"), 0.03),
    (Style("roberta", "token-classification", "transformers"), 0.03),
)
CHILD_PIPELINE = {"fill-mask": "text-classification"}


@dataclass(frozen=True)
class QuantFormat:
    """A quantization format: how its repos are named and tagged, and who publishes them."""

    key: str
    share: float
    library: str
    tags: tuple[str, ...]
    suffixes: tuple[str, ...]  # for houses first; users also pick the others
    since: int
    houses: tuple[tuple[str, int, int], ...]  # (author, active from, active until)


QUANT_FORMATS: tuple[QuantFormat, ...] = (
    QuantFormat("gguf", 0.55, "gguf", ("gguf",), ("GGUF", "Q4_K_M-GGUF", "i1-GGUF"),
                _ts("2023-08-21"),
                (("TheBloke", _ts("2023-08-21"), _ts("2024-02-01")),
                 ("bartowski", _ts("2024-03-01"), HUB_END),
                 ("mradermacher", _ts("2024-03-01"), HUB_END),
                 ("QuantFactory", _ts("2024-05-01"), HUB_END),
                 ("lmstudio-community", _ts("2024-04-01"), HUB_END),
                 ("MaziyarPanahi", _ts("2024-01-01"), HUB_END),
                 ("second-state", _ts("2024-02-01"), HUB_END),
                 ("RichardErkhov", _ts("2024-04-01"), HUB_END))),
    QuantFormat("gptq", 0.1, "transformers", ("gptq", "4-bit"), ("GPTQ", "GPTQ-Int4"),
                _ts("2023-04-01"), (("TheBloke", _ts("2023-05-01"), _ts("2024-02-01")),)),
    QuantFormat("awq", 0.06, "transformers", ("awq", "4-bit"), ("AWQ",),
                _ts("2023-09-01"),
                (("TheBloke", _ts("2023-09-01"), _ts("2024-02-01")),
                 ("solidrust", _ts("2024-03-01"), HUB_END))),
    QuantFormat("mlx", 0.12, "mlx", ("mlx",), ("4bit", "8bit", "mlx"), _ts("2023-12-05"),
                (("mlx-community", _ts("2023-12-05"), HUB_END),)),
    QuantFormat("exl2", 0.07, "transformers", ("exl2",), ("exl2", "4.0bpw-exl2", "6.5bpw-exl2"),
                _ts("2023-09-12"),
                (("LoneStriker", _ts("2023-10-01"), _ts("2024-12-01")),
                 ("turboderp", _ts("2023-09-12"), HUB_END))),
    QuantFormat("bnb", 0.1, "transformers", ("4-bit", "bitsandbytes"), ("bnb-4bit",),
                HUB_START, ()),
)
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
DATASETS = ("tatsu-lab/alpaca", "yahma/alpaca-cleaned", "Open-Orca/OpenOrca",
            "HuggingFaceH4/ultrachat_200k", "teknium/OpenHermes-2.5", "vicgalle/alpaca-gpt4",
            "mlabonne/orpo-dpo-mix-40k", "databricks/databricks-dolly-15k", "openai/gsm8k",
            "HuggingFaceH4/ultrafeedback_binarized", "garage-bAInd/Open-Platypus",
            "cognitivecomputations/dolphin", "Intel/orca_dpo_pairs", "imdb", "squad")
ARXIV = {Kind.FINETUNE: ("2305.18290", "2403.07691", "2203.02155"),
         Kind.ADAPTER: ("2106.09685", "2305.14314"),
         Kind.MERGE: ("2306.01708", "2311.03099", "2403.19522", "2203.05482"),
         Kind.QUANTIZED: ("2210.17323", "2306.00978")}
BENCHMARKS = (("AI2 Reasoning Challenge (25-Shot)", "ai2_arc", "acc_norm"),
              ("HellaSwag (10-Shot)", "hellaswag", "acc_norm"),
              ("MMLU (5-Shot)", "cais/mmlu", "acc"),
              ("GSM8k (5-shot)", "gsm8k", "acc"))
DRIFT_LICENSES = ("apache-2.0", "mit", "cc-by-nc-4.0", "apache-2.0", "mit")
UNKNOWN_LICENSES = ("llama-3-community", "llama3-community", "llama-2-community",
                    "deepseek-license", "apache2")
OPEN_LICENSES = ("apache-2.0", "mit", "cc-by-4.0", "openrail", "cc-by-nc-4.0", "gpl-3.0")
# License behaviour of a derivative: inherit, drift, 'other' with a name and link, none at all.
LICENSE_MODES = (0.72, 0.07, 0.05, 0.16)


# -- fixed nodes: roots, famous bases, re-uploads -----------------------------------------------
@dataclass(frozen=True)
class Fixed:
    """A hand-placed model: a root, a background base or a re-upload, with its own metadata."""

    id: str
    time: int
    kind: Kind
    lineage: bool  # belongs to the LLaMA/DeepSeek share of the Hub
    style: Style
    license: str | None
    popularity: float = 0.0  # for a tree top: how many derivatives it attracts
    parents: tuple[str, ...] = ()
    relation: str | None = None
    gated: str | None = None
    top: str | None = None  # the tree a re-upload sits in
    release: Release | None = None


def _size(name: str) -> str | None:
    match = SIZE.search(name)
    return f"{match.group(1)}B" if match else None


def _root_style(model_id: str, release: Release) -> Style:
    """Architecture guessed from the repo name, so an edited roots.toml still works."""
    name = model_id.lower()
    if "vision" in name:
        return Style("mllama", "image-text-to-text", "transformers", _size(model_id))
    arch = {"Llama 4": "llama4", "DeepSeek-V2": "deepseek_v2", "DeepSeek-V3": "deepseek_v3",
            "DeepSeek-R1": "deepseek_v3"}.get(release.name, "llama")
    if "distill-qwen" in name:
        arch = "qwen2"
    elif "distill-llama" in name:
        arch = "llama"
    return Style(arch, "text-generation", "transformers", _size(model_id))


def _root_popularity(model_id: str, rng: np.random.Generator) -> float:
    """How many derivatives a root attracts: the table, else a guess from the repo name.

    The guess (for roots added to roots.toml later): 7-8B instruction-tuned models attract most
    derivatives, tiny models and giant MoEs few.
    """
    if model_id in ROOT_POPULARITY:
        return ROOT_POPULARITY[model_id] * float(rng.lognormal(0.0, 0.2))
    size = _size(model_id)
    params = float(size[:-1]) if size else 300.0
    name = model_id.lower()
    boost = 1.5 if ("instruct" in name or "chat" in name) else 1.0
    boost *= 0.3 if "vision" in name else 1.0
    closeness = math.exp(-0.5 * math.log(params / 8.0) ** 2)
    return 8.0 * max(closeness, 0.01) * boost * float(rng.lognormal(0.0, 0.5))


def _roots(rng: np.random.Generator) -> list[Fixed]:
    nodes = []
    for release in load_roots().releases:
        for j, model_id in enumerate(release.models):
            parent = DISTILL_PARENTS.get(model_id)
            nodes.append(Fixed(
                id=model_id, time=_ts(release.released.isoformat()) + 15 * HOUR + 60 * j,
                kind=Kind.ROOT, lineage=True, style=_root_style(model_id, release),
                license=release.license or None, popularity=_root_popularity(model_id, rng),
                parents=(parent,) if parent else (), relation="finetune" if parent else None,
                gated="manual" if model_id.startswith("meta-llama/") else None, release=release,
            ))
    return nodes


def _bases(n: int) -> list[Fixed]:
    count = min(len(BACKGROUND_BASES), max(REQUIRED_BASES, REQUIRED_BASES + (n - 100) // 60))
    return [Fixed(id=b.id, time=_ts(b.released) + 12 * HOUR + 60 * j, kind=Kind.BASE,
                  lineage=False, style=Style(b.arch, b.pipeline, b.library, _size(b.id)),
                  license=b.license, popularity=b.popularity, gated=b.gated)
            for j, b in enumerate(BACKGROUND_BASES[:count])]


def _reuploads(tops: list[Fixed], n: int) -> list[Fixed]:
    """unsloth copies of the most popular small text models, a few days after each release."""
    wanted = {b.id for b in BACKGROUND_BASES if b.reupload}
    candidates = [t for t in tops if t.style.pipeline == "text-generation" and (
        t.id in wanted or (t.lineage and t.style.size and float(t.style.size[:-1]) <= 14))]
    candidates.sort(key=lambda t: -t.popularity)
    nodes = []
    for top in candidates[: max(0, (n - 100) // 400)]:
        when = max(top.time + 2 * DAY, UNSLOTH_START + DAY)
        name = top.id.split("/")[1]
        for j, (suffix, relation) in enumerate((("", "finetune"), ("-bnb-4bit", "quantized"))):
            nodes.append(Fixed(
                id=f"unsloth/{name}{suffix}", time=when + j * HOUR, kind=Kind.REUPLOAD,
                lineage=top.lineage, style=top.style, license=top.license,
                parents=(top.id,), relation=relation, top=top.id,
            ))
    return nodes


def fixed_models(n: int, rng: np.random.Generator) -> list[Fixed]:
    """Every root, the background bases and re-uploads that fit in an n-model Hub."""
    tops = _roots(rng) + _bases(n)
    return tops + _reuploads(tops, n)


# -- the graph ----------------------------------------------------------------------------------
@dataclass
class Graph:
    """The Hub's lineage as arrays indexed by creation order (parents precede children)."""

    time: np.ndarray  # int64 seconds since the epoch, strictly increasing
    kind: np.ndarray  # int8 Kind
    tree: np.ndarray  # int64 index of the tree's top model
    style: np.ndarray  # int32 index into `styles`
    indptr: np.ndarray  # parents of i are parents[indptr[i]:indptr[i + 1]], primary first
    parents: np.ndarray
    fixed: dict[int, Fixed]
    styles: list[Style]

    @property
    def size(self) -> int:
        return len(self.time)

    def children_count(self) -> np.ndarray:
        return np.bincount(self.parents, minlength=self.size)


def _growth_times(rng: np.random.Generator, count: int, start: int, end: int) -> np.ndarray:
    """Creation instants on [start, end] with the Hub's exponential growth (inverse CDF)."""
    span = GROWTH * (end - start)
    u = rng.random(count)
    return start + (np.log1p(u * np.expm1(span)) / GROWTH).astype(np.int64)


def _choose_trees(rng: np.random.Generator, times: np.ndarray, top_times: np.ndarray,
                  popularity: np.ndarray) -> np.ndarray:
    """For each instant, a tree top created an hour earlier, favouring popular and recent ones.

    Popularity decays with the top's age, evaluated per month; within a month each instant sees
    only the tops already created, via a per-row cumulative sum laid out flat (row b in [b, b+1]).
    """
    order = np.argsort(top_times, kind="stable")
    tt, pop = top_times[order], popularity[order]
    months, row = np.unique((times - HUB_START) // (30 * DAY), return_inverse=True)
    middle = HUB_START + months * 30 * DAY + 15 * DAY
    age = np.clip((middle[:, None] - tt[None, :]) / DAY, 0.0, None)
    cum = np.cumsum(pop[None, :] * (1.0 + age / 180.0) ** -1.0, axis=1)
    cum /= cum[:, -1:]
    eligible = np.searchsorted(tt, times - HOUR, side="left")  # >= 1 by the callers' windows
    x = row + rng.random(len(times)) * cum[row, eligible - 1]
    flat = (cum + np.arange(len(months))[:, None]).ravel()
    pos = np.searchsorted(flat, x, side="right") - row * len(tt)
    return order[np.clip(pos, 0, eligible - 1)]


def _choose_standalone(rng: np.random.Generator, times: np.ndarray, st_times: np.ndarray,
                       weight: np.ndarray) -> np.ndarray:
    """A productive standalone created an hour before each instant, or -1 when there is none."""
    order = np.argsort(st_times, kind="stable")
    c0 = np.concatenate([[0.0], np.cumsum(weight[order])])
    eligible = np.searchsorted(st_times[order], times - HOUR, side="left")
    u = rng.random(len(times)) * c0[eligible]
    pos = np.clip(np.searchsorted(c0, u, side="right") - 1, 0, len(order) - 1)
    return np.where(c0[eligible] > 0, order[pos], -1)


@dataclass
class _Draft:
    """Models before they are sorted into creation order; trees point at draft indexes."""

    time: np.ndarray
    kind: np.ndarray
    tree: np.ndarray
    style: np.ndarray
    top_weight: np.ndarray  # how strongly a tree top attracts children (for cross-tree merges)


def _draft(fixed: list[Fixed], n: int, lineage_share: float, rng: np.random.Generator) -> _Draft:
    """Place every model in time and in a tree: fixed ones, standalones, then derivatives."""
    n_fixed = len(fixed)
    if n < n_fixed + 10:
        raise ValueError(f"a Hub with these roots needs at least {n_fixed + 10} models")
    n_lineage = max(0, round(lineage_share * n) - sum(f.lineage for f in fixed))
    n_lineage = min(n_lineage, n - n_fixed - 10)
    rest = n - n_fixed - n_lineage
    n_standalone = max(5, round(STANDALONE_SHARE * rest))
    n_background = rest - n_standalone

    index = {f.id: i for i, f in enumerate(fixed)}
    time = np.empty(n, np.int64)
    kind = np.full(n, Kind.FINETUNE, np.int8)
    tree = np.arange(n, dtype=np.int64)
    style = np.empty(n, np.int32)
    top_weight = np.zeros(n)
    for i, f in enumerate(fixed):
        time[i], kind[i], top_weight[i] = f.time, f.kind, f.popularity
        tree[i] = index[f.top] if f.top else i
        style[i] = len(STANDALONE_STYLES) + i

    st = slice(n_fixed, n_fixed + n_standalone)
    time[st] = _growth_times(rng, n_standalone, HUB_START, HUB_END - DAY)
    kind[st] = Kind.STANDALONE
    shares = np.array([s for _, s in STANDALONE_STYLES])
    style[st] = rng.choice(len(shares), n_standalone, p=shares / shares.sum())
    productive = rng.random(n_standalone) < STANDALONE_PRODUCTIVE
    top_weight[st] = np.where(productive, rng.pareto(PARETO_SHAPE, n_standalone) + 0.2, 0.0)

    tops = [i for i, f in enumerate(fixed) if f.kind in (Kind.ROOT, Kind.BASE)]
    for lineage, lo, count in ((True, n_fixed + n_standalone, n_lineage),
                               (False, n_fixed + n_standalone + n_lineage, n_background)):
        group = np.array([i for i in tops if fixed[i].lineage == lineage])
        start = int(time[group].min()) + DAY
        times = _growth_times(rng, count, start, HUB_END - DAY)
        chosen = group[_choose_trees(rng, times, time[group], top_weight[group])]
        if not lineage:
            small = _choose_standalone(rng, times, time[st], top_weight[st])
            use_small = (small >= 0) & (rng.random(count) < SMALL_TREE_SHARE)
            chosen = np.where(use_small, small + n_fixed, chosen)
        time[lo:lo + count] = times
        tree[lo:lo + count] = chosen
    derived = kind == Kind.FINETUNE
    style[derived] = style[tree[derived]]
    return _Draft(time, kind, tree, style, top_weight)


def _in_creation_order(draft: _Draft) -> tuple[np.ndarray, np.ndarray]:
    """The permutation sorting drafts by time, and times made strictly increasing."""
    order = np.argsort(draft.time, kind="stable")
    steps = np.arange(len(order), dtype=np.int64)
    times = np.maximum.accumulate(draft.time[order] - steps) + steps
    return order, times


def _sample_kinds(rng: np.random.Generator, kind: np.ndarray) -> None:
    derived = np.flatnonzero(kind == Kind.FINETUNE)
    kinds = np.array(list(DERIVED_SHARES), np.int8)
    shares = np.array(list(DERIVED_SHARES.values()))
    kind[derived] = rng.choice(kinds, len(derived), p=shares / shares.sum())


def _parent_weights(rng: np.random.Generator, kind: np.ndarray) -> np.ndarray:
    """Heavy-tailed attractiveness of derivatives as parents; quantized and adapters get none."""
    weight = np.zeros(len(kind))
    for k, share in PRODUCTIVE.items():
        idx = np.flatnonzero(kind == k)
        productive = rng.random(len(idx)) < share
        weight[idx] = np.where(productive, rng.pareto(PARETO_SHAPE, len(idx)) + 0.1, 0.0)
    return weight


class _TreePicker:
    """Draws parents inside a child's tree: the top group, or an earlier derivative by weight."""

    def __init__(self, kind: np.ndarray, tree: np.ndarray, time: np.ndarray,
                 weight: np.ndarray, fixed: dict[int, Fixed]) -> None:
        n = len(tree)
        self.kind, self.tree, self.time, self.weight = kind, tree, time, weight
        self.order = np.lexsort((np.arange(n), tree))
        self.pos = np.empty(n, np.int64)
        self.pos[self.order] = np.arange(n)
        self.c0 = np.concatenate([[0.0], np.cumsum(weight[self.order])])
        sorted_tree = tree[self.order]
        self.start = np.empty(n, np.int64)
        self.start[self.order] = np.searchsorted(sorted_tree, sorted_tree, side="left")
        self._build_groups(fixed)

    def _build_groups(self, fixed: dict[int, Fixed]) -> None:
        """Each tree's top and its re-uploads (3 slots): the parents most children choose."""
        self.tops = np.unique(self.tree)
        slots = len(REUPLOAD_WEIGHTS)
        self.members = np.full((len(self.tops), slots), -1, np.int64)
        self.members[:, 0] = self.tops
        by_id = {f.id: i for i, f in fixed.items()}
        for i, f in fixed.items():
            if f.kind == Kind.REUPLOAD:
                row = np.searchsorted(self.tops, by_id[f.top])
                self.members[row, 1 if f.relation == "finetune" else 2] = i

    def top_group(self, rng: np.random.Generator, nodes: np.ndarray) -> np.ndarray:
        """The tree's top or one of its re-uploads already created, by REUPLOAD_WEIGHTS."""
        members = self.members[np.searchsorted(self.tops, self.tree[nodes])]
        weight = np.where(members >= 0, np.array(REUPLOAD_WEIGHTS)[None, :], 0.0)
        weight[self.time[np.maximum(members, 0)] >= self.time[nodes][:, None]] = 0.0
        weight[self.kind[nodes] == Kind.QUANTIZED, 2] = 0.0  # nobody re-quantizes the bnb copy
        cum = np.cumsum(weight, axis=1)
        u = rng.random(len(nodes)) * cum[:, -1]
        slot = np.minimum((cum <= u[:, None]).sum(axis=1), len(REUPLOAD_WEIGHTS) - 1)
        return members[np.arange(len(nodes)), slot]

    def weighted(self, rng: np.random.Generator, nodes: np.ndarray) -> np.ndarray:
        """An earlier derivative of the same tree by weight, or -1 where none has weight."""
        j, s = self.pos[nodes], self.start[nodes]
        low, avail = self.c0[s], self.c0[j] - self.c0[s]
        u = low + rng.random(len(nodes)) * avail
        k = np.clip(np.searchsorted(self.c0, u, side="right") - 1, s, np.maximum(j - 1, s))
        found = self.order[k]
        ok = (avail > 0) & (self.weight[found] > 0) & (found < nodes)
        return np.where(ok, found, -1)

    def pick(self, rng: np.random.Generator, nodes: np.ndarray,
             top_share: float | np.ndarray) -> np.ndarray:
        """The top group with probability top_share (or when nothing else qualifies)."""
        inside = self.weighted(rng, nodes)
        use_top = (inside < 0) | (rng.random(len(nodes)) < top_share)
        return np.where(use_top, self.top_group(rng, nodes), inside)


def _global_pick(rng: np.random.Generator, nodes: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Any earlier model by weight: how merges reach across trees."""
    c0 = np.concatenate([[0.0], np.cumsum(weight)])
    u = rng.random(len(nodes)) * c0[nodes]
    return np.clip(np.searchsorted(c0, u, side="right") - 1, 0, nodes - 1)


def _merge_parents(rng: np.random.Generator, picker: _TreePicker, merges: np.ndarray,
                   primary: np.ndarray, global_weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Extra parents of merges: 1-9 more each, some from other trees.

    A parent drawn twice for one merge is redrawn from the whole Hub (small trees run out of
    distinct parents), so merges keep their parent counts at every Hub size.
    """
    extra = np.minimum(rng.geometric(MERGE_EXTRA_P, len(merges)), MAX_MERGE_PARENTS - 1)
    child = np.repeat(merges, extra)
    cross = rng.random(len(child)) < CROSS_TREE_SHARE
    parent = np.where(cross, _global_pick(rng, child, global_weight),
                      picker.pick(rng, child, MERGE_TOP_SHARE))
    n = len(global_weight)
    for _ in range(3):
        keys = np.concatenate([merges * n + primary, child * n + parent])
        _, first = np.unique(keys, return_index=True)
        repeated = np.ones(len(keys), bool)
        repeated[first] = False
        repeated = repeated[len(merges):]
        if not repeated.any():
            break
        parent[repeated] = _global_pick(rng, child[repeated], global_weight)
    return child, parent


def _fixed_edges(fixed: dict[int, Fixed]) -> tuple[np.ndarray, np.ndarray]:
    by_id = {f.id: i for i, f in fixed.items()}
    pairs = [(i, by_id[p]) for i, f in fixed.items() for p in f.parents if p in by_id]
    arr = np.array(pairs, np.int64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def _to_csr(n: int, child: np.ndarray, parent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop repeated (child, parent) pairs keeping the first, then group parents by child."""
    _, first = np.unique(child * n + parent, return_index=True)
    first.sort()
    child, parent = child[first], parent[first]
    order = np.argsort(child, kind="stable")
    indptr = np.concatenate([[0], np.cumsum(np.bincount(child, minlength=n))])
    return indptr, parent[order]


def build_graph(n: int, seed: int = 0, lineage_share: float = 0.35) -> Graph:
    """The whole lineage graph of an n-model Hub, without any metadata."""
    rng = np.random.default_rng([seed, 1])
    fixed_list = fixed_models(n, rng)
    styles = [s for s, _ in STANDALONE_STYLES] + [f.style for f in fixed_list]
    draft = _draft(fixed_list, n, lineage_share, rng)
    order, time = _in_creation_order(draft)
    new = np.empty(n, np.int64)
    new[order] = np.arange(n)
    kind, tree = draft.kind[order], new[draft.tree[order]]
    fixed = {int(new[i]): f for i, f in enumerate(fixed_list)}
    _sample_kinds(rng, kind)
    weight = _parent_weights(rng, kind)
    picker = _TreePicker(kind, tree, time, weight, fixed)

    derived = np.flatnonzero(kind >= Kind.FINETUNE)
    top_share = np.where(kind[derived] == Kind.MERGE, MERGE_TOP_SHARE, TOP_GROUP_SHARE)
    primary = picker.pick(rng, derived, top_share)
    is_merge = kind[derived] == Kind.MERGE
    extra_child, extra_parent = _merge_parents(rng, picker, derived[is_merge], primary[is_merge],
                                               weight + draft.top_weight[order])
    fixed_child, fixed_parent = _fixed_edges(fixed)
    indptr, parents = _to_csr(n, np.concatenate([derived, extra_child, fixed_child]),
                              np.concatenate([primary, extra_parent, fixed_parent]))
    lonely_merges = (kind == Kind.MERGE) & (np.diff(indptr) < 2)
    kind[lonely_merges] = Kind.FINETUNE  # all its parents coincided: it is a plain fine-tune
    return Graph(time, kind, tree, draft.style[order], indptr, parents, fixed, styles)


# -- metadata defects ---------------------------------------------------------------------------
MESS_RATES = {  # share of the eligible pool, and at least MIN_MESS of each where the pool allows
    Mess.MISSING_PARENT: 0.004, Mess.NO_YAML: 0.015, Mess.BROKEN_YAML: 0.004,
    Mess.UNSPECIFIED: 0.02, Mess.URL_PARENT: 0.008, Mess.UNKNOWN_LICENSE: 0.01,
    Mess.LATIN1: 0.003, Mess.SELF_REFERENCE: 0.002, Mess.GATED: 0.01, Mess.NO_README: 0.01,
    Mess.EXTRA_MISSING_PARENT: 0.004,
}
MIN_MESS = 5
LONG_CARDS = 3  # megabyte cards, however large the Hub


def _take(pool: np.ndarray, taken: np.ndarray, count: int) -> np.ndarray:
    free = pool[~taken[pool]]
    chosen = free[:count]
    taken[chosen] = True
    return chosen


def assign_mess(graph: Graph, rng: np.random.Generator) -> np.ndarray:
    """One defect (or none) per model, each from the pool where it makes sense."""
    n = graph.size
    mess = np.zeros(n, np.int8)
    taken = np.zeros(n, bool)
    leaf = graph.children_count() == 0
    derived = rng.permutation(np.flatnonzero(graph.kind >= Kind.FINETUNE))
    standalone = rng.permutation(np.flatnonzero((graph.kind == Kind.STANDALONE) & leaf))
    single = np.diff(graph.indptr) == 1
    leaf_single = derived[leaf[derived] & single[derived]]
    pools = {Mess.MISSING_PARENT: leaf_single, Mess.EXTRA_MISSING_PARENT: leaf_single,
             Mess.NO_README: standalone}
    for case, rate in MESS_RATES.items():
        pool = pools.get(case, derived)
        count = max(MIN_MESS, round(rate * len(pool)))
        if case == Mess.SELF_REFERENCE:  # half on derivatives (a list), half on standalones
            mess[_take(standalone, taken, (count + 1) // 2)] = case
            count //= 2
        mess[_take(pool, taken, count)] = case
    mess[_take(derived, taken, LONG_CARDS)] = Mess.LONG_CARD
    return mess


# -- names ------------------------------------------------------------------------------------
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


def _stem(parent_id: str) -> str:
    return QUANT_SUFFIX.sub("", parent_id.rsplit("/", 1)[-1])


def _brand(r: float, size: str | None) -> str:
    head = BRAND_HEADS[int(r * len(BRAND_HEADS))]
    tail = BRAND_TAILS[int(r * 977) % len(BRAND_TAILS)]
    version = f"-v{int(r * 7919) % 4 + 1}" if r * 31 % 1 < 0.4 else ""
    return f"{head}{tail}" + (f"-{size}" if size else "") + version


def _pick(options: tuple, r: float) -> Any:
    return options[min(int(r * len(options)), len(options) - 1)]


def _house(fmt: QuantFormat, when: int, r: float) -> str | None:
    """A big quantizer active at `when`, for about half of the quantizations."""
    active = [a for a, since, until in fmt.houses if since <= when < until]
    if not active or r >= 0.5:
        return None
    return active[int(r * 2 * len(active)) % len(active)]


# -- one model's metadata ---------------------------------------------------------------------
class Draw(NamedTuple):
    """The uniforms one model's metadata choices use (drawn in bulk, a chunk at a time)."""

    name: float
    suffix: float
    author: float
    license: float
    extra: float
    datasets: float
    language: float
    evals: float


class Node(NamedTuple):
    """One model's graph facts and bulk draws as plain Python values, cheap to read per row."""

    index: int
    time: int
    kind: int
    mess: int
    style: int
    author: int
    fmt: int
    license_mode: int
    card_relation: bool  # the card states base_model_relation
    list_parent: bool  # the card lists even a single parent
    parents: list[int]
    draw: Draw


@dataclass
class Meta:
    """A model's metadata before it becomes rows; `existing` are its parents in the graph."""

    id: str
    style: Style
    card_data: dict | None
    tags: list[str]
    license: str | None
    truth_relation: str
    existing: list[int]
    named_parents: list[str]
    missing_parents: frozenset[str] = frozenset()  # named parents that do not exist
    gated: str | None = None
    card: bytes | None = None
    has_readme: bool = True

    def store_row(self, seed: int, created: int) -> tuple:
        """The MODEL_COLUMNS this writer sets, in ROW_COLUMNS order."""
        card_data = _JSON.encode(self.card_data) if self.card_data is not None else None
        return (self.id, self.id.split("/")[0], fake_sha(self.id, seed),
                f"{created:08x}{fake_sha(seed, self.id, '_id')[:16]}",  # Mongo-like: time first
                self.gated, self.style.library or None, self.style.pipeline, self.tags, card_data,
                self.card, self.has_readme)


ROW_COLUMNS = ("id", "author", "sha", "object_id", "gated", "library_name", "pipeline_tag", "tags",
               "card_data", "card", "has_readme")
_JSON = json.JSONEncoder(separators=(",", ":"))
UNREADABLE = frozenset({Mess.NO_YAML, Mess.BROKEN_YAML})  # the Hub could not parse the YAML
VERBATIM = frozenset({Mess.BROKEN_YAML, Mess.LATIN1, Mess.LONG_CARD})  # cards stored as bytes


def _license_fields(mode: int, parent_license: str | None, mess: int, d: Draw,
                    stem: str) -> dict[str, str]:
    """A derivative's declared license: mostly the parent's, sometimes drifted or dropped."""
    if mess == Mess.UNKNOWN_LICENSE:
        return {"license": _pick(UNKNOWN_LICENSES, d.extra)}
    if mode == 0:
        inherited = parent_license or (_pick(OPEN_LICENSES, d.extra) if d.license < 0.5
                                       else None)
        return {"license": inherited} if inherited else {}
    if mode == 1:
        return {"license": _pick(DRIFT_LICENSES, d.extra)}
    if mode == 2:
        link = "LICENSE" if d.extra < 0.5 else f"https://huggingface.co/{stem}/blob/main/LICENSE"
        return {"license": "other", "license_name": f"{stem.lower()[:30]}-license",
                "license_link": link}
    return {}


def _eval_results(name: str, r: float) -> list[dict]:
    results = []
    for k, (title, dataset, metric) in enumerate(BENCHMARKS[: 1 + int(r * 4) % 4]):
        score = round(30 + (r * 1000 * (k + 3)) % 55, 2)
        results.append({"task": {"type": "text-generation", "name": "Text Generation"},
                        "dataset": {"name": title, "type": dataset, "split": "test"},
                        "metrics": [{"type": metric, "value": score}]})
    return [{"name": name, "results": results}]


def _card_tags(kind: int, d: Draw) -> list[str]:
    return list(_pick(CARD_TAGS[kind], d.datasets))


CARD_TAGS = {Kind.FINETUNE: ((), ("trl", "sft"), ("unsloth", "trl"), ("generated_from_trainer",)),
             Kind.ADAPTER: (("lora", "generated_from_trainer"), ("lora",)),
             Kind.MERGE: (("mergekit", "merge"),),
             Kind.QUANTIZED: ((), ("llama-cpp", "gguf-my-repo"), ("quantized",))}


def _hub_tags(style: Style, card: dict, relation: str | None, parent_ids: list[str],
              extra: list[str], arxiv: list[str]) -> list[str]:
    """Tags the way the Hub derives them from the card, the files and the relation."""
    tags = [style.library, *extra]
    if style.library not in ("gguf", "mlx"):
        tags.append("safetensors")
    if style.arch:
        tags.append(style.arch)
    tags += card.get("tags", ())
    tags.append(style.pipeline)
    tags += card.get("language", ())
    tags += [f"dataset:{ds}" for ds in card.get("datasets", ())]
    tags += [f"arxiv:{a}" for a in arxiv]
    for parent in parent_ids:
        tags.append(f"base_model:{parent}")
        if relation:
            tags.append(f"base_model:{relation}:{parent}")
    if card.get("license"):
        tags.append(f"license:{card['license']}")
    tags += ("endpoints_compatible", "region:us")
    return list(dict.fromkeys(tags))


BROKEN_HEADERS = (
    "---\nbase_model: {parent}\ntags: [finetuned, {name}\nlibrary_name: transformers\n---\n",
    "---\nbase_model:\n\t- {parent}\npipeline_tag: text-generation\n---\n",
    "---\nbase_model: {parent}\nmodel_name: {name}: the sequel\n---\n",
    "---\nbase_model: {parent}\n  datasets:\n- alpaca\n---\n",
)
LATIN1_BODY = ("Modèle affiné pour le français: données nettoyées, qualité supérieure.\n"
               "Entraîné à Genève, évalué à Zürich (±2 %).\n")
LONG_BLOCK = "".join(f"| eval-{k:05d} | {k * 37 % 1000 / 10:.1f} | {k * 91 % 997} |\n"
                     for k in range(2000))


def _verbatim_card(mess: int, model_id: str, card: dict, parent: str, d: Draw) -> bytes:
    """README bytes for the cases the server must not render from card_data."""
    name = model_id.split("/")[1]
    if mess == Mess.BROKEN_YAML:
        header = _pick(BROKEN_HEADERS, d.extra).format(parent=parent, name=name)
        return f"{header}\n# {name}\n\nFine-tuned from {parent}.\n".encode()
    header = "---\n" + yaml.safe_dump(card, sort_keys=False) + "---\n\n"
    if mess == Mess.LATIN1:
        return header.encode() + f"# {name}\n\n{LATIN1_BODY}".encode("latin-1") + b"\xff\xfe\n"
    size = 1_000_000 + int(d.extra * 1_000_000)
    table = LONG_BLOCK * (size // len(LONG_BLOCK) + 1)
    return (header + f"# {name}\n\n| task | score | n |\n|---|---|---|\n" + table).encode()


# -- the writer ---------------------------------------------------------------------------------
class _RowWriter:
    """Turns graph nodes into store rows and truth rows, in creation order and in chunks.

    Keeps per-model ids, declared licenses, root bit masks and depths in lists, because each
    child's name, license and truth derive from its parents', which were written before it.
    """

    def __init__(self, graph: Graph, mess: np.ndarray, seed: int) -> None:
        self.graph, self.mess, self.seed = graph, mess, seed
        self.rng = np.random.default_rng([seed, 2])
        roots = load_roots().root_models()
        self.root_ids = list(roots)
        self.root_bit = {rid: 1 << b for b, rid in enumerate(self.root_ids)}
        self.root_family = [roots[rid].family for rid in self.root_ids]
        self.ids: list[str] = []
        self.used: set[str] = set()
        self.licenses: list[str | None] = []
        self.masks: list[int] = []
        self.depths: list[int | None] = []
        self.lineage_cache: dict[int, tuple[str | None, list[str]]] = {0: (None, [])}
        self.child_styles: dict[tuple[int, int, int], Style] = {}
        self._bulk_draws()

    def _bulk_draws(self) -> None:
        """Per-model choices made in bulk: card flags, formats, authors, license modes, counters."""
        g, rng, n = self.graph, self.rng, self.graph.size
        self.card_relation = rng.random(n) < 0.3
        self.list_parent = rng.random(n) < 0.15
        self.license_mode = rng.choice(len(LICENSE_MODES), n, p=LICENSE_MODES)
        shares = np.array([f.share for f in QUANT_FORMATS])
        fmt = rng.choice(len(QUANT_FORMATS), n, p=shares / shares.sum())
        since = np.array([f.since for f in QUANT_FORMATS])
        self.fmt = np.where(since[fmt] <= g.time, fmt, len(QUANT_FORMATS) - 1)  # bnb before
        n_users = max(50, n // 6)
        self.author = (n_users * rng.random(n) ** 1.6).astype(np.int64)  # a few prolific users
        self.counters = _counters(g, rng)

    def chunks(self) -> Iterator[tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]]:
        """(models, truth_models, truth_edges) frames of CHUNK models each."""
        for lo in range(0, self.graph.size, CHUNK):
            hi = min(self.graph.size, lo + CHUNK)
            rows, truths, edges = [], [], []
            for node in self._nodes(lo, hi):
                row, truth, model_edges = self.row(node)
                rows.append(row)
                truths.append(truth)
                edges += model_edges
            models = pd.DataFrame(rows, columns=list(ROW_COLUMNS))
            for column, values in self.counters.items():
                models[column] = values[lo:hi]
            truth_models = pd.DataFrame(truths, columns=["id", "family", "roots", "license",
                                                         "depth"])
            truth_models["depth"] = truth_models["depth"].astype("Int32")
            yield models, truth_models, pd.DataFrame(
                edges, columns=["child", "parent", "relation", "parent_exists"])

    def _nodes(self, lo: int, hi: int) -> Iterator[Node]:
        g = self.graph
        start = int(g.indptr[lo])
        ends = (g.indptr[lo + 1:hi + 1] - start).tolist()
        parents = g.parents[start:g.indptr[hi]].tolist()
        draws = self.rng.random((hi - lo, len(Draw._fields))).tolist()
        columns = [c[lo:hi].tolist() for c in (
            g.time, g.kind, self.mess, g.style, self.author, self.fmt, self.license_mode,
            self.card_relation, self.list_parent)]
        begin = 0
        for i, values, end, draw in zip(range(lo, hi), zip(*columns, strict=True), ends, draws,
                                        strict=True):
            yield Node(i, *values, parents[begin:end], Draw._make(draw))
            begin = end

    # -- one model ------------------------------------------------------------------------------
    def row(self, node: Node) -> tuple[tuple, tuple, list[tuple]]:
        """The store row, the truth row and the truth edges of one model."""
        fixed = self.graph.fixed.get(node.index)
        if fixed:
            meta = self._fixed_meta(fixed, node.parents)
        elif node.kind == Kind.STANDALONE:
            meta = self._standalone_meta(node)
        else:
            meta = self._derived_meta(node)
        mask, depth = self._truth_lineage(meta.id, meta.existing)
        self.ids.append(meta.id)
        self.licenses.append(meta.license)
        self.masks.append(mask)
        self.depths.append(depth)
        family, roots = self._lineage(mask)
        edges = [(meta.id, p, meta.truth_relation, p not in meta.missing_parents)
                 for p in meta.named_parents]
        truth = (meta.id, family, roots, meta.license, depth)
        return meta.store_row(self.seed, node.time), truth, edges

    def _lineage(self, mask: int) -> tuple[str | None, list[str]]:
        """Family and root ids of a set of roots (a bit mask), cached: few distinct sets exist."""
        if mask not in self.lineage_cache:
            bits = [b for b in range(len(self.root_ids)) if mask >> b & 1]
            families = {self.root_family[b] for b in bits}
            family = families.pop() if len(families) == 1 else "both"
            self.lineage_cache[mask] = (family, [self.root_ids[b] for b in bits])
        return self.lineage_cache[mask]

    def _truth_lineage(self, model_id: str, parents: list[int]) -> tuple[int, int | None]:
        """Roots a model descends from (union over parents) and its distance to the nearest."""
        mask, depth = 0, None
        for p in parents:
            mask |= self.masks[p]
            if self.depths[p] is not None:
                depth = self.depths[p] + 1 if depth is None else min(depth, self.depths[p] + 1)
        if model_id in self.root_bit:
            mask, depth = mask | self.root_bit[model_id], 0
        return mask, depth

    def _unique(self, candidate: str) -> str:
        model_id, k = candidate, 2
        while model_id in self.used:
            model_id, k = f"{candidate}-v{k}", k + 1
        self.used.add(model_id)
        return model_id

    def _fixed_meta(self, f: Fixed, parents: list[int]) -> Meta:
        parent_ids = [self.ids[p] for p in parents]
        self.used.add(f.id)
        card: dict = {"license": f.license} if f.license else {}
        if f.license == "other":
            family = f.release.family if f.release else "model"
            card |= {"license_name": "deepseek" if family == "deepseek" else f"{family}-license",
                     "license_link": "LICENSE"}
        if parent_ids:
            card["base_model"] = parent_ids[0]
        card |= {"library_name": f.style.library, "pipeline_tag": f.style.pipeline,
                 "language": ["en"]}
        arxiv = ROOT_ARXIV.get(f.release.name) if f.release else None
        chat = any(word in f.id.lower() for word in ("instruct", "chat", "-it"))
        extra = ([f.release.family] if f.release else []) + (["conversational"] if chat else [])
        if f.kind == Kind.REUPLOAD and f.relation == "quantized":
            extra += ["4-bit", "bitsandbytes"]
        tags = _hub_tags(f.style, card, f.relation, parent_ids, extra, [arxiv] if arxiv else [])
        return Meta(f.id, f.style, card, tags, f.license, f.relation or "", parents, parent_ids,
                    gated=f.gated)

    def _standalone_meta(self, node: Node) -> Meta:
        style, d = self.graph.styles[node.style], node.draw
        task = style.pipeline.split("-")[0]
        model_id = self._unique(f"{user_name(node.author)}/{_brand(d.name, None).lower()}-{task}")
        if node.mess == Mess.NO_README:
            return Meta(model_id, style, None, _hub_tags(style, {}, None, [], [], []), None, "",
                        [], [], has_readme=False)
        license_ = _pick(OPEN_LICENSES, d.extra) if d.license < 0.7 else None
        card: dict = {"license": license_} if license_ else {}
        if node.mess == Mess.SELF_REFERENCE:
            card["base_model"] = model_id
        card |= {"library_name": style.library, "pipeline_tag": style.pipeline}
        if d.datasets < 0.2:
            card["datasets"] = [_pick(DATASETS, d.extra)]
        return Meta(model_id, style, card, _hub_tags(style, card, None, [], [], []), license_, "",
                    [], [])

    def _child_style(self, node: Node) -> Style:
        """The tree's style, adjusted for the derivative's kind (adapters are peft, GGUF gguf)."""
        key = (node.style, node.kind, node.fmt if node.kind == Kind.QUANTIZED else -1)
        if key not in self.child_styles:
            base = self.graph.styles[node.style]
            library = {Kind.ADAPTER: "peft"}.get(node.kind, base.library)
            if node.kind == Kind.QUANTIZED:
                library = QUANT_FORMATS[node.fmt].library
            self.child_styles[key] = Style(base.arch, CHILD_PIPELINE.get(base.pipeline,
                                                                         base.pipeline),
                                           library, base.size)
        return self.child_styles[key]

    def _derived_name(self, node: Node, parent: str, style: Style) -> str:
        stem, d = _stem(parent), node.draw
        user = user_name(node.author)
        if node.kind == Kind.QUANTIZED:
            fmt = QUANT_FORMATS[node.fmt]
            house = _house(fmt, node.time, d.author)
            if house and f"{house}/{stem}-{fmt.suffixes[0]}" not in self.used:
                return f"{house}/{stem}-{fmt.suffixes[0]}"  # a house quantizes a model once
            return f"{user}/{stem}-{_pick(fmt.suffixes, d.suffix)}"
        if node.kind == Kind.ADAPTER:
            return f"{user}/{stem}-{_pick(ADAPTER_SUFFIXES, d.suffix)}"
        if node.kind == Kind.MERGE:
            return f"{user}/{_brand(d.name, style.size)}-{_pick(MERGE_METHODS, d.suffix)}"
        if d.name < 0.55 and len(stem) < 48:
            return f"{user}/{stem}-{_pick(FT_SUFFIXES, d.suffix)}"
        return f"{user}/{_brand(d.name, style.size)}"

    def _missing_parent(self, parent: str, d: Draw) -> str:
        """A parent id nobody holds: a typo, a rename or a deleted repo (reserved, never made)."""
        namespace, name = parent.rsplit("/", 1) if "/" in parent else ("", parent)
        candidates = (f"{namespace}/{name.replace('-', '_')}", f"{namespace}/{name}-deleted",
                      f"{user_name(int(d.extra * 10_000))}/{name}-private")
        return self._unique(_pick(candidates, d.suffix).lstrip("/"))

    def _derived_meta(self, node: Node) -> Meta:
        style, d, mess = self._child_style(node), node.draw, node.mess
        primary = self.ids[node.parents[0]]
        model_id = self._unique(self._derived_name(node, primary, style))
        relation = RELATIONS[node.kind]
        parent_ids, existing = [self.ids[p] for p in node.parents], node.parents
        missing: frozenset[str] = frozenset()
        if mess == Mess.MISSING_PARENT:
            parent_ids, existing = [self._missing_parent(primary, d)], []
            missing = frozenset(parent_ids)
        elif mess == Mess.EXTRA_MISSING_PARENT:
            missing = frozenset({self._missing_parent(primary, d)})
            parent_ids = [*parent_ids, *missing]
        lic = _license_fields(node.license_mode, self.licenses[node.parents[0]], mess, d,
                              _stem(primary))
        card = self._derived_card(node, model_id, parent_ids, relation, lic, style)
        readable = mess not in UNREADABLE
        tags = _hub_tags(style, card if readable else {},
                         None if mess == Mess.UNSPECIFIED else relation, parent_ids,
                         self._format_tags(node), self._arxiv(node))
        meta = Meta(model_id, style, card if readable else None, tags,
                    lic.get("license") if readable else None,
                    "unspecified" if mess == Mess.UNSPECIFIED else relation, existing, parent_ids,
                    missing_parents=missing)
        if mess == Mess.GATED:
            meta.gated = "manual" if d.extra < 0.5 else "auto"
        if mess in VERBATIM:
            meta.card = _verbatim_card(mess, model_id, card, parent_ids[0], d)
        return meta

    def _derived_card(self, node: Node, model_id: str, parent_ids: list[str], relation: str,
                      lic: dict, style: Style) -> dict:
        """card_data of a derivative; the mess cases shape how it names its parents."""
        card, d, mess = dict(lic), node.draw, node.mess
        named = ([f"https://huggingface.co/{p}" for p in parent_ids] if mess == Mess.URL_PARENT
                 else list(parent_ids))
        if mess == Mess.SELF_REFERENCE:
            named.append(model_id)
        card["base_model"] = named[0] if len(named) == 1 and not node.list_parent else named
        if node.card_relation and mess != Mess.UNSPECIFIED:
            card["base_model_relation"] = relation
        card["library_name"] = style.library
        card["pipeline_tag"] = style.pipeline
        card_tags = _card_tags(node.kind, d)
        if card_tags:
            card["tags"] = card_tags
        if node.kind in (Kind.FINETUNE, Kind.ADAPTER) and d.datasets < 0.35:
            count = 1 + int(d.datasets * 10) % 3
            card["datasets"] = sorted({_pick(DATASETS, (d.extra + k * 0.37) % 1)
                                       for k in range(count)})
        if d.language < 0.8:
            card["language"] = ["en"] if d.language < 0.7 else ["en", "zh"]
        if node.kind in (Kind.FINETUNE, Kind.MERGE) and d.evals < 0.1:
            card["model-index"] = _eval_results(model_id.split("/")[1], d.evals * 10)
        return card

    @staticmethod
    def _format_tags(node: Node) -> list[str]:
        if node.kind == Kind.QUANTIZED:
            return list(QUANT_FORMATS[node.fmt].tags)
        return ["merge", "mergekit"] if node.kind == Kind.MERGE else []

    @staticmethod
    def _arxiv(node: Node) -> list[str]:
        options = ARXIV.get(node.kind, ())
        return [_pick(options, node.draw.suffix)] if options and node.draw.evals > 0.9 else []


def _counters(graph: Graph, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Timestamps and heavy-tailed popularity counters, one vector each for the whole Hub."""
    n, time = graph.size, graph.time
    age_days = (HUB_END - time) / DAY
    downloads = np.floor(np.exp(rng.normal(0.3, 2.0, n)) * (1 + 4 * graph.children_count()))
    tops = np.array(list(graph.fixed), np.int64)
    downloads[tops] = np.floor(np.exp(rng.normal(11.5, 1.5, len(tops))))
    history = np.floor(downloads * (age_days / 30) * rng.lognormal(-0.5, 0.8, n))
    all_time = downloads + history + np.floor(np.exp(rng.normal(1.0, 1.5, n)))
    likes = np.floor(np.exp(rng.normal(-2.0, 1.5, n)) * (1 + downloads) ** 0.45)
    trending = np.where(age_days < 45, likes * np.exp(-age_days / 10) * rng.random(n), 0.0)
    modified = time + (rng.random(n) ** 3 * (HUB_END - time)).astype(np.int64)
    return {
        "created_at": time.astype("datetime64[s]"),
        "last_modified": modified.astype("datetime64[s]"),
        "downloads": downloads.astype(np.int64), "downloads_all_time": all_time.astype(np.int64),
        "likes": likes.astype(np.int64), "trending_score": np.round(trending, 3),
        "private": np.zeros(n, bool), "disabled": np.zeros(n, bool),
    }


# -- public API ---------------------------------------------------------------------------------
def generate_hub(store: HubStore, n_models: int, seed: int = 0,
                 lineage_share: float = 0.35) -> None:
    """Fill `store` with an n-model synthetic Hub and its ground truth (deterministic per seed).

    `lineage_share` is the LLaMA+DeepSeek share of all models (roots included); the rest are
    background families. Does not call finish_loading, so callers can add more rows first.
    """
    graph = build_graph(n_models, seed, lineage_share)
    mess = assign_mess(graph, np.random.default_rng([seed, 3]))
    for models, truth_models, truth_edges in _RowWriter(graph, mess, seed).chunks():
        store.add_models(models)
        store.add_truth(models=truth_models, edges=truth_edges)


def generated_store(n_models: int, seed: int = 0, path: str | Path | None = None,
                    lineage_share: float = 0.35) -> HubStore:
    """A ready HubStore (in memory, or a DuckDB file at `path`) holding a generated Hub."""
    store = HubStore(path)
    generate_hub(store, n_models, seed, lineage_share)
    store.finish_loading()
    return store
