"""Which derivatives leave their parents out of the card's YAML, and what their READMEs are.

`base_model` is a convention of late 2023: PEFT writes it into adapter cards from 0.6 (PR #975,
merged 2023-09-28, released 2023-11-03), the Hub's documentation describes it from 2023-11-22
(hub-docs #1113), huggingface_hub documents it in ModelCardData on 2023-12-21 (#1936). Before
FIELD_START almost nothing declares a parent: the 2022 card sample declares none, and the LLaMA-1
wave of spring 2023 predates the field; the big quantizers (TheBloke) edited their old cards to
add it later. After it, tool-written cards (PEFT, mergekit, GGUF-my-repo, mlx-lm, Unsloth, the
Trainer) carry it and hand-made uploads often do not. Horwitz et al. (2025, "Charting and
Navigating Hugging Face's Model Atlas") report that more than 60% of Hub models document no
parent. UNDOCUMENTED is the highest share after the field that keeps the documented edges within
the real edge sample's shape (relation mix, fan-out: tests/test_generator.py; the sample holds
documented edges only); with the standalone models, which declare nothing, 56% of a default Hub
documents no parent. No sample measures the rate per kind, so it is the same for every kind;
only the big quantizers differ visibly (their cards all carry base_model, old ones edited in).

Card forms of undocumented models before the field follow the 2022 sample (2,944 real cards):
44% of those repos have no README, 9% an empty or short one, 8% are the Trainer's generated card
(the share of all models; fine-tunes are a quarter of the generator's 2022 models, which hold no
adapter (graph.ADAPTERS_FROM), hence ~1/3 of them), and about 5% of the other hand-written
cards name a parent. Undocumented models are chosen among models without a metadata defect
(mess.CLEAN), so every defect stays testable.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from hub_double.generator.catalogue import QUANT_FORMATS, Kind, ts
from hub_double.generator.graph import Graph
from hub_double.generator.mess import Mess

FIELD_START = ts("2023-11-01")


class CardForm(IntEnum):
    """The README of an undocumented model (hub_double/files/cards.py renders each)."""

    DEFAULT = 0  # documented models: the card rendered from its YAML
    NONE = 1  # no README at all
    MINIMAL = 2  # a title or one line
    TRAINER = 3  # the Trainer's generated card: "fine-tuned version of [X](…)"
    HUB = 4  # huggingface_hub's template, "Finetuned from model [optional]" left empty
    HUB_FILLED = 5  # the same template with the parent filled in
    PROSE = 6  # hand-written, naming the parent
    FAMILY = 7  # hand-written, naming only a model family ("LLaMA-7B")
    LINKS = 8  # a resource list linking the parent
    PEFT = 9  # PEFT's card before 0.6: library version and quantization config only
    LORA_FOR = 10  # "LoRA adapter for [X](…)"
    QUANT_OF = 11  # "Q4_K_M quantized version of [X](…)"
    QUANT_PLAIN = 12  # "GGUF files of my model"
    FORMAT_FILES = 13  # TheBloke's template, the source's card pasted below
    MERGE_CARD = 14  # mergekit's generated card: list of merged models and the YAML
    MERGE_OF = 15  # "a merge of [A] and [B]"
    COPIED = 16  # the parent's Trainer card copied: its sentence names the grandparent


# Share of derivatives declaring no parent, before / after FIELD_START (the 2022 sample declares
# none; a few old cards were edited later), and of the big quantizers' repos.
UNDOCUMENTED = (0.95, 0.35)
HOUSE_UNDOCUMENTED = (0.3, 0.02)
_F = CardForm
CARD_FORMS = {  # (kind, after FIELD_START) -> card form shares of its undocumented models
    (Kind.FINETUNE, False): {_F.NONE: 0.40, _F.MINIMAL: 0.12, _F.TRAINER: 0.33, _F.PROSE: 0.04,
                             _F.FAMILY: 0.08, _F.COPIED: 0.03},
    (Kind.FINETUNE, True): {_F.NONE: 0.22, _F.MINIMAL: 0.12, _F.TRAINER: 0.14, _F.HUB: 0.18,
                            _F.HUB_FILLED: 0.05, _F.PROSE: 0.06, _F.FAMILY: 0.17, _F.LINKS: 0.03,
                            _F.COPIED: 0.03},
    (Kind.ADAPTER, False): {_F.NONE: 0.35, _F.PEFT: 0.35, _F.FAMILY: 0.15, _F.LORA_FOR: 0.10,
                            _F.MINIMAL: 0.05},
    (Kind.ADAPTER, True): {_F.NONE: 0.30, _F.HUB: 0.30, _F.PEFT: 0.05, _F.LORA_FOR: 0.10,
                           _F.FAMILY: 0.10, _F.MINIMAL: 0.15},
    (Kind.QUANTIZED, False): {_F.NONE: 0.35, _F.MINIMAL: 0.15, _F.QUANT_PLAIN: 0.20,
                              _F.QUANT_OF: 0.15, _F.FORMAT_FILES: 0.15},
    (Kind.QUANTIZED, True): {_F.NONE: 0.30, _F.MINIMAL: 0.15, _F.QUANT_PLAIN: 0.20,
                             _F.QUANT_OF: 0.20, _F.FORMAT_FILES: 0.15},
    (Kind.MERGE, False): {_F.NONE: 0.25, _F.MINIMAL: 0.10, _F.MERGE_CARD: 0.40,
                          _F.MERGE_OF: 0.25},
    (Kind.MERGE, True): {_F.NONE: 0.25, _F.MINIMAL: 0.10, _F.MERGE_CARD: 0.40,
                         _F.MERGE_OF: 0.25},
}


HOUSES = frozenset(house for f in QUANT_FORMATS for house, _, _ in f.houses)


def card_forms(graph: Graph, rng: np.random.Generator) -> np.ndarray:
    """The card form every derivative would have if it declared no parent (int8 per model)."""
    kind, after = graph.kind, graph.time >= FIELD_START
    forms = np.zeros(graph.size, np.int8)
    for (k, late), shares in CARD_FORMS.items():
        rows = np.flatnonzero((kind == k) & (after == late))
        options = np.array(list(shares), np.int8)
        weights = np.array(list(shares.values()))
        forms[rows] = rng.choice(options, len(rows), p=weights / weights.sum())
    return forms


_CLEAN = int(Mess.CLEAN)  # an enum member is slow to read once per model


def documents(time: int, mess: int, author: str, draw: float) -> bool:
    """Whether a derivative's card declares its parents, from its era and publisher (`draw`:
    the model's uniform draw). Models with a metadata defect always do."""
    if mess != _CLEAN:
        return True
    after = time >= FIELD_START
    return draw >= (HOUSE_UNDOCUMENTED if author in HOUSES else UNDOCUMENTED)[after]


def unstated_card(card: dict, form: int, name: str) -> dict | None:
    """The YAML of an undocumented model's card: no base_model; a Trainer card's own keys."""
    if form == CardForm.NONE:
        return None
    kept = {k: v for k, v in card.items() if k not in ("base_model", "base_model_relation")}
    if form == CardForm.TRAINER:
        license_keys = {k: v for k, v in kept.items() if k.startswith("license")}
        trainer: dict = {**license_keys, "tags": ["generated_from_trainer"]}
        if kept.get("datasets"):
            trainer["datasets"] = kept["datasets"]
        return trainer | {"model-index": [{"name": name, "results": []}]}
    if form == CardForm.PEFT:
        return {"library_name": "peft"}
    return kept
