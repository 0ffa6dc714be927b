"""GGUF files as llama.cpp writes them: the header (key/value pairs, tensor infos) then filler.

The crawler reads only a GGUF file's head with a range request, so the double serves a real header
(what the `gguf` Python package and crawler/lineage/inference/gguf_header.py read) followed by
zeros instead of weights. Keys come in llama.cpp's order: `general.*` first, then the
architecture's hyperparameters, then the tokenizer's arrays (hundreds of KiB, as in real files).

Two generations of writers are modelled, because what the header says about lineage changed:
- `old` (convert.py, 2023 to mid-2024, GGUF v2 before November 2023): `general.name` is the
  converted folder's name, often the source repo's name, sometimes a generic one ("models");
- modern (convert_hf_to_gguf.py since mid-2024, v3): `general.name`, `basename`, `size_label`,
  `finetune` and `organization` parsed from the source id, and `general.base_model.N.*` copied
  from the *source's* card (its own parents), as gguf-py's metadata.py does; some converters
  also record `general.source.url`.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from functools import lru_cache

from hub_double.files.architectures import Arch

MAGIC = b"GGUF"
ALIGNMENT = 32
FILLER = 1 << 20  # zeros standing for the weights after the header
U32, I32, F32, BOOL, STRING, ARRAY, U64 = 4, 5, 6, 7, 8, 9, 10
# ggml quantization types: (type id, llama.cpp file_type, bytes per block, elements per block)
QUANT_TYPES = {"Q2_K": (10, 10, 84, 256), "Q3_K_S": (11, 11, 110, 256),
               "Q3_K_M": (11, 12, 110, 256), "Q3_K_L": (11, 13, 110, 256),
               "Q4_0": (2, 2, 18, 32), "Q4_K_S": (12, 14, 144, 256),
               "Q4_K_M": (12, 15, 144, 256), "Q5_0": (6, 8, 22, 32), "Q5_K_S": (13, 16, 176, 256),
               "Q5_K_M": (13, 17, 176, 256), "Q6_K": (14, 18, 210, 256),
               "Q8_0": (8, 7, 34, 32), "IQ4_XS": (23, 30, 136, 256), "F16": (1, 1, 2, 1)}
BLOCK_TENSORS = ("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate",
                 "ffn_up", "ffn_down")
_QUANT_IN_NAME = re.compile(r"(?i)(?:^|[.\-_])(i?q\d_[a-z0-9_]+|q\d_\d|f16|bf16)(?=\.gguf$)")


@dataclass(frozen=True)
class GgufSource:
    """What the converter knew: the source repo, its card's parents, and which writer ran."""

    source: str  # the converted repo's id (or folder name)
    base_models: tuple[str, ...] = ()  # the source card's base_model list (modern writer only)
    source_url: bool = False  # general.source.url recorded
    modern: bool = True
    generic_name: str | None = None  # old writer on a folder that does not carry the repo name
    quantized_by: str | None = None


def quant_of(filename: str) -> str:
    """The quantization a GGUF file name states ("x.Q4_K_M.gguf" -> Q4_K_M), Q4_K_M if none."""
    match = _QUANT_IN_NAME.search(filename)
    found = match.group(1).upper() if match else "Q4_K_M"
    return found if found in QUANT_TYPES else "Q4_K_M"


def _title(text: str) -> str:
    """gguf-py's id_to_title: words capitalised unless acronyms or version numbers."""
    return " ".join(w.title() if w.islower() and not re.match(r"^(v\d+(?:\.\d+)*|\d.*)$", w)
                    else w for w in text.strip().replace("-", " ").split())


_COMPONENTS = re.compile(
    r"^(?P<basename>[A-Za-z0-9\s]*(?:(?:-(?:(?:[A-Za-z\s][A-Za-z0-9\s]*)|(?:[0-9\s]*)))*))"
    r"(?:-(?P<size>(?:\d+x)?\d+[A-Za-z]+)(?:-(?P<finetune>[A-Za-z0-9\s-]+))?)?"
    r"(?:-(?P<version>v\d+(?:\.\d+)*))?$")


def name_fields(source: str) -> dict[str, str]:
    """general.name/basename/size_label/finetune/organization as gguf-py derives them."""
    org, _, name = source.rpartition("/")
    fields = {"general.name": _title(name)}
    match = _COMPONENTS.match(name)
    if match:
        for key, group in (("basename", "basename"), ("size_label", "size"),
                           ("finetune", "finetune")):
            if match.group(group):
                fields[f"general.{key}"] = _title(match.group(group)) if key != "size_label" \
                    else match.group(group).upper()
    if org and not org.startswith("."):
        fields["general.organization"] = _title(org)
    return fields


def _string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw


