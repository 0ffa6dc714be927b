"""Text from the Hub made safe for DuckDB: JSON whose strings are valid Unicode.

JSON may spell a UTF-16 surrogate as an escape (`"\\ud800"`); a lone one is not a character,
and DuckDB refuses the whole document, so one user's card YAML could make a listing page
impossible to store, forever. Lone surrogate escapes become U+FFFD; pairs (emoji) are kept.
"""

from __future__ import annotations

import re

_SURROGATE = re.compile(r"(\\+)u([dD][89a-fA-F][0-9a-fA-F]{2})")
_REPLACEMENT = "\\ufffd"


def valid_json_text(text: str) -> str:
    """`text` (JSON) with every lone surrogate escape replaced; linear, and free when none."""
    if _SURROGATE.search(text) is None:
        return text
    escapes = [m for m in _SURROGATE.finditer(text) if len(m.group(1)) % 2 == 1]
    parts, last, i = [], 0, 0
    while i < len(escapes):
        here = escapes[i]
        high = here.group(2)[1].lower() in "89ab"
        following = escapes[i + 1] if i + 1 < len(escapes) else None
        if (high and following is not None and following.start() == here.end()
                and following.group(2)[1].lower() in "cdef" and len(following.group(1)) == 1):
            i += 2  # a valid pair
            continue
        start = here.end() - 6  # the `\uXXXX` itself, after any escaped backslashes
        parts += [text[last:start], _REPLACEMENT]
        last = here.end()
        i += 1
    parts.append(text[last:])
    return "".join(parts)
