"""The generated Hub's ground truth reproduced end to end: generate, serve, crawl over HTTP,
analyse; family sizes, depths, relations, license drift, the Anatomy edges and the timeline's
derivatives equal what the generator wrote."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import licenses, lineage, metrics, timeline
from analysis.db import connect
from crawler.roots import load_roots


@pytest.fixture(scope="module")
def analysed(generated_family_crawl):
    """(analysis connection on a family crawl of the generated Hub, the generator's truth)."""
    db, generated = generated_family_crawl
    truth = generated.cursor()
    models = truth.execute("SELECT * FROM truth_models WHERE family IS NOT NULL").df()
    edges = truth.execute("SELECT * FROM truth_edges WHERE documented").df()
    names = dict(truth.execute(  # the license_name each served card states, beside 'other'
        "SELECT id, card_data->>'license_name' FROM models").fetchall())
    models["license_name"] = models["id"].map(names)
    conn = connect(db)
    yield conn, models, edges
    conn.close()


def truth_membership(models: pd.DataFrame) -> dict[str, set[str]]:
    """Each truth model's families, from the roots the generator says it descends from: a
    listed root's release family, or an unlisted organisation model's organisation family."""
    config = load_roots()
    listed = {m: r.family for r in config.releases for m in r.models}

    def family_of(root: str) -> str:
        return listed.get(root) or config.organisations[root.split("/")[0]]

    return {m: {family_of(r) for r in roots}
            for m, roots in zip(models["id"], models["roots"], strict=True)}


def test_family_sizes_and_depths(analysed):
    conn, models, _ = analysed
    models = models.assign(family=models["family"].replace({"both": "bridge"}))  # truth's word
    got = metrics.partition_sizes(conn).set_index("family")["models"].to_dict()
    assert got == models["family"].value_counts().to_dict()
    ours = conn.execute("SELECT model_id, family, depth FROM model_family").df()
    merged = models.merge(ours, left_on="id", right_on="model_id", suffixes=("", "_ours"))
    assert len(merged) == len(models)
    assert (merged["family"] == merged["family_ours"]).all()
    assert (merged["depth"] == merged["depth_ours"]).all()


def test_relation_shares(analysed):
    conn, models, edges = analysed
    descendants = set(models.loc[models["depth"] > 0, "id"])
    want = edges[edges["child"].isin(descendants)]["relation"].value_counts().to_dict()
    got = dict(conn.execute(
        "SELECT e.relation, count(*) FROM lineage_edges e "
        "JOIN model_family f ON f.model_id = e.child AND f.depth > 0 GROUP BY e.relation"
    ).fetchall())
    assert got == want
    shares = metrics.relation_shares(conn, "family")
    assert shares.groupby("family")["share"].sum().tolist() == pytest.approx([1.0, 1.0])


def test_license_drift_counts(analysed):
    conn, models, edges = analysed
    families = truth_membership(models)
    licence = {m: (lic, name) for m, lic, name in
               models[["id", "license", "license_name"]].itertuples(index=False)}
    depth = conn.execute("SELECT model_id, family, depth FROM family_membership").df()
    depth = {(m, f): d for m, f, d in depth.itertuples(index=False)}
    pairs = pd.DataFrame(
        [(f, *licence[p], *licence[c]) for c, p, exists in
         edges[["child", "parent", "parent_exists"]].itertuples(index=False)
         if exists and c != p and c in families and p in families
         for f in families[c] & families[p] if depth.get((c, f), 0) > 0],
        columns=["family", "parent_license", "parent_license_name", "child_license",
                 "child_license_name"])
    want = licenses.classify_pairs(conn, pairs).groupby(["family", "drift"]).size().to_dict()
    got = licenses.drift(conn, "family").set_index(["family", "drift"])["edges"].to_dict()
    assert got == want
    assert want[("llama", "relabelled_permissive")] > 0


def test_anatomy_edges_are_the_generated_ones(analysed):
    conn, models, edges = analysed
    lineage.prepare(conn)
    member = conn.execute("SELECT model_id, family, depth FROM family_membership").df()
    below = {(m, f) for m, f, d in member.itertuples(index=False) if d > 0}
    inside = {(m, f) for m, f, _ in member.itertuples(index=False)}
    want: dict[tuple, int] = {}  # a parent that does not exist is in no family
    for child, parent, relation in edges[["child", "parent", "relation"]].itertuples(index=False):
        for family in ("llama", "deepseek"):
            if child != parent and (child, family) in below and (parent, family) in inside:
                want[(family, relation)] = want.get((family, relation), 0) + 1
    got = {(f, s.removeprefix("edges_")): int(v) for f, s, v, _ in conn.execute(
        "SELECT * FROM anatomy WHERE family IS NOT NULL AND statistic LIKE 'edges_%' "
        "AND value > 0").fetchall()}
    assert got == want


def test_timeline_counts_every_generated_derivative(analysed):
    conn, models, _ = analysed
    weekly = timeline.new_derivatives(conn, "family", "week")
    sizes = metrics.sizes(conn, "family").set_index("family")["descendants"]
    assert weekly.groupby("family")["new_derivatives"].sum().to_dict() == sizes.to_dict()
    curves = timeline.aligned(conn, ["DeepSeek-R1"], days=0)
    assert curves["day"].tolist() == [0]
