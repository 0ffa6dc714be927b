"""A repo's files, rendered on request from a few compact columns of its store row.

A two-million-model Hub cannot store every config.json, adapter config, mergekit YAML and GGUF
header; it stores the repo's `model_type` and a small JSON spec (`files`, written by the
generator) holding only what names other repos, and renders the rest here: the file list
(`siblings`), the API's `config` and `gguf` summaries, each file's bytes for `/resolve/`, and
the README body of cards that are not rendered from their YAML alone.

The spec's keys (all optional; NULL spec = defaults from the library, tags and id):
- `nop`: config.json's `_name_or_path` (absent: the repo's own id);
- `ad`: adapter_config.json's `base_model_name_or_path`;
- `mk`: mergekit's `{method, models, base, file}` (`file`: mergekit_config.yml is present);
- `gg`: the GGUF header's source: `{src, bm, url, old, generic, by}` (see files/gguf.py);
- `card`: the README body's template and what it names: `{t, p, d, x, g, f}` (files/cards.py);
- `siblings`, `config`, `gguf`: a real capture's file list, config and GGUF summaries, served
  as captured (hub_double/samples.py, hub_double/hub_stats.py); the files themselves are
  still rendered.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cached_property
from typing import Any

from hub_double.files import cards, configs, layouts
from hub_double.files.architectures import (
    ARCHS,
    CHAT_TEMPLATES,
    Arch,
    arch_of,
    class_name,
    parameters,
    size_label,
)
from hub_double.files.gguf import GgufSource, gguf_file

FORMAT_NAMES = {"gguf": "GGUF", "gptq": "GPTQ", "awq": "AWQ", "exl2": "EXL2", "mlx": "MLX",
                "bnb": "4-bit"}
CONFIG_LAYOUTS = frozenset({"transformers", "merge", "gptq", "awq", "exl2", "bnb", "mlx",
                            "sentence-transformers"})
JSON_FILES = frozenset({"tokenizer_config.json", "special_tokens_map.json",
                        "generation_config.json", "quantize_config.json", "quant_config.json",
                        "model_index.json", "measurement.json", "modules.json", "results.json"})
CHAT_WORDS = ("chat", "instruct", "-it", "vicuna", "alpaca", "koala", "gpt4all", "sft", "dpo")
__all__ = ["RepoFiles"]


class RepoFiles:
    """The files of one repo, from its store row (id, library_name, pipeline_tag, tags,
    model_type, files, created_at, has_readme, card_data)."""

    def __init__(self, row: dict[str, Any]) -> None:
        self.id: str = row["id"]
        self.name = self.id.rpartition("/")[2]
        raw = row.get("files")
        self.spec: dict[str, Any] = json.loads(raw) if isinstance(raw, str) else (raw or {})
        tags = frozenset(row.get("tags") or ())
        self.pipeline: str | None = row.get("pipeline_tag")
        self.model_type: str | None = row.get("model_type") or _type_from_tags(tags)
        self.layout = layouts.layout_of(row.get("library_name"), tags, "mk" in self.spec)
        created = row.get("created_at")
        self.created = (created.strftime("%Y-%m-%d") if isinstance(created, datetime)
                        else "2024-01-01")
        self.has_readme = bool(row.get("has_readme", True))
        self.card_data = row.get("card_data")
        source = (self.spec.get("gg") or {}).get("src") or self.spec.get("nop") or ""
        self.arch: Arch = arch_of(self.model_type, f"{self.id} {source}", self.created)

    # -- what the listing shows -------------------------------------------------------------
    def siblings(self) -> list[str]:
        return list(self._siblings)

    @cached_property
    def _siblings(self) -> tuple[str, ...]:
        if "siblings" in self.spec:
            return tuple(self.spec["siblings"])
        mk = self.spec.get("mk") or {}
        files = layouts.siblings(self.id, self.layout, self.has_readme, self.created,
                                 self._params(), self.arch.vocab == 32000,
                                 (self.spec.get("card") or {}).get("t") == "trainer")
        if mk and not mk.get("file", True) and "mergekit_config.yml" in files:
            files.remove("mergekit_config.yml")
        return tuple(files)

    def config_summary(self) -> dict[str, Any] | None:
        """The API's `config`: architectures, model_type, tokenizer_config (no _name_or_path)."""
        if "config" in self.spec:
            return self.spec["config"]
        tokenizer = {"bos_token": self.arch.bos, "eos_token": self.arch.eos}
        if self.layout == "adapter":
            return {"tokenizer_config": tokenizer} if "tokenizer_config.json" in \
                self._siblings else None
        if self.layout not in CONFIG_LAYOUTS or not self.model_type:
            return None
        summary: dict[str, Any] = {"architectures": [self._class()],
                                   "model_type": self.model_type}
        if self.layout in configs.QUANTIZATION:
            quant = configs.QUANTIZATION[self.layout]
            summary["quantization_config"] = {"quant_method": quant["quant_method"],
                                              "bits": quant.get("bits", 4)}
        summary["tokenizer_config"] = tokenizer
        return summary

    def gguf_summary(self) -> dict[str, Any] | None:
        """The API's `gguf`: what the Hub reads from the repo's first GGUF file."""
        if "gguf" in self.spec:
            return self.spec["gguf"]
        if self.layout != "gguf":
            return None
        summary = {"total": self._params(), "architecture": self.model_type or "llama",
                   "context_length": self.arch.context}
        template = self._chat_template()
        if template:
            summary["chat_template"] = template
        summary |= {"bos_token": self.arch.bos or self.arch.eos, "eos_token": self.arch.eos}
        return summary

    # -- what /resolve/ serves --------------------------------------------------------------
    def read(self, filename: str) -> bytes | None:
        """A file's bytes; None when the repo has no such file (README.md is the api's)."""
        if filename == "README.md" or filename not in self._siblings:
            return None
        if filename == "config.json":
            return configs.config_json(self.arch, self.model_type or "llama", self.pipeline,
                                       self.spec.get("nop", self.id), self.layout,
                                       cards.versions(self.created)[0])
        if filename == "adapter_config.json":
            base = self.spec.get("ad") or self.spec.get("nop") or "unknown"
            return configs.adapter_config_json(base, layouts.salt(self.id, "adapter"))
        if filename == "mergekit_config.yml":
            return self._mergekit().encode()
        if filename.endswith(".gguf"):
            return self._gguf(filename)
        if filename.endswith(".json"):
            return configs.small_json(filename, self.arch, self._chat_template())
        return bytes(16 + layouts.salt(self.id, filename) % 48)  # weights stand-in

    def card_body(self) -> str | None:
        """The README body of a templated card, or None for the default rendering."""
        card = self.spec.get("card")
        if not card:
            return None
        kind, parent, dataset = card.get("t"), card.get("p") or "", card.get("d")
        fmt = FORMAT_NAMES.get(self.layout, "quantized")
        mk = self.spec.get("mk") or {}
        bodies = {
            "trainer": lambda: cards.trainer(self.name, parent, dataset, self.pipeline,
                                             self.created),
            "hub": lambda: cards.hub_template(self.name, card.get("p")),
            "peft": lambda: cards.peft_card(self.created),
            "prose": lambda: cards.prose(self.name, parent, dataset),
            "family": lambda: cards.family(self.name, card.get("f") or "LLaMA", dataset),
            "minimal": lambda: cards.minimal(self.name),
            "lora_for": lambda: cards.lora_for(self.name, parent),
            "quant_of": lambda: cards.quant_of(self.name, parent, fmt),
            "quant_plain": lambda: cards.quant_plain(self.name, fmt),
            "format_files": lambda: cards.format_files(self.name, parent, fmt, card.get("g")),
            "merge_card": lambda: cards.merge_card(self.name, mk.get("method", "slerp"),
                                                   mk.get("models", []), mk.get("base"),
                                                   self._mergekit()),
            "merge_of": lambda: cards.merge_of(self.name, mk.get("models") or [parent]),
            "links": lambda: cards.links(self.name, parent),
            "text": lambda: f"# {self.name}\n\n{card.get('f', '')}\n",
        }
        body = bodies[kind]() if kind in bodies else cards.minimal(self.name)
        return body + (cards.mention(card["x"]) if card.get("x") else "")

    # -- helpers ------------------------------------------------------------------------------
    def _params(self) -> int:
        source = (self.spec.get("gg") or {}).get("src", "")
        return parameters(size_label(self.id) or size_label(source),
                          layouts.salt(self.id, "params"))

    def _class(self) -> str:
        return class_name(self.model_type or "llama", self.pipeline)

    def _chat_template(self) -> str | None:
        hint = f"{self.id} {(self.spec.get('gg') or {}).get('src', '')}".lower()
        if not self.arch.chat or not any(word in hint for word in CHAT_WORDS):
            return None
        return CHAT_TEMPLATES[self.arch.chat]

    def _mergekit(self) -> str:
        mk = self.spec.get("mk") or {}
        return configs.mergekit_yaml(mk.get("method", "slerp"), list(mk.get("models", [])),
                                     mk.get("base"), self.arch.blocks)

    def _gguf(self, filename: str) -> bytes:
        gg = self.spec.get("gg") or {}
        source = GgufSource(gg.get("src") or self.id, tuple(gg.get("bm") or ()),
                            bool(gg.get("url")), not gg.get("old"), gg.get("generic"),
                            gg.get("by"))
        license_ = json.loads(self.card_data).get("license") if isinstance(
            self.card_data, str) else None
        return gguf_file(source, self.arch, self.model_type or "llama", filename,
                         license_ if isinstance(license_, str) else None, self._chat_template(),
                         self.created)


def _type_from_tags(tags: frozenset[str]) -> str | None:
    """The architecture tag the Hub derives from config.json, for rows without model_type."""
    return next((tag for tag in sorted(tags) if tag in ARCHS), None)
