"""Which files a repo holds, by layout: what `siblings` lists and `/resolve/` serves.

File lists follow real repos of each kind: the 2022 sample's Trainer repos (pytorch_model.bin,
training_args.bin, tokenizer files), the 2025 family trees' adapters (adapter_config.json and
adapter_model.safetensors, sometimes tokenizer files), TheBloke's, bartowski's, mradermacher's
and GGUF-my-repo's GGUF file names, mergekit's `mergekit_config.yml`. Weights switched from
pytorch_model.bin to safetensors on the Hub during 2023; large models are sharded (5 GB shards).
"""

from __future__ import annotations

import math
import zlib

SAFETENSORS_SINCE = "2023-07-01"  # pytorch_model.bin before (the 2022 sample: 70% of repos)
ADAPTER_SAFETENSORS_SINCE = "2023-10-01"  # PEFT saved adapter_model.bin before 0.6
SHARD_BYTES = 5e9
HOUSE_QUANTS = ("Q2_K", "Q3_K_S", "Q3_K_M", "Q3_K_L", "Q4_0", "Q4_K_S", "Q4_K_M", "Q5_0",
                "Q5_K_S", "Q5_K_M", "Q6_K", "Q8_0")
USER_QUANTS = ("Q4_K_M", "Q5_K_M", "Q8_0", "Q4_0", "Q6_K")
TOKENIZER_FILES = ("special_tokens_map.json", "tokenizer.json", "tokenizer_config.json")
QUANT_SUFFIXES = ("-i1-GGUF", "-Q4_K_M-GGUF", "-GGUF", "-GPTQ-Int4", "-GPTQ", "-AWQ", "-4bit",
                  "-8bit", "-mlx", "-4.0bpw-exl2", "-6.5bpw-exl2", "-exl2", "-bnb-4bit")


def salt(model_id: str, what: str) -> int:
    """A stable per-repo number, so a repo's files never change between requests."""
    return zlib.crc32(f"{what}\x1f{model_id}".encode())


def layout_of(library: str | None, tags: frozenset[str], merge: bool) -> str:
    """The repo's kind of files, from its library and tags (as the Hub derives those from the
    files, the converse holds)."""
    if library == "gguf" or "gguf" in tags:
        return "gguf"
    if library == "peft":
        return "adapter"
    if library in ("mlx", "diffusers", "sentence-transformers", "stable-baselines3", "sklearn"):
        return library
    for layout in ("gptq", "awq", "exl2"):
        if layout in tags:
            return layout
    if "bitsandbytes" in tags:
        return "bnb"
    return "merge" if merge else "transformers"


def _weights(size_params: int, safetensors: bool, salted: int) -> list[str]:
    shards = max(1, math.ceil(size_params * 2 / SHARD_BYTES))  # 16-bit weights
    if not safetensors:
        if shards == 1:
            return ["pytorch_model.bin"]
        return [f"pytorch_model-{k:05d}-of-{shards:05d}.bin" for k in range(1, shards + 1)] + [
            "pytorch_model.bin.index.json"]
    if shards == 1:
        return ["model.safetensors"] if salted % 10 else ["model.safetensors", "pytorch_model.bin"]
    return [f"model-{k:05d}-of-{shards:05d}.safetensors" for k in range(1, shards + 1)] + [
        "model.safetensors.index.json"]


def stem_of(model_id: str) -> str:
    """A quantized repo's name without its format suffix: what its GGUF files are named after."""
    name = model_id.rpartition("/")[2]
    for suffix in QUANT_SUFFIXES:
        if name.lower().endswith(suffix.lower()):
            return name[: -len(suffix)]
    return name


def gguf_files(model_id: str) -> list[str]:
    """GGUF file names in the style of the repo's publisher."""
    author, stem = model_id.partition("/")[0], stem_of(model_id)
    pick = salt(model_id, "gguf")
    if author == "TheBloke":
        return [f"{stem.lower()}.{q}.gguf" for q in HOUSE_QUANTS]
    if author in ("bartowski", "lmstudio-community"):
        return [f"{stem}-{q}.gguf" for q in HOUSE_QUANTS + ("IQ4_XS",)]
    if author == "mradermacher":
        infix = "i1-" if model_id.endswith("i1-GGUF") else ""
        return [f"{stem}.{infix}{q}.gguf" for q in HOUSE_QUANTS]
    if author in ("QuantFactory", "MaziyarPanahi", "second-state", "RichardErkhov"):
        return [f"{stem}.{q}.gguf" for q in HOUSE_QUANTS]
    if model_id.endswith("-Q4_K_M-GGUF"):  # GGUF-my-repo
        return [f"{stem.lower()}-q4_k_m.gguf"]
    styles = ([f"{stem}.{USER_QUANTS[pick % len(USER_QUANTS)]}.gguf"],
              [f"{stem}.{q}.gguf" for q in USER_QUANTS[: 2 + pick % 3]],
              [f"ggml-model-{USER_QUANTS[pick % len(USER_QUANTS)].lower()}.gguf"],
              ["model.gguf"])
    return styles[(pick >> 8) % len(styles)]


def siblings(model_id: str, layout: str, has_readme: bool, created: str, params: int,
             tokenizer_model: bool, trainer: bool) -> list[str]:
    """The repo's file names, sorted as the Hub lists them."""
    pick = salt(model_id, "files")
    files = [".gitattributes"] + (["README.md"] if has_readme else [])
    safetensors = created >= SAFETENSORS_SINCE
    tokenizer = list(TOKENIZER_FILES) + (["tokenizer.model"] if tokenizer_model else [])
    if layout == "gguf":
        files += gguf_files(model_id)
    elif layout == "adapter":
        files += ["adapter_config.json", "adapter_model.safetensors"
                  if created >= ADAPTER_SAFETENSORS_SINCE else "adapter_model.bin"]
        if pick % 2:
            files += tokenizer + (["training_args.bin"] if pick % 4 == 1 else [])
    elif layout == "diffusers":
        files += ["model_index.json", "scheduler/scheduler_config.json", "unet/config.json",
                  "unet/diffusion_pytorch_model.safetensors", "vae/config.json",
                  "vae/diffusion_pytorch_model.safetensors", "text_encoder/config.json",
                  "text_encoder/model.safetensors", "tokenizer/vocab.json"]
    elif layout == "stable-baselines3":
        name = model_id.rpartition("/")[2]
        files += [f"{name}.zip", "config.json", "results.json", "replay.mp4"]
    elif layout == "sklearn":
        files += ["config.json", "model.pkl"]
    else:
        files += ["config.json"] + _weights(params, safetensors, pick)
        files += tokenizer
        if layout in ("transformers", "merge", "gptq", "awq", "bnb") and created >= "2022-06-01":
            files.append("generation_config.json")
        extra = {"gptq": ["quantize_config.json"], "awq": ["quant_config.json"],
                 "exl2": ["measurement.json"], "merge": ["mergekit_config.yml"],
                 "sentence-transformers": ["modules.json", "sentence_bert_config.json",
                                           "config_sentence_transformers.json",
                                           "1_Pooling/config.json"]}
        files += extra.get(layout, [])
        if trainer:
            files.append("training_args.bin")
    return sorted(dict.fromkeys(files))
