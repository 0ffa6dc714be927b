"""HTTP range requests on file downloads, as the Hub serves them (RFC 9110, one range).

A crawler reads only the head of a multi-gigabyte GGUF file (`Range: bytes=0-262143`); the Hub
answers 206 with `Content-Range`, and 416 when the range starts past the end.
"""

from __future__ import annotations

import re

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class Unsatisfiable(Exception):
    """The range lies wholly outside the file: 416 with `Content-Range: bytes */<size>`."""


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The (first, last) byte positions a Range header asks for, or None to send everything.

    Headers this server does not understand (several ranges, other units) are ignored, as RFC
    9110 allows: the whole file is sent with 200.
    """
    match = _RANGE.match((header or "").strip())
    if match is None or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":  # the last N bytes
        length = int(last)
        if length == 0:
            raise Unsatisfiable
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        raise Unsatisfiable
    return start, end
