"""What the synthetic Hub is made of: its timeline, model kinds, famous bases, root popularity,
model styles, quantization formats, datasets, papers and benchmarks.

Static facts only, taken from the real Hub (shared/hub-samples, ROOTS.md and the Hub itself);
the modules beside this one decide how they combine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import numpy as np

DAY = 86_400
HOUR = 3_600


def ts(day: str) -> int:
    """Seconds since the epoch of a naive-UTC ISO date or datetime."""
    return int(np.datetime64(day, "s").astype(np.int64))


HUB_START = ts("2022-03-02")  # the Hub's legacy repos all carry this creation date
HUB_END = ts("2025-10-31")  # the last creation instant: the Hub ends before 2025-11-01
UNSLOTH_START = ts("2023-12-01")
# Releases whose derivatives wait for a later event: LLaMA's weights were research-only until they
# leaked on 2023-03-03 (shared/ROOTS.md), so no LLaMA-1 derivative predates the leak.
DERIVATIVES_FROM = {"LLaMA 1": "2023-03-03"}
GROWTH = math.log(2) / (270 * DAY)  # the Hub's model count doubles about every nine months


class Kind(IntEnum):
    """What a model is in the graph; decides its name, tags and how attractive a parent it is."""

    ROOT = 0  # a LLaMA/DeepSeek release: listed in roots.toml, or an organisation model it omits
    BASE = 1  # a famous background base (Qwen, Mistral, Gemma, Phi, BERT, ...)
    REUPLOAD = 2  # unsloth/<name> and unsloth/<name>-bnb-4bit, between a base and its fine-tunes
    STANDALONE = 3  # a background model declaring no parent; a few get small trees of their own
    FINETUNE = 4
    ADAPTER = 5
    QUANTIZED = 6
    MERGE = 7


RELATIONS = {Kind.FINETUNE: "finetune", Kind.ADAPTER: "adapter", Kind.QUANTIZED: "quantized",
             Kind.MERGE: "merge"}


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
    Base("zai-org/glm-4-9b-chat", "2024-06-05", "other", 1.0, "chatglm"),
)
REQUIRED_BASES = 4

# Other names the Hub answers for a repo (HubStore.add_alias), with the day they became old.
# Legacy ids: the models of 2018-2020 had no namespace until the Hub moved them into their
# organisations in early 2024 (google-bert/bert-base-uncased answers to bert-base-uncased); the
# 2022 Trainer cards of shared/hub-samples name these parents by them (103 of 228 cards).
LEGACY_IDS = {
    "google-bert/bert-base-uncased": ("bert-base-uncased", "2024-02-01"),
    "openai-community/gpt2": ("gpt2", "2024-02-01"),
    "FacebookAI/roberta-base": ("roberta-base", "2024-02-01"),
    "distilbert/distilbert-base-uncased": ("distilbert-base-uncased", "2024-02-01"),
    "google-t5/t5-base": ("t5-base", "2024-02-01"),
}
# Renamed repos: the old id answers 307 to the new one. Meta dropped "Meta-" from the Llama 3.1
# repos (roots.toml lists the new ids) around the Llama 3.2 release; THUDM became zai-org in 2025.
RENAMED = {
    "meta-llama/Llama-3.1-8B": ("meta-llama/Meta-Llama-3.1-8B", "2024-09-25"),
    "meta-llama/Llama-3.1-8B-Instruct": ("meta-llama/Meta-Llama-3.1-8B-Instruct", "2024-09-25"),
    "meta-llama/Llama-3.1-70B": ("meta-llama/Meta-Llama-3.1-70B", "2024-09-25"),
    "meta-llama/Llama-3.1-70B-Instruct": ("meta-llama/Meta-Llama-3.1-70B-Instruct",
                                          "2024-09-25"),
    "meta-llama/Llama-3.1-405B": ("meta-llama/Meta-Llama-3.1-405B", "2024-09-25"),
    "meta-llama/Llama-3.1-405B-Instruct": ("meta-llama/Meta-Llama-3.1-405B-Instruct",
                                           "2024-09-25"),
    "zai-org/glm-4-9b-chat": ("THUDM/glm-4-9b-chat", "2025-07-01"),
}

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


@dataclass(frozen=True)
class OrganisationModel:
    """A model a family's organisation published that the default roots.toml does not list: the
    analysis takes it for a root of its own (release NULL) unless a listed root is its ancestor."""

    id: str
    released: str
    license: str
    popularity: float
    arch: str = "llama"
    pipeline: str = "text-generation"
    parent: str | None = None  # the parent the real edge sample records, if any
    relation: str | None = None


# Organisation models of the real edge sample (shared/hub-samples/lineage-edges-2025-06.csv)
# outside roots.toml, with their announcement dates and Hub license ids.
ORGANISATION_MODELS: tuple[OrganisationModel, ...] = (
    OrganisationModel("meta-llama/CodeLlama-7b-hf", "2023-08-24", "llama2", 1.5),
    OrganisationModel("meta-llama/CodeLlama-13b-hf", "2023-08-24", "llama2", 0.5),
    OrganisationModel("meta-llama/CodeLlama-13b-Instruct-hf", "2023-08-24", "llama2", 0.5),
    OrganisationModel("meta-llama/LlamaGuard-7b", "2023-12-07", "llama2", 0.3),
    OrganisationModel("meta-llama/Meta-Llama-Guard-2-8B", "2024-04-18", "llama3", 0.3),
    OrganisationModel("meta-llama/Llama-Guard-3-8B", "2024-07-23", "llama3.1", 0.5,
                      parent="meta-llama/Llama-3.1-8B", relation="finetune"),
    OrganisationModel("meta-llama/Llama-3.1-405B-Instruct-FP8", "2024-07-23", "llama3.1", 0.1,
                      parent="meta-llama/Llama-3.1-405B-Instruct", relation="quantized"),
    OrganisationModel("meta-llama/Llama-3.2-11B-Vision-Instruct", "2024-09-25", "llama3.2", 1.0,
                      "mllama", "image-text-to-text"),
    OrganisationModel("meta-llama/Llama-3.2-1B-Instruct-QLORA_INT4_EO8", "2024-10-24",
                      "llama3.2", 0.1, parent="meta-llama/Llama-3.2-1B", relation="quantized"),
    OrganisationModel("meta-llama/Llama-3.2-3B-Instruct-SpinQuant_INT4_EO8", "2024-10-24",
                      "llama3.2", 0.1, parent="meta-llama/Llama-3.2-3B", relation="quantized"),
    OrganisationModel("deepseek-ai/deepseek-math-7b-base", "2024-02-05", "other", 0.8),
    OrganisationModel("deepseek-ai/deepseek-math-7b-instruct", "2024-02-05", "other", 0.5),
    OrganisationModel("deepseek-ai/DeepSeek-Coder-V2-Lite-Instruct", "2024-06-17", "other", 1.0,
                      "deepseek_v2"),
    OrganisationModel("deepseek-ai/Janus-Pro-7B", "2025-01-27", "mit", 0.8, "multi_modality",
                      "any-to-any"),
    OrganisationModel("deepseek-ai/DeepSeek-R1-0528", "2025-05-28", "mit", 1.5, "deepseek_v3"),
)
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
                ts("2023-08-21"),
                (("TheBloke", ts("2023-08-21"), ts("2024-02-01")),
                 ("bartowski", ts("2024-03-01"), HUB_END),
                 ("mradermacher", ts("2024-03-01"), HUB_END),
                 ("QuantFactory", ts("2024-05-01"), HUB_END),
                 ("lmstudio-community", ts("2024-04-01"), HUB_END),
                 ("MaziyarPanahi", ts("2024-01-01"), HUB_END),
                 ("second-state", ts("2024-02-01"), HUB_END),
                 ("RichardErkhov", ts("2024-04-01"), HUB_END))),
    QuantFormat("gptq", 0.1, "transformers", ("gptq", "4-bit"), ("GPTQ", "GPTQ-Int4"),
                ts("2023-04-01"), (("TheBloke", ts("2023-05-01"), ts("2024-02-01")),)),
    QuantFormat("awq", 0.06, "transformers", ("awq", "4-bit"), ("AWQ",),
                ts("2023-09-01"),
                (("TheBloke", ts("2023-09-01"), ts("2024-02-01")),
                 ("solidrust", ts("2024-03-01"), HUB_END))),
    QuantFormat("mlx", 0.12, "mlx", ("mlx",), ("4bit", "8bit", "mlx"), ts("2023-12-05"),
                (("mlx-community", ts("2023-12-05"), HUB_END),)),
    QuantFormat("exl2", 0.07, "transformers", ("exl2",), ("exl2", "4.0bpw-exl2", "6.5bpw-exl2"),
                ts("2023-09-12"),
                (("LoneStriker", ts("2023-10-01"), ts("2024-12-01")),
                 ("turboderp", ts("2023-09-12"), HUB_END))),
    QuantFormat("bnb", 0.1, "transformers", ("4-bit", "bitsandbytes"), ("bnb-4bit",),
                HUB_START, ()),
)
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


def pick(options: tuple, r: float) -> Any:
    """The option a uniform draw r in [0, 1) selects."""
    return options[min(int(r * len(options)), len(options) - 1)]
