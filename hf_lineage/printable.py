"""Data from the crawl made safe to show: control characters and terminal escapes as visible text.

Model ids, cards, license names and query results come from strangers. Written raw to a terminal,
an ESC sequence recolours, clears or retitles it, `\\r` and `\\b` overwrite what was printed, and
bidi overrides reorder what is read (a model id can pass for another); in a Markdown or HTML file
the same characters hide or reorder text. Every place that shows such data (the `sql` table,
`tree`, the crawl summary and progress lines, error lines, the report's HTML, Markdown and charts)
passes it through `printable`, which writes each such character as a Python-style escape (`\\x1b`,
`\\r`, `\\u202e`), and gives rich only `Text` (never markup), so `[bold]` or `[/]` in a value is
shown as written. csv, json and parquet outputs keep the data exact.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.text import Text

# C0 and C1 controls and DEL; the Arabic letter mark, zero-width and directional marks, line and
# paragraph separators, bidi embeddings, overrides and isolates, invisible operators, the BOM,
# interlinear annotations and the invisible tag characters.
UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
    "\ufff9-\ufffb\U000e0000-\U000e007f]")
NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in NAMED:
        return NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 \
        else f"\\U{code:08x}"


def printable(value: object, keep: str = "") -> str:
    """`value` as text with every control, escape, invisible or bidi character escaped, except
    those in `keep` (e.g. "\\n" for multi-line cells, "\\n\\t" for a whole document)."""
    text = str(value)
    if keep:
        return UNSAFE.sub(lambda m: m.group() if m.group() in keep else _escape(m), text)
    return UNSAFE.sub(_escape, text)


def text(value: object, style: str = "", keep: str = "") -> Text:
    """`value` as a rich Text: printable, and never read as markup."""
    from rich.text import Text

    return Text(printable(value, keep), style=style)
