"""Key/value metadata from the first bytes of a .gguf file (GGUF versions 1 to 3).

The crawler can fetch a GGUF file's head with an HTTP range request and hand the bytes here;
`general.*` keys come first in files llama.cpp writes, so a few hundred KiB suffice although the
tokenizer arrays after them run to megabytes. Reading stops cleanly where the bytes end
(`complete=False`), as it does at a value it cannot follow (an unknown type, nested arrays),
keeping what came before; long arrays are skipped rather than kept; lengths are checked against the
bytes actually present, so a hostile header cannot make the reader allocate or loop beyond them.
Layout: magic `GGUF`, version (u32), tensor count and key/value count (u64; u32 in version 1),
then per pair a string key, a u32 value type and the value (strings are a length and UTF-8
bytes; arrays an element type, a count and the elements).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

MAGIC = b"GGUF"
MAX_ARRAY_KEPT = 64
MAX_PAIRS = 100_000
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q",
            11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9


class GgufError(ValueError):
    """The bytes are not the start of a GGUF file this reader understands."""


class _Stop(Exception):
    """The bytes end before the value does, or hold a value this reader does not follow."""


@dataclass
class GgufMetadata:
    values: dict[str, Any] = field(default_factory=dict)
    complete: bool = True  # every key/value pair was read


class _Reader:
    def __init__(self, data: bytes, version: int) -> None:
        self.data, self.offset = data, 8
        self.count_format = "<I" if version == 1 else "<Q"

    def unpack(self, fmt: str) -> Any:
        size = struct.calcsize(fmt)
        if self.offset + size > len(self.data):
            raise _Stop
        (value,) = struct.unpack_from(fmt, self.data, self.offset)
        self.offset += size
        return value

    def string(self) -> str:
        length = self.unpack(self.count_format)
        if self.offset + length > len(self.data):
            raise _Stop
        raw = self.data[self.offset:self.offset + length]
        self.offset += length
        return raw.decode("utf-8", errors="replace")

    def value(self, kind: int) -> Any:
        if kind in _SCALARS:
            return self.unpack(_SCALARS[kind])
        if kind == _STRING:
            return self.string()
        if kind == _ARRAY:
            element, count = self.unpack("<I"), self.unpack(self.count_format)
            if element == _ARRAY:
                raise _Stop  # arrays of arrays: allowed by the format, unused for general.*
            items = [self.value(element) for _ in range(count)] if count <= MAX_ARRAY_KEPT else None
            if items is None:
                self.skip(element, count)
            return items
        raise _Stop  # an unknown type: its size is unknown, nothing after it can be read

    def skip(self, kind: int, count: int) -> None:
        if kind in _SCALARS:
            self.offset += struct.calcsize(_SCALARS[kind]) * count
            if self.offset > len(self.data):
                raise _Stop
            return
        for _ in range(count):
            self.value(kind)


def read_metadata(data: bytes) -> GgufMetadata:
    """The header's key/value pairs; arrays longer than MAX_ARRAY_KEPT are left out."""
    if data[:4] != MAGIC:
        raise GgufError("not a GGUF file: bad magic")
    if len(data) < 8:
        return GgufMetadata(complete=False)
    version = struct.unpack_from("<I", data, 4)[0]
    if version not in (1, 2, 3):
        raise GgufError(f"unsupported GGUF version {version}")
    reader = _Reader(data, version)
    result = GgufMetadata()
    try:
        reader.unpack(reader.count_format)  # tensor count
        pairs = reader.unpack(reader.count_format)
        for _ in range(min(pairs, MAX_PAIRS)):
            key = reader.string()
            value = reader.value(reader.unpack("<I"))
            if value is not None:
                result.values[key] = value
    except _Stop:
        result.complete = False
    return result
