"""The Anatomy table: a crawl's lineage statistics beside the published figures they echo.

The values come from the `anatomy` view (lineage.sql), so a SQL user gets the same numbers; this
module sets each beside its published figure and source, and says where the crawl cannot give
the published quantity. DEFINITIONS states how each statistic is read; docs/schema.md repeats
it beside the view.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from analysis.groups import Conn, query

LAUFER = "Laufer et al. 2025"
HORWITZ = "Horwitz et al. 2025"
OSBORNE = "Osborne et al. 2024"
SOURCES = {
    LAUFER: "Laufer, Oderinwale & Kleinberg 2025, \"Anatomy of a Machine Learning Ecosystem: "
            "2 Million Models on Hugging Face\" (a snapshot of about 1.86M models)",
    HORWITZ: "Horwitz et al. 2025, the Model Atlas",
    OSBORNE: "Osborne et al. 2024, a quantitative analysis of development activity on the "
             "Hugging Face Hub",
}
PUBLISHED_EDGES = 573_653
CRAWL = "whole crawl"

# How each statistic is read, as the report and the command state it.
DEFINITIONS = (
    "Two kinds of statistic sit in this table. Hub-wide ones (the edge totals, card presence, "
    "download concentration) are defined over every model on the Hub: only a full crawl "
    "measures them for the whole crawl, since a family crawl never listed the models outside "
    "its families; per family they are the family's own figure. Lineage ratios (relation "
    "shares, children with children, license changes, card lengths) are computed on any crawl, "
    "over the crawled lineages. An edge is a declared base_model relation from a crawled child "
    "to a parent, self-loops aside, from the card or the Hub's tags; its relation is the "
    "card's, else the tag's, else 'unspecified' (the papers' four relations cover every edge, "
    "the Hub inferring one where a card names none). A family's edges are those whose child "
    "descends from it and whose parent belongs to it. A model is a <relation> child when it has "
    "an edge of that relation to a parent, and has children of its own when it is the parent "
    "of any edge. A card is a README.md of more than 3 characters, and its length counts the "
    "whole file, YAML header included, as the Anatomy authors' code reads the model card; the "
    "crawl keeps the README's size in bytes, so a non-ASCII character counts 2 to 4. Card "
    "presence is over the models whose README was looked for (a gated or failed fetch is "
    "unknown, not 'no card'). Mean card lengths are over the edges whose two ends have a card, "
    "a parent once per child edge, as the authors' code iterates edges. A license change is "
    "counted over the edges whose two ends declare a license (a missing license is neither "
    "kept nor changed), comparing Hub license ids after normalisation (spellings such as "
    "apache2 or llama-3-community mapped to their ids, 'other' licenses told apart by name). "
    "Download concentration takes the Hub's "
    "30-day counts: the share of all downloads that the top 1% of models (rounded up) take."
)


@dataclass(frozen=True)
class Statistic:
    key: str  # the anatomy view's statistic
    label: str
    unit: str  # 'count', 'share' or 'characters'
    published: float | None
    source: str
    hub_wide: bool  # defined over every model on the Hub
    basis_of: str  # what the basis counts


def _relation_rows() -> list[Statistic]:
    published = {"finetune": 189_391, "adapter": 241_417, "quantized": 101_921,
                 "merge": 40_900, "unspecified": None}
    rows = []
    for relation, count in published.items():
        source = LAUFER if count else "none: the paper's relations cover every edge"
        rows.append(Statistic(f"edges_{relation}", f"edges: {relation}", "count", count, source,
                              True, "edges"))
        share = count / PUBLISHED_EDGES if count else None
        rows.append(Statistic(f"share_{relation}", f"share of edges: {relation}", "share",
                              share, source + (" (from its counts)" if count else ""), False,
                              "edges"))
    return rows


STATISTICS: tuple[Statistic, ...] = (
    Statistic("edges", "parent→child edges", "count", PUBLISHED_EDGES, LAUFER, True, "edges"),
    *_relation_rows(),
    Statistic("finetune_with_children", "fine-tune children with children of their own",
              "share", 0.079, LAUFER, False, "fine-tune children"),
    Statistic("quantized_with_children", "quantized children with children of their own",
              "share", 0.0095, LAUFER, False, "quantized children"),
    Statistic("adapter_with_children", "adapter children with children of their own", "share",
              0.0019, LAUFER, False, "adapter children"),
    Statistic("merge_with_children", "merge children with children of their own", "share",
              None, "none published", False, "merge children"),
    Statistic("quantized_leaves", "quantized models that are leaves", "share", 0.9941,
              HORWITZ, False, "quantized children"),
    Statistic("license_changed", "parent→child pairs whose license changed", "share", 0.198,
              LAUFER, False, "edges whose two ends declare a license"),
    Statistic("card_chars_parent", "mean card length of parents (characters)", "characters",
              9_773, LAUFER, False, "edges with a card at both ends"),
    Statistic("card_chars_child", "mean card length of children (characters)", "characters",
              4_402, LAUFER, False, "edges with a card at both ends"),
    Statistic("has_card", "models with a card", "share", 0.67, LAUFER, True,
              "models whose README was looked for"),
    Statistic("top1pct_download_share", "downloads taken by the top 1% of models", "share",
              0.99, OSBORNE, True, "models with a download count"),
)

NOTES = {
    "not_full": ("cannot be measured: a family crawl never listed the models outside its "
                 "families, and this statistic is over every model on the Hub (crawl with "
                 "--mode full)"),
    "family_count": "the family's own count; the published figure covers the whole Hub",
    "family_share": "over the family's models; the published figure covers the whole Hub",
    "empty": "nothing to measure: no {basis_of} in this scope",
}


def crawl_scope(conn: Conn) -> str:
    """What the crawl covers: 'full', 'family', or 'unknown' (no crawl recorded it)."""
    rows = query(conn, "SELECT value FROM meta WHERE key = 'scope'")
    return rows["value"].iloc[0] if len(rows) else "unknown"


def _note(stat: Statistic, family: str | None, scope: str, basis: int) -> str:
    if family is None and stat.hub_wide and scope != "full":
        return NOTES["not_full"]
    if not basis:
        return NOTES["empty"].format(basis_of=stat.basis_of)
    if family is not None and stat.hub_wide:
        return NOTES["family_count" if stat.unit == "count" else "family_share"]
    return ""


def anatomy(conn: Conn) -> pd.DataFrame:
    """Every statistic for the whole crawl and each family: value, basis, published, source,
    note (why a value is missing or not comparable). One row per (statistic, scope)."""
    values = query(conn, "SELECT * FROM anatomy")
    scope = crawl_scope(conn)
    families = query(conn, "SELECT family, label FROM lineage_families ORDER BY family")
    scopes = [(None, CRAWL), *families.itertuples(index=False, name=None)]
    found = {(f if isinstance(f, str) else None, s): (v, int(b))
             for f, s, v, b in values.itertuples(index=False, name=None)}
    rows = []
    for stat in STATISTICS:
        for family, label in scopes:
            value, basis = found.get((family, stat.key), (None, 0))
            note = _note(stat, family, scope, basis)
            shown = None if note == NOTES["not_full"] or not basis or _missing(value) \
                else float(value)
            rows.append({"statistic": stat.label, "key": stat.key, "scope": label,
                         "family": family, "value": shown, "unit": stat.unit, "basis": basis,
                         "basis_of": stat.basis_of, "published": stat.published,
                         "source": stat.source, "note": note})
    return pd.DataFrame(rows)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def formatted(value: float | None, unit: str) -> str:
    """A value as the table shows it: shares in percent, counts and lengths with separators."""
    if _missing(value):
        return "–"
    if unit == "share":
        return f"{100 * value:.2f}%" if value < 0.1 else f"{100 * value:.1f}%"
    return f"{value:,.0f}"


def table(frame: pd.DataFrame) -> pd.DataFrame:
    """An `anatomy` frame as text, one row per statistic: published, source, then one column per
    scope (whole crawl first, then each family), notes marked with a number (see `notes`)."""
    marks = notes(frame)
    number = {text: k for k, text in enumerate(marks["note"], start=1)}
    out = []
    for (label, unit), rows in frame.groupby(["statistic", "unit"], sort=False):
        first = rows.iloc[0]
        row = {"statistic": label, "published": formatted(first["published"], unit),
               "source": first["source"]}
        for r in rows.itertuples():
            cell = formatted(r.value, unit)
            row[r.scope] = f"{cell} [{number[r.note]}]" if r.note else cell
        out.append(row)
    return pd.DataFrame(out)


def notes(frame: pd.DataFrame) -> pd.DataFrame:
    """The distinct notes of an `anatomy` frame, numbered as `table` marks them."""
    texts = list(dict.fromkeys(n for n in frame["note"] if n))
    return pd.DataFrame({"mark": range(1, len(texts) + 1), "note": texts})