class _Header:
    """Key/value pairs in writing order."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.pairs = 0

    def add(self, key: str, kind: int, payload: bytes) -> None:
        self.extend(_string(key) + struct.pack("<I", kind) + payload, 1)

    def extend(self, encoded: bytes, pairs: int) -> None:
        """Pairs already encoded (the cached tokenizer arrays)."""
        self.parts.append(encoded)
        self.pairs += pairs

    def text(self, key: str, value: str) -> None:
        self.add(key, STRING, _string(value))

    def u32(self, key: str, value: int) -> None:
        self.add(key, U32, struct.pack("<I", value))

    def f32(self, key: str, value: float) -> None:
        self.add(key, F32, struct.pack("<f", value))

    def texts(self, key: str, values: list[str]) -> None:
        self.add(key, ARRAY, struct.pack("<IQ", STRING, len(values))
                 + b"".join(_string(v) for v in values))


@lru_cache(maxsize=8)
def _vocabulary(size: int, bos: str | None, eos: str) -> bytes:
    """The three tokenizer arrays (tokens, scores, token types) of a synthetic vocabulary."""
    special = ["<unk>", bos or "<|pad|>", eos]
    byte_tokens = [f"<0x{b:02X}>" for b in range(256)]
    count = max(size, len(special) + len(byte_tokens))
    words = [f"\u2581tok{i}" for i in range(count - len(special) - len(byte_tokens))]
    tokens = special + byte_tokens + words
    out = _Header()
    out.texts("tokenizer.ggml.tokens", tokens)
    out.add("tokenizer.ggml.scores", ARRAY, struct.pack("<IQ", F32, count)
            + struct.pack(f"<{count}f", *(-float(i) for i in range(count))))
    types = [3] * len(special) + [6] * len(byte_tokens) + [1] * len(words)
    out.add("tokenizer.ggml.token_type", ARRAY, struct.pack("<IQ", I32, count)
            + struct.pack(f"<{count}i", *types))
    return b"".join(out.parts)


def _general(header: _Header, src: GgufSource, arch_name: str, license_: str | None) -> None:
    header.text("general.architecture", arch_name)
    if not src.modern:
        header.text("general.name", src.generic_name or src.source.rpartition("/")[2])
        return
    header.text("general.type", "model")
    for key, value in name_fields(src.source).items():
        header.text(key, value)
    if license_:
        header.text("general.license", license_)
    if src.base_models:
        header.u32("general.base_model.count", len(src.base_models))
        for n, parent in enumerate(src.base_models):
            org, _, name = parent.rpartition("/")
            header.text(f"general.base_model.{n}.name", _title(name))
            if org:
                header.text(f"general.base_model.{n}.organization", _title(org))
                header.text(f"general.base_model.{n}.repo_url", f"https://huggingface.co/{parent}")
    if src.source_url and "/" in src.source:
        header.text("general.source.url", f"https://huggingface.co/{src.source}")
    if src.quantized_by:
        header.text("general.quantized_by", src.quantized_by)


@lru_cache(maxsize=64)
def _tensor_infos(arch: Arch, quant: str) -> tuple[int, bytes]:
    """(count, bytes) of the tensor infos of a llama-like model, offsets aligned as llama.cpp."""
    type_id, _, block_bytes, block_elems = QUANT_TYPES[quant]
    hidden, ffn = arch.hidden, arch.hidden * 11 // 4
    shapes = [("token_embd.weight", (hidden, max(arch.vocab, 1)), type_id)]
    for b in range(arch.blocks):
        for part in BLOCK_TENSORS:
            if part.endswith("norm"):
                shapes.append((f"blk.{b}.{part}.weight", (hidden,), 0))
            else:
                dims = (ffn, hidden) if part == "ffn_down" else (hidden, ffn) if part.startswith(
                    "ffn") else (hidden, hidden)
                shapes.append((f"blk.{b}.{part}.weight", dims, type_id))
    shapes += [("output_norm.weight", (hidden,), 0),
               ("output.weight", (hidden, max(arch.vocab, 1)), type_id)]
    parts, offset = [], 0
    for name, dims, kind in shapes:
        parts.append(_string(name) + struct.pack(f"<I{len(dims)}QIQ", len(dims), *dims, kind,
                                                 offset))
        elements = 1
        for d in dims:
            elements *= d
        size = elements * 4 if kind == 0 else elements // block_elems * block_bytes
        offset += -(-size // ALIGNMENT) * ALIGNMENT
    return len(shapes), b"".join(parts)


def gguf_file(src: GgufSource, arch: Arch, arch_name: str, filename: str,
              license_: str | None, chat_template: str | None, created: str) -> bytes:
    """A GGUF file's bytes: the header llama.cpp would write for `src`, then FILLER zeros."""
    quant = quant_of(filename)
    header = _Header()
    _general(header, src, arch_name, license_)
    prefix = arch_name
    header.u32(f"{prefix}.block_count", arch.blocks)
    header.u32(f"{prefix}.context_length", arch.context)
    header.u32(f"{prefix}.embedding_length", arch.hidden)
    header.u32(f"{prefix}.feed_forward_length", arch.hidden * 11 // 4)
    header.u32(f"{prefix}.attention.head_count", max(arch.hidden // 128, 1))
    header.f32(f"{prefix}.attention.layer_norm_rms_epsilon", 1e-5)
    header.u32("general.file_type", QUANT_TYPES[quant][1])
    header.text("tokenizer.ggml.model", "llama" if arch.vocab <= 32064 else "gpt2")
    header.extend(_vocabulary(arch.vocab, arch.bos, arch.eos), 3)
    header.u32("tokenizer.ggml.bos_token_id", 1)
    header.u32("tokenizer.ggml.eos_token_id", 2)
    if chat_template:
        header.text("tokenizer.chat_template", chat_template)
    header.u32("general.quantization_version", 2)
    count, infos = _tensor_infos(arch, quant)
    version = 3 if created >= "2023-11-01" else 2
    head = MAGIC + struct.pack("<IQQ", version, count, header.pairs) + b"".join(
        header.parts) + infos
    return head + bytes(-len(head) % ALIGNMENT) + bytes(FILLER)
