"""The JSON and YAML files a repo holds, rendered from its compact spec: config.json,
adapter_config.json, mergekit_config.yml and the small files beside them.

The keys and their order follow what transformers' save_pretrained, PEFT and mergekit write;
the values that name other repos (`_name_or_path`, `base_model_name_or_path`, mergekit's
`model:` lines) come from the spec, as the generator decided them, so the served files carry
exactly the lineage evidence (and the noise) recorded in the ground truth.
"""

from __future__ import annotations

import json

from hub_double.files.architectures import CAUSAL, Arch, class_name

QUANTIZATION = {"gptq": {"bits": 4, "group_size": 128, "damp_percent": 0.1, "desc_act": True,
                         "sym": True, "true_sequential": True, "quant_method": "gptq"},
                "awq": {"bits": 4, "group_size": 128, "quant_method": "awq", "version": "gemm",
                        "zero_point": True},
                "bnb": {"_load_in_4bit": True, "bnb_4bit_compute_dtype": "bfloat16",
                        "bnb_4bit_quant_type": "nf4", "bnb_4bit_use_double_quant": True,
                        "load_in_4bit": True, "quant_method": "bitsandbytes"},
                "exl2": {"bits": 4.0, "head_bits": 6, "quant_method": "exl2"}}
MERGE_PARAMETERS = {"slerp": "parameters:\n  t:\n    - filter: self_attn\n      value: [0, 0.5, "
                             "0.3, 0.7, 1]\n    - filter: mlp\n      value: [1, 0.5, 0.7, 0.3, 0]\n"
                             "    - value: 0.5\n",
                    "ties": "parameters:\n  normalize: true\n",
                    "dare_ties": "parameters:\n  int8_mask: true\n",
                    "della": "parameters:\n  epsilon: 0.05\n  lambda: 1.0\n"}


def _dump(value: dict) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode()


def config_json(arch: Arch, model_type: str, pipeline: str | None, name_or_path: str | None,
                layout: str, transformers_version: str) -> bytes:
    """config.json as save_pretrained writes it: `_name_or_path` first when the loader had one."""
    config: dict = {}
    if name_or_path is not None:
        config["_name_or_path"] = name_or_path
    config["architectures"] = [class_name(model_type, pipeline)]
    if pipeline in CAUSAL:
        config |= {"bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu"}
    config |= {"hidden_size": arch.hidden, "max_position_embeddings": arch.context,
               "model_type": model_type, "num_hidden_layers": arch.blocks}
    if layout in QUANTIZATION:
        config["quantization_config"] = QUANTIZATION[layout]
    config |= {"torch_dtype": "bfloat16" if pipeline in CAUSAL else "float32",
               "transformers_version": transformers_version, "vocab_size": arch.vocab}
    return _dump(config)


def adapter_config_json(base: str, salted: int) -> bytes:
    """adapter_config.json as PEFT's LoraConfig saves it."""
    rank = (8, 16, 32, 64)[salted % 4]
    targets = (["q_proj", "v_proj"], ["q_proj", "k_proj", "v_proj", "o_proj"],
               ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    return _dump({"alpha_pattern": {}, "auto_mapping": None, "base_model_name_or_path": base,
                  "bias": "none", "fan_in_fan_out": False, "inference_mode": True,
                  "init_lora_weights": True, "layers_pattern": None, "layers_to_transform": None,
                  "lora_alpha": rank * 2, "lora_dropout": 0.05, "modules_to_save": None,
                  "peft_type": "LORA", "r": rank, "rank_pattern": {}, "revision": None,
                  "target_modules": targets[salted // 4 % 3], "task_type": "CAUSAL_LM"})


def mergekit_yaml(method: str, models: list[str], base: str | None, layers: int) -> str:
    """mergekit_config.yml: slices for SLERP and passthrough, a model list for the others."""
    if method in ("slerp", "passthrough"):
        sources = "".join(f"      - model: {m}\n        layer_range: [0, {layers}]\n"
                          for m in models[:2])
        head = f"slices:\n  - sources:\n{sources}"
    else:
        entries = "".join(f"  - model: {m}\n    parameters:\n      density: 0.5\n"
                          f"      weight: {round(1 / len(models), 2)}\n"
                          for m in models if m != base)
        head = f"models:\n{entries}"
    base_line = f"base_model: {base}\n" if base else ""
    return (f"{head}merge_method: {method}\n{base_line}{MERGE_PARAMETERS.get(method, '')}"
            "dtype: bfloat16\n")


def small_json(filename: str, arch: Arch, chat_template: str | None) -> bytes:
    """The small JSON files beside the weights, consistent with the architecture."""
    if filename == "tokenizer_config.json":
        config = {"bos_token": arch.bos, "eos_token": arch.eos, "model_max_length": arch.context}
        if chat_template:
            config["chat_template"] = chat_template
        return _dump(config)
    if filename == "special_tokens_map.json":
        return _dump({"bos_token": arch.bos, "eos_token": arch.eos})
    if filename == "generation_config.json":
        return _dump({"bos_token_id": 1, "eos_token_id": 2, "do_sample": True})
    if filename == "quantize_config.json":
        return _dump(QUANTIZATION["gptq"])
    if filename == "quant_config.json":
        return _dump(QUANTIZATION["awq"])
    return _dump({})
