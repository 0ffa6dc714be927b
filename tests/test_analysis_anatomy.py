"""The Anatomy table: every statistic by construction, against the pandas oracle on generated
Hubs, the published figures beside them, and what a family crawl cannot measure."""

from __future__ import annotations

import math

import duckdb
import pytest

from analysis import anatomy, lineage
from analysis.db import connect
from tests import analysis_oracle as oracle
from tests.analysis_fixtures import anatomy_graph, tiny_roots


def values(conn: duckdb.DuckDBPyConnection) -> dict[tuple[str | None, str], tuple[float, int]]:
    lineage.prepare(conn)
    return {(f, s): (v, b) for f, s, v, b in conn.execute("SELECT * FROM anatomy").fetchall()}


@pytest.fixture(scope="module")
def hand(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    conn = connect(anatomy_graph(tmp_path_factory.mktemp("an") / "an.duckdb"), tiny_roots())
    yield conn
    conn.close()


EXPECTED = {  # (scope, statistic): (value, basis), worked out by hand from the fixture
    (None, "edges"): (10, 10), ("llama", "edges"): (7, 7), ("deepseek", "edges"): (2, 2),
    (None, "edges_finetune"): (5, 10), (None, "edges_merge"): (2, 10),
    ("llama", "edges_merge"): (2, 7), ("deepseek", "edges_quantized"): (1, 2),
    (None, "share_finetune"): (0.5, 10), ("llama", "share_adapter"): (1 / 7, 7),
    (None, "finetune_with_children"): (1 / 5, 5), ("llama", "finetune_with_children"): (1 / 3, 3),
    (None, "adapter_with_children"): (1.0, 1), (None, "merge_with_children"): (0.0, 1),
    (None, "quantized_with_children"): (0.0, 2), (None, "quantized_leaves"): (1.0, 2),
    ("deepseek", "finetune_with_children"): (0.0, 1),
    (None, "license_changed"): (5 / 9, 9), ("llama", "license_changed"): (4 / 6, 6),
    ("deepseek", "license_changed"): (0.0, 2),
    (None, "card_chars_parent"): (27100 / 6, 6), (None, "card_chars_child"): (5350 / 6, 6),
    ("llama", "card_chars_parent"): (11000 / 3, 3), ("llama", "card_chars_child"): (4400 / 3, 3),
    ("deepseek", "card_chars_parent"): (8000, 2), ("deepseek", "card_chars_child"): (450, 2),
    (None, "has_card"): (9 / 11, 11), ("llama", "has_card"): (4 / 6, 6),
    ("deepseek", "has_card"): (3 / 4, 4),
    (None, "top1pct_download_share"): (10000 / 19196, 13),
    ("llama", "top1pct_download_share"): (10000 / 16166, 8),
    ("deepseek", "top1pct_download_share"): (3000 / 4020, 4),
}


def test_every_statistic_by_construction(hand):
    got = values(hand)
    for key, (value, basis) in EXPECTED.items():
        assert got[key][1] == basis, key
        assert got[key][0] == pytest.approx(value), key
    assert ("deepseek", "adapter_with_children") not in got  # no adapter child there


def test_model_card_states(hand):
    states = dict(hand.execute("SELECT model_id, card_state FROM model_card").fetchall())
    assert (states["meta-llama/L31"], states["deepseek-ai/R1-Distill-Llama"], states["a/ft-q"],
            states["a/merge"], states["a/ft"]) == ("unknown", "none", "empty", "unknown", "card")


def test_table_sets_published_figures_beside_and_masks_hub_wide_figures(hand):
    frame = anatomy.anatomy(hand).set_index(["key", "scope"])
    assert anatomy.crawl_scope(hand) == "unknown"
    assert set(frame.index.get_level_values("scope")) == {"whole crawl", "LLaMA", "DeepSeek"}
    for key in ("edges", "edges_finetune", "has_card", "top1pct_download_share"):
        row = frame.loc[(key, "whole crawl")]
        assert math.isnan(row["value"]) and row["note"].startswith("cannot be measured")
    assert frame.loc[("has_card", "LLaMA"), "value"] == pytest.approx(4 / 6)
    assert "published figure covers the whole Hub" in frame.loc[("has_card", "LLaMA"), "note"]
    assert frame.loc[("license_changed", "whole crawl"), "value"] == pytest.approx(5 / 9)
    assert frame.loc[("license_changed", "whole crawl"), "note"] == ""
    empty = frame.loc[("adapter_with_children", "DeepSeek")]
    assert math.isnan(empty["value"]) and empty["basis"] == 0
    assert empty["note"] == "nothing to measure: no adapter children in this scope"
    published = frame.xs("whole crawl", level="scope")["published"]
    assert published.loc[["edges", "edges_finetune", "edges_adapter", "edges_quantized",
                          "license_changed", "card_chars_parent", "card_chars_child",
                          "has_card", "quantized_leaves", "top1pct_download_share",
                          "finetune_with_children", "quantized_with_children",
                          "adapter_with_children"]].tolist() == [
        573_653, 189_391, 241_417, 101_921, 0.198, 9_773, 4_402, 0.67, 0.9941, 0.99, 0.079,
        0.0095, 0.0019]
    assert published.loc["share_finetune"] == pytest.approx(189_391 / 573_653)
    assert frame.loc[("quantized_leaves", "LLaMA"), "source"] == anatomy.HORWITZ


def test_a_full_crawl_measures_hub_wide_figures(tmp_path):
    conn = connect(anatomy_graph(tmp_path / "full.duckdb", scope="full"), tiny_roots())
    frame = anatomy.anatomy(conn).set_index(["key", "scope"])
    conn.close()
    assert frame.loc[("has_card", "whole crawl"), "value"] == pytest.approx(9 / 11)
    assert frame.loc[("edges", "whole crawl"), ["value", "note"]].tolist() == [10, ""]


def test_text_table_marks_notes(hand):
    frame = anatomy.anatomy(hand)
    text = anatomy.table(frame).set_index("statistic")
    notes = anatomy.notes(frame).set_index("mark")["note"]
    assert list(text.columns) == ["published", "source", "whole crawl", "DeepSeek", "LLaMA"]
    mark = text.loc["models with a card", "whole crawl"]
    assert mark.startswith("– [") and notes[int(mark[3:-1])].startswith("cannot be measured")
    assert text.loc["models with a card", "published"] == "67.0%"
    assert text.loc["parent→child edges", "published"] == "573,653"
    assert text.loc["mean card length of parents (characters)", "whole crawl"] == "4,517"


@pytest.mark.parametrize("size", [400, 3000])
def test_anatomy_matches_oracle(generated_db, size):
    conn = connect(generated_db(size, seed=size + 5))
    got, want = values(conn), oracle.anatomy(oracle.load(conn))
    conn.close()
    assert set(got) == set(want)
    for key, (value, basis) in want.items():
        assert got[key][1] == basis, key
        if math.isnan(value):
            assert got[key][0] is None or math.isnan(got[key][0]), key
        else:
            assert got[key][0] == pytest.approx(value), key
    assert want[(None, "edges")][0] > 0 and want[(None, "license_changed")][1] > 0
