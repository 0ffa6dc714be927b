"""Which README a generated model has: none, an empty one, or a template at a length.

Calibrated on Laufer, Oderinwale & Kleinberg 2025 (the Anatomy of ~1.86M Hub models): 67% of
models have a card (a README of more than 3 characters); over parent->child edges the mean card
is 9,773 characters for the parent and 4,402 for the child (whole README, YAML header included).
The mix of templates per kind and their lengths follow the real cards of shared/hub-samples:
most cards are short notes with a long tail (the family trees' READMEs: median 975 characters;
2022's: 2,054), organisations' release cards run 20-22k characters (Llama-2-7b, DeepSeek-V3),
the Hub's template 5k, Trainer cards a median 1.8k, unsloth's 0.6k, quantizers' cards 11-20k
(mradermacher's DeepSeek-V3 GGUFs); a model with children of its own is documented more fully
than a leaf. Models without a card are those declaring no parent: a README is where the parent
is declared.
"""

from __future__ import annotations

from statistics import NormalDist

from hub_double.generator.catalogue import Kind

NONE = "none"  # no README.md at all
INVERSE_NORMAL = NormalDist().inv_cdf

# Templates (hub_double/generator/readmes.py) per role, with their shares.
MIXES: dict[str, tuple[tuple[str, float], ...]] = {
    "top": (("official", 1.0),),
    "reupload": (("official", 1.0),),
    # Standalones carry the Hub's card-less models: NONE is set so that 67% of all models have
    # a card (hub_double/generator/__init__.py says why the share is this high here).
    "standalone": ((NONE, 0.76), ("empty", 0.01), ("short", 0.11), ("hub_template", 0.04),
                   ("documented", 0.08)),
    "standalone_carded": (("short", 0.45), ("hub_template", 0.2), ("documented", 0.35)),
    # Most real cards are short notes (the family trees' median is 975 characters, 2022's 2,054)
    # with a long tail of documented ones; many derivatives keep their base's card ("official").
    "finetune": (("short", 0.36), ("documented", 0.2), ("trainer", 0.14), ("hub_template", 0.06),
                 ("unsloth", 0.1), ("official", 0.14)),
    "adapter": (("short", 0.36), ("documented", 0.14), ("peft", 0.18), ("trainer", 0.2),
                ("official", 0.12)),
    "quantized": (("short", 0.5), ("hub_template", 0.1), ("official", 0.4)),
    "quantized_gguf": (("gguf_my_repo", 0.5), ("short", 0.3), ("official", 0.2)),
    "quantized_mlx": (("mlx", 1.0),),
    "quantized_house": (("quantizer", 1.0),),
    "merge": (("mergekit", 0.8), ("documented", 0.2)),
    "parent": (("documented", 0.75), ("trainer", 0.1), ("hub_template", 0.15)),
}
# Median length (characters of the body) and log-spread of the templates that grow.
LENGTHS: dict[str, tuple[float, float]] = {
    "official": (9_500, 0.6), "documented": (1_500, 1.4), "trainer": (2_200, 0.6),
    "quantizer": (12_000, 0.35), "mergekit": (1_800, 0.3),
}
PARENT_LENGTH = 2.0  # a documented model with children of its own: this much longer
THEBLOKE_LENGTH = 1.6  # TheBloke's cards paste the original card below his own


def role(kind: int, children: int, author: str, fmt: str) -> str:
    """The README role of a derivative: its kind, refined by format and house for
    quantizations, or 'parent' when it has children of its own."""
    if children and kind != Kind.QUANTIZED:
        return "parent"
    if kind == Kind.QUANTIZED:
        if author in QUANT_HOUSES:
            return "quantized_house"
        return {"gguf": "quantized_gguf", "mlx": "quantized_mlx"}.get(fmt, "quantized")
    return {Kind.FINETUNE: "finetune", Kind.ADAPTER: "adapter", Kind.MERGE: "merge"}[kind]


QUANT_HOUSES = frozenset({"TheBloke", "bartowski", "mradermacher", "QuantFactory",
                          "lmstudio-community", "MaziyarPanahi", "second-state", "RichardErkhov",
                          "solidrust", "LoneStriker", "turboderp"})


def choose(role_: str, r_template: float, r_length: float,
           author: str = "") -> tuple[str, int | None]:
    """(template, body length or None for fixed-length templates) from two uniform draws."""
    mix = MIXES[role_]
    total, pick = 0.0, mix[-1][0]
    for template, share in mix:
        total += share
        if r_template < total:
            pick = template
            break
    if pick not in LENGTHS:
        return pick, None
    median, sigma = LENGTHS[pick]
    scale = (PARENT_LENGTH if role_ == "parent" else 1.0) * (
        THEBLOKE_LENGTH if author == "TheBloke" else 1.0)
    z = INVERSE_NORMAL(min(max(r_length, 1e-9), 1 - 1e-9))
    return pick, round(median * scale * 2.718281828459045 ** (sigma * z))
