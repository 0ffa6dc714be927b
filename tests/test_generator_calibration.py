"""The synthetic Hub against the published anatomy of the real one, through `hf-lineage
anatomy`'s own definitions (analysis/anatomy.py, the `anatomy` view). The demo database's
figures are checked in test_demo.py, beside the demo itself (one demo run serves both).

Where each figure is checked:
- the demo database (hf_lineage.demo.run_demo: a 20,000-model Hub, seed 0, crawled in family
  mode over HTTP) holds the lineage ratios a family crawl measures over its crawled lineages:
  relation shares, children with children per relation, quantized leaves, license changes and
  the card lengths of parents and children;
- card presence and download concentration are over every model on the Hub, which a family
  crawl never lists (the demo shows them as not measurable): they, and the lineage ratios of
  the whole Hub, are checked on a full crawl of the same Hub (hub_double.crawled.crawled_db).
Edge totals are counts of a 1.86M-model Hub: a 20,000-model one cannot match them.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from analysis.anatomy import CRAWL, STATISTICS, anatomy
from analysis.db import connect

TOLERANCE = 0.25  # relative, around each published figure
PUBLISHED = {s.key: s.published for s in STATISTICS}
LINEAGE_RATIOS = ("share_finetune", "share_adapter", "share_quantized", "share_merge",
                  "finetune_with_children", "quantized_with_children", "adapter_with_children",
                  "quantized_leaves", "license_changed", "card_chars_parent", "card_chars_child")
HUB_WIDE = ("has_card", "top1pct_download_share")
DEMO_MODELS, DEMO_SEED = 20_000, 0


class Figure(NamedTuple):
    value: float | None
    basis: int  # the models or edges a share is taken over
    unit: str


def _whole_crawl(db: Path) -> dict[str, Figure]:
    with connect(db) as conn:
        frame = anatomy(conn)
    rows = frame[frame["scope"] == CRAWL]
    return {key: Figure(None if pd.isna(value) else float(value), int(basis), unit)
            for key, value, basis, unit in zip(rows["key"], rows["value"], rows["basis"],
                                               rows["unit"], strict=True)}


def _within(figure: Figure, published: float) -> bool:
    """Within TOLERANCE of the published figure, or, for a share, within two standard errors
    of it on the figure's basis: at this scale some shares rest on a handful of models (0.19%
    of 2,900 adapters is 5.5 +- 2.3 models, so +-25% is +-1.4 models, sampling noise)."""
    if figure.value is None:
        return False
    if abs(figure.value / published - 1) <= TOLERANCE:
        return True
    if figure.unit != "share" or figure.basis == 0:
        return False
    return abs(figure.value - published) <= 2 * math.sqrt(
        published * (1 - published) / figure.basis)


def _outside(values: dict[str, Figure], keys: tuple[str, ...]) -> dict[str, tuple]:
    """The figures not within the published ones' bands: (value, basis, published)."""
    return {key: (values[key].value, values[key].basis, PUBLISHED[key]) for key in keys
            if not _within(values[key], PUBLISHED[key])}


def test_the_whole_hub_has_the_anatomy_of_the_real_hub(generated_db) -> None:
    values = _whole_crawl(generated_db(DEMO_MODELS, DEMO_SEED))
    assert _outside(values, LINEAGE_RATIOS + HUB_WIDE) == {}
