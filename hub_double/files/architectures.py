"""What a model's architecture says about its files: class names, vocabulary, context length,
special tokens and chat template, after the real configs of each family's main release.

Shared by config.json, the API's `config` and `gguf` summaries and the GGUF header, so the four
agree about every repo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

LLAMA3_SINCE = "2024-04-18"  # llama-architecture repos made after Llama 3 mostly use its tokenizer


@dataclass(frozen=True)
class Arch:
    """One architecture's constants (the main release's config.json and tokenizer)."""

    prefix: str  # class-name prefix: LlamaForCausalLM
    vocab: int
    context: int
    hidden: int
    blocks: int
    bos: str | None
    eos: str
    chat: str | None = None  # chat-template family, for instruction-tuned repos


CHAT_TEMPLATES = {
    "llama2": "{% for message in messages %}{% if message['role'] == 'user' %}{{ bos_token + "
              "'[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == "
              "'assistant' %}{{ ' ' + message['content'] + ' ' + eos_token }}{% endif %}"
              "{% endfor %}",
    "llama3": "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content "
              "= '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + "
              "message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set "
              "content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if "
              "add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}"
              "{% endif %}",
    "chatml": "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + "
              "message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt "
              "%}{{ '<|im_start|>assistant\n' }}{% endif %}",
    "gemma": "{{ bos_token }}{% for message in messages %}{{ '<start_of_turn>' + message['role'] "
             "+ '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}{% if "
             "add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}",
}

_S, _E = "<s>", "</s>"
ARCHS: dict[str, Arch] = {
    "llama": Arch("Llama", 32000, 4096, 4096, 32, _S, _E, "llama2"),
    "llama3": Arch("Llama", 128256, 8192, 4096, 32, "<|begin_of_text|>", "<|eot_id|>", "llama3"),
    "mistral": Arch("Mistral", 32000, 32768, 4096, 32, _S, _E, "llama2"),
    "mixtral": Arch("Mixtral", 32000, 32768, 4096, 32, _S, _E, "llama2"),
    "qwen2": Arch("Qwen2", 151936, 32768, 3584, 28, None, "<|im_end|>", "chatml"),
    "qwen3": Arch("Qwen3", 151936, 40960, 4096, 36, None, "<|im_end|>", "chatml"),
    "phi3": Arch("Phi3", 32064, 4096, 3072, 32, _S, "<|endoftext|>", "chatml"),
    "phi": Arch("Phi", 51200, 2048, 2560, 32, "<|endoftext|>", "<|endoftext|>"),
    "gemma": Arch("Gemma", 256000, 8192, 3072, 28, "<bos>", "<eos>", "gemma"),
    "gemma2": Arch("Gemma2", 256000, 8192, 3584, 42, "<bos>", "<eos>", "gemma"),
    "gemma3": Arch("Gemma3", 262208, 131072, 2560, 34, "<bos>", "<eos>", "gemma"),
    "gpt2": Arch("GPT2", 50257, 1024, 768, 12, "<|endoftext|>", "<|endoftext|>"),
    "falcon": Arch("Falcon", 65024, 2048, 4544, 32, None, "<|endoftext|>"),
    "gpt_neox": Arch("GPTNeoX", 50304, 2048, 1024, 24, "<|endoftext|>", "<|endoftext|>"),
    "bloom": Arch("Bloom", 250880, 2048, 1024, 24, _S, _E),
    "deepseek_v2": Arch("DeepseekV2", 102400, 163840, 5120, 60, "<｜begin▁of▁sentence｜>",
                        "<｜end▁of▁sentence｜>", "chatml"),
    "deepseek_v3": Arch("DeepseekV3", 129280, 163840, 7168, 61, "<｜begin▁of▁sentence｜>",
                        "<｜end▁of▁sentence｜>", "chatml"),
    "llama4": Arch("Llama4", 202048, 10485760, 5120, 48, "<|begin_of_text|>", "<|eot|>",
                   "llama3"),
    "mllama": Arch("Mllama", 128256, 131072, 4096, 40, "<|begin_of_text|>", "<|eot_id|>",
                   "llama3"),
    "olmo2": Arch("Olmo2", 100352, 4096, 4096, 32, None, "<|endoftext|>", "chatml"),
    "stablelm": Arch("StableLm", 100352, 4096, 2048, 24, "<|endoftext|>", "<|endoftext|>"),
    "gpt_oss": Arch("GptOss", 201088, 131072, 2880, 24, "<|startoftext|>", "<|return|>",
                    "chatml"),
    "bert": Arch("Bert", 30522, 512, 768, 12, "[CLS]", "[SEP]"),
    "roberta": Arch("Roberta", 50265, 514, 768, 12, _S, _E),
    "distilbert": Arch("DistilBert", 30522, 512, 768, 6, "[CLS]", "[SEP]"),
    "t5": Arch("T5", 32128, 512, 768, 12, None, _E),
    "vit": Arch("ViT", 0, 0, 768, 12, None, ""),
    "whisper": Arch("Whisper", 51865, 448, 768, 12, "<|endoftext|>", "<|endoftext|>"),
}
GENERIC = Arch("Model", 32000, 2048, 2048, 24, _S, _E)
# The class a pipeline's head adds to the prefix (LlamaForCausalLM, BertForSequenceClassification).
HEADS = {"text-generation": "ForCausalLM", "fill-mask": "ForMaskedLM",
         "text-classification": "ForSequenceClassification",
         "token-classification": "ForTokenClassification",
         "image-classification": "ForImageClassification",
         "automatic-speech-recognition": "ForConditionalGeneration",
         "text2text-generation": "ForConditionalGeneration",
         "image-text-to-text": "ForConditionalGeneration", "sentence-similarity": "Model",
         "feature-extraction": "Model"}
CAUSAL = frozenset({"text-generation", "image-text-to-text"})


def arch_of(model_type: str | None, hint: str, created: str) -> Arch:
    """The constants of `model_type`; llama repos tell Llama 1/2 from Llama 3 by their names
    (`hint`: the repo and its source) or, failing that, by their creation date (ISO)."""
    if model_type == "llama":
        lower = hint.lower()
        if "llama-3" in lower or "llama3" in lower:
            return ARCHS["llama3"]
        if "llama-2" in lower or "llama2" in lower or "llama-7b" in lower:
            return ARCHS["llama"]
        return ARCHS["llama3"] if created >= LLAMA3_SINCE else ARCHS["llama"]
    return ARCHS.get(model_type or "", GENERIC)


@lru_cache(maxsize=256)
def class_name(model_type: str, pipeline: str | None) -> str:
    """`architectures[0]` of a config.json: the family's prefix and the pipeline's head."""
    prefix = ARCHS[model_type].prefix if model_type in ARCHS else model_type.title().replace(
        "_", "")
    return prefix + HEADS.get(pipeline or "", "ForCausalLM")


_SIZE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)[Bb](?![a-zA-Z])")


def size_label(name: str) -> str | None:
    """The parameter count a repo name states ("Llama-2-7b-hf" -> "7B"), if any."""
    match = _SIZE.search(name)
    return f"{match.group(1)}B" if match else None


def parameters(size: str | None, salt: int) -> int:
    """A parameter count for a size label ("7B" -> about 6.7e9); small models without one."""
    if size:
        return int(float(size[:-1]) * 1e9 * (0.93 + (salt % 997) / 10_000))
    return 100_000_000 + salt % 900_000_000
