"""Ecosystem metrics: exact answers on the hand-built graph, and every metric cross-checked
against the pandas/networkx oracle on generated Hubs of several sizes."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analysis import metrics
from hf_lineage.errors import AnalysisError
from tests import analysis_oracle as oracle

LEVELS = ["family", "release"]




def label(group: tuple) -> object:
    """A groupby key as the matching .loc label (a scalar for one key column)."""
    return group[0] if len(group) == 1 else group


def as_dict(frame: pd.DataFrame, key: str, value: str) -> dict:
    return dict(zip(frame[key], frame[value], strict=True))


# -- hand-built graph ---------------------------------------------------------------------------

def test_sizes_by_construction(hand):
    got = metrics.sizes(hand, "family").set_index("family")
    assert got.loc["llama"].to_dict() == {"models": 15, "roots": 3, "roots_not_found": 0,
                                          "direct_children": 7, "descendants": 12,
                                          "authors": 10, "bridges": 2, "max_depth": 3}
    assert got.loc["deepseek"].to_dict() == {"models": 3, "roots": 2, "roots_not_found": 0,
                                             "direct_children": 1, "descendants": 1,
                                             "authors": 1, "bridges": 1, "max_depth": 1}
    releases = metrics.sizes(hand, "release").set_index("release")
    assert releases["descendants"].to_dict() == {"Llama 2": 7, "Llama 3.1": 5, "CodeLlama": 0,
                                                 "DeepSeek-R1": 1}
    assert releases["discovered"].to_dict() == {"Llama 2": False, "Llama 3.1": False,
                                                "CodeLlama": True, "DeepSeek-R1": False}


def test_partition_counts_each_model_once(hand):
    got = metrics.partition_sizes(hand).set_index("family")
    assert got.to_dict("index") == {
        "llama": {"models": 13, "roots": 3, "descendants": 10},
        "deepseek": {"models": 1, "roots": 1, "descendants": 0},
        "bridge": {"models": 2, "roots": 1, "descendants": 1},
    }
    assert got.index.tolist() == ["llama", "deepseek", "bridge"]  # the roots file's order


def test_depth_and_relations_count_merges_once(hand):
    depth = metrics.depth_distribution(hand, "family")
    assert as_dict(depth[depth.family == "llama"], "depth", "models") == {1: 7, 2: 4, 3: 1}
    shares = metrics.relation_shares(hand, "family")
    llama = shares[shares.family == "llama"]
    assert as_dict(llama, "relation", "models") == {"finetune": 8, "merge": 2, "quantized": 1,
                                                    "adapter": 1}
    assert llama["share"].sum() == pytest.approx(1.0)
    formats = metrics.quantization_formats(hand, "family")
    assert formats[["family", "format", "models"]].values.tolist() == [["llama", "GGUF", 1]]


def test_downloads_by_construction(hand):
    got = metrics.downloads(hand, "family").set_index("family").loc["llama"]
    values = np.array([40, 30, 20, 10, 5, 4, 3, 2, 1, 50, 700, 7])
    assert got["root_downloads"] == 2500 and got["descendant_downloads"] == values.sum()
    assert got["top10_share"] == pytest.approx((values.sum() - 3) / values.sum())
    assert got["gini"] == pytest.approx(oracle.gini(values))
    top = metrics.top_derivatives(hand, "family", 3)
    assert top[top.family == "llama"]["model_id"].tolist() == [
        "deepseek-ai/R1-Distill-Llama", "meta-llama/Guard", "a/ft1"]


def test_top_derivatives_of_one_relation_with_formats(hand):
    top = metrics.top_derivatives(hand, "family", 10, relation="quantized")
    assert top[["family", "model_id", "format"]].values.tolist() == [
        ["llama", "b/q1-GGUF", "GGUF"]]
    every = metrics.top_derivatives(hand, "family", 3)
    assert every["format"].isna().sum() == len(every) - (every.relation == "quantized").sum()


def test_milestones_and_bridges(hand):
    got = metrics.milestones(hand, "release", counts=(1, 2, 100)).set_index("release")
    # models are created a day apart in listing order: a/ft1 (2024-01-07) is the first Llama 2
    # derivative, a/ft2 (2024-01-08) the second
    assert got.loc["Llama 2", "days_to_1"] == (date(2024, 1, 7) - date(2023, 7, 18)).days
    assert got.loc["Llama 2", "days_to_2"] == (date(2024, 1, 8) - date(2023, 7, 18)).days
    assert pd.isna(got.loc["Llama 2", "days_to_100"])
    assert got["days_to_1"].isna().loc["CodeLlama"]  # a discovered release without derivatives
    bridges = metrics.bridges(hand)
    assert bridges["model_id"].tolist() == ["deepseek-ai/R1-Distill-Llama", "e/dist-ft"]
    assert list(bridges["releases"].iloc[1]) == ["DeepSeek-R1", "Llama 3.1"]


def test_unknown_level_is_refused(hand):
    with pytest.raises(AnalysisError, match="level"):
        metrics.sizes(hand, "family; DROP TABLE models")


# -- generated Hubs against the oracle ----------------------------------------------------------

def joined(conn, hub, level):
    members = oracle.membership(hub, level)
    return members.merge(hub.models, left_on="model_id", right_on="id", how="left")


@pytest.mark.parametrize("level", LEVELS)
def test_sizes_match_oracle(hub, level):
    conn, h = hub
    keys = oracle.keys_of(level)
    m = joined(conn, h, level)
    d = m[m.depth > 0]
    bridges = oracle.model_roots(h).groupby("model_id")["family"].nunique() > 1
    crawled = m[m.id.notna()]
    assert len(crawled) == len(m)  # members are crawled models, always
    missing = oracle.not_found(h)
    want = pd.DataFrame({
        "models": crawled.groupby(keys).size(),
        "roots": crawled[crawled.depth == 0].groupby(keys).size(),
        "roots_not_found": missing.groupby(keys).size(),
        "direct_children": m[m.depth == 1].groupby(keys).size(),
        "descendants": d.groupby(keys).size(),
        "authors": d.groupby(keys)["author"].nunique(),
        "bridges": d[d.model_id.map(bridges)].groupby(keys).size(),
        "max_depth": m.groupby(keys)["depth"].max(),
    }).fillna(0).astype("int64").loc[lambda w: w["models"] > 0]
    got = metrics.sizes(conn, level).set_index(keys)
    if level == "release":
        starts = oracle.release_starts(h).set_index(keys)["discovered"]
        assert got.pop("discovered").to_dict() == starts.to_dict()
    pd.testing.assert_frame_equal(got.astype("int64").sort_index(), want.sort_index(),
                                  check_names=False, check_index_type=False)


@pytest.mark.parametrize("level", LEVELS)
def test_depth_relations_formats_match_oracle(hub, level):
    conn, h = hub
    keys = oracle.keys_of(level)
    d = joined(conn, h, level).query("depth > 0")
    depth = metrics.depth_distribution(conn, level).set_index([*keys, "depth"])["models"]
    assert depth.to_dict() == d.groupby([*keys, "depth"]).size().to_dict()
    relations = oracle.relation_of(h)
    d = d.assign(relation=d.model_id.map(relations))
    got = metrics.relation_shares(conn, level).set_index([*keys, "relation"])["models"]
    assert got.to_dict() == d.groupby([*keys, "relation"]).size().to_dict()
    formats = d.assign(format=d.model_id.map(oracle.format_of(h, relations))).dropna(
        subset=["format"])
    got = metrics.quantization_formats(conn, level).set_index([*keys, "format"])["models"]
    assert got.to_dict() == formats.groupby([*keys, "format"]).size().to_dict()


@pytest.mark.parametrize("level", LEVELS)
def test_downloads_match_oracle(hub, level):
    conn, h = hub
    keys = oracle.keys_of(level)
    m = joined(conn, h, level)
    m["downloads"] = m["downloads"].fillna(0)
    got = metrics.downloads(conn, level).set_index(keys)
    for group, rows in m.groupby(keys):
        row = got.loc[label(group)]
        values = rows[rows.depth > 0]["downloads"].to_numpy()
        assert row["root_downloads"] == rows[rows.depth == 0]["downloads"].sum()
        assert row["descendant_downloads"] == values.sum()
        # both undefined (NaN) where the group's descendants have no downloads at all
        assert row["gini"] == pytest.approx(oracle.gini(values), nan_ok=True)
        top10 = np.sort(values)[-10:].sum() / values.sum() if values.sum() else np.nan
        assert row["top10_share"] == pytest.approx(top10, nan_ok=True)
    assert got["gini"].notna().sum() >= 2
    top = metrics.top_derivatives(conn, level, 5)
    for group, rows in top.groupby(keys):
        members = m.set_index(keys).loc[[label(group)]]
        want = members[members.depth > 0].sort_values(["downloads", "model_id"],
                                                      ascending=[False, True]).head(5)
        assert rows["model_id"].tolist() == want["model_id"].tolist()


@pytest.mark.parametrize("level", LEVELS)
def test_growth_and_milestones_match_oracle(hub, level):
    conn, h = hub
    keys = oracle.keys_of(level)
    d = joined(conn, h, level).query("depth > 0").dropna(subset=["created_at"])
    d["month"] = d["created_at"].dt.to_period("M").dt.to_timestamp()
    want = d.groupby([*keys, "month"]).size().rename("new").reset_index()
    want["cumulative"] = want.groupby(keys)["new"].cumsum()
    got = metrics.growth(conn, level)
    got["month"] = pd.to_datetime(got["month"])
    merged = got.merge(want, on=[*keys, "month"], how="outer")
    assert (merged["new_derivatives"] == merged["new"]).all()
    assert (merged["cumulative_x"] == merged["cumulative_y"]).all()

    starts = oracle.release_starts(h).groupby(keys, as_index=False)["started"].min()
    got = metrics.milestones(conn, level, counts=(1, 10, 100)).set_index(keys)
    for group, rows in d.sort_values(["created_at", "model_id"]).groupby(keys):
        started = starts.set_index(keys)["started"].get(label(group))
        for n in (1, 10, 100):
            value = got.loc[label(group), f"days_to_{n}"]
            if started is None or len(rows) < n:
                assert pd.isna(value)
            else:
                nth = rows["created_at"].iloc[n - 1]
                assert value == (nth - pd.Timestamp(started)).days


def test_bridges_and_partition_match_oracle(hub):
    conn, h = hub
    roots = oracle.model_roots(h)
    families = roots.groupby("model_id")["family"].agg(lambda f: sorted(set(f)))
    assert set(metrics.bridges(conn)["model_id"]) == {m for m, f in families.items()
                                                       if len(f) > 1}
    exclusive = families.map(lambda f: f[0] if len(f) == 1 else "bridge")
    got = metrics.partition_sizes(conn).set_index("family")["models"]
    assert got.to_dict() == exclusive.value_counts().to_dict()
