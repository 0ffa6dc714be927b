"""The synthetic Hub against the published anatomy of the real one, through `hf-lineage
anatomy`'s own definitions (analysis/anatomy.py, the `anatomy` view).

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
import pytest

from analysis.anatomy import CRAWL, STATISTICS, anatomy
from analysis.db import connect
from crawler.roots import load_roots
from hf_lineage.demo import run_demo
from hub_double.generator import generated_store
from hub_double.generator.llama1 import CONVERSIONS

TOLERANCE = 0.25  # relative, around each published figure
PUBLISHED = {s.key: s.published for s in STATISTICS}
LINEAGE_RATIOS = ("share_finetune", "share_adapter", "share_quantized", "share_merge",
                  "finetune_with_children", "quantized_with_children", "adapter_with_children",
                  "quantized_leaves", "license_changed", "card_chars_parent", "card_chars_child")
HUB_WIDE = ("has_card", "top1pct_download_share")
DEMO_MODELS, DEMO_SEED = 20_000, 0


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    return run_demo(out / "demo.duckdb", out / "report", DEMO_MODELS, DEMO_SEED).db_path


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


def test_the_demo_lineages_have_the_anatomy_of_the_real_hub(demo: Path) -> None:
    values = _whole_crawl(demo)
    assert _outside(values, LINEAGE_RATIOS) == {}
    assert all(values[key].value is None for key in HUB_WIDE)  # a family crawl cannot tell


def test_the_whole_hub_has_the_anatomy_of_the_real_hub(generated_db) -> None:
    values = _whole_crawl(generated_db(DEMO_MODELS, DEMO_SEED))
    assert _outside(values, LINEAGE_RATIOS + HUB_WIDE) == {}


def test_no_llama_derivative_before_the_weights_leaked(demo: Path) -> None:
    """LLaMA was research-only until its weights leaked on 2023-03-03 (shared/ROOTS.md): the
    derivatives begin after that, within days (Alpaca 03-13, Vicuna 03-19 ...). The spring-2023
    wave declares no parent (base_model came late that year: undocumented.py), so the family
    crawl dates only the documented ones; the wave's days are read in the Hub's ground truth,
    from the leaked weights' conversions (decapoda-research, 03-07) down."""
    with connect(demo) as conn:
        first, crawled = conn.execute("""
            SELECT min(m.created_at), count(*) FROM model_roots r JOIN models m ON m.id = r.model_id
            WHERE r.release = 'LLaMA 1' AND r.depth > 0""").fetchone()
    assert crawled > 0 and first.date().isoformat() >= "2023-03-03"
    llama1 = [m for r in load_roots().releases if r.name == "LLaMA 1" for m in r.models]
    store = generated_store(DEMO_MODELS, DEMO_SEED)
    try:
        first, in_march = store.cursor().execute("""
            SELECT min(m.created_at), count(*) FILTER (m.created_at < DATE '2023-04-01')
            FROM truth_models t JOIN models m USING (id)
            WHERE len(list_intersect(t.full_roots, ?)) > 0 AND NOT list_contains(?, t.id)""",
            [[*llama1, *CONVERSIONS], llama1]).fetchone()
    finally:
        store.close()
    assert first.date().isoformat() >= "2023-03-03"
    assert in_march >= 5
