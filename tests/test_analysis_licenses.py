"""License drift and the license naming rules: every drift case by construction,
then every figure cross-checked against the pandas oracle on generated Hubs of several sizes."""

from __future__ import annotations

import html

import duckdb
import pandas as pd
import pytest

from analysis import licenses, report
from analysis.db import connect
from hub_double.crawled import crawled_db
from tests import analysis_oracle as oracle
from tests.analysis_fixtures import (
    LICENSE_CASES,
    LICENSE_NAMES,
    NAMING_CASES,
    license_graph,
    license_roots,
    naming_graph,
    naming_roots,
)
from tests.hub_rows import model_row, store_of

LEVELS = ["family", "release"]


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    conn = connect(license_graph(tmp_path_factory.mktemp("lic") / "cases.duckdb"),
                   license_roots())
    yield conn
    conn.close()




# -- by construction ----------------------------------------------------------------------------

def test_every_drift_case(cases):
    got = dict(cases.execute("SELECT child, drift FROM license_drift").fetchall())
    assert got == {child: drift for child, _, _, drift in LICENSE_CASES}


def test_classify_pairs_applies_the_same_rules(cases):
    pairs = pd.DataFrame(
        [(parent, lic, LICENSE_NAMES.get(child)) for child, parent, lic, _ in LICENSE_CASES
         if parent != "k/none"], columns=["parent", "child_license", "child_license_name"])
    parents = cases.execute("SELECT id, license, license_name FROM models").df().set_index("id")
    pairs["parent_license"] = pairs["parent"].map(parents["license"])
    pairs["parent_license_name"] = pairs["parent"].map(parents["license_name"])
    got = licenses.classify_pairs(cases, pairs)
    want = [d for _, p, _, d in LICENSE_CASES if p != "k/none"]
    assert got["drift"].tolist() == want
    assert list(got.columns) == [*pairs.columns, "drift"]
    unnamed = licenses.classify_pairs(cases, pairs[["parent_license", "child_license"]])
    assert list(unnamed.columns) == ["parent_license", "child_license", "drift"]
    # without the names, other/"qwen" and other/"llama3" below other/"deepseek" read as the
    # same 'other'
    assert (unnamed["drift"] != got["drift"]).sum() == 2


def test_drift_per_family(cases):
    got = licenses.drift(cases, "family")
    by_family = {f: dict(zip(rows.drift, rows.edges, strict=True))
                 for f, rows in got.groupby("family")}
    assert by_family == {
        "llama": {"kept": 3, "changed_same_kind": 1, "relabelled_permissive": 3,
                  "more_restrictive": 1, "missing": 1, "parent_missing": 1},
        "deepseek": {"kept": 3, "changed_same_kind": 4, "less_restrictive": 1,
                     "changed_unknown": 1, "more_restrictive": 1, "missing": 1},
    }
    assert got.groupby("family")["share"].sum().tolist() == pytest.approx([1.0, 1.0])
    flows = licenses.flows(cases, "family")
    assert flows["edges"].sum() == len(LICENSE_CASES)
    relabels = flows[flows.drift == "relabelled_permissive"]
    assert set(zip(relabels.parent_license, relabels.child_license, strict=True)) == {
        ("llama3.1", "apache-2.0"), ("llama3.1", "mit"), ("llama2", "apache-2.0")}


def test_changed_licenses_of_a_release(cases):
    got = licenses.changed(cases, "Llama 3.1").set_index("model_id")
    assert got["drift"].to_dict() == {
        "k/llama-same": "changed_same_kind", "k/Apache-relabel": "relabelled_permissive",
        "k/MIT-relabel": "relabelled_permissive", "k/nc-restrict": "more_restrictive",
        "k/none": "missing"}  # kept edges and k/Llama-after-none (parent declares none) left out
    assert got.loc["k/none", ["parent_license", "child_license"]].tolist() == [
        "llama3.1", "(none)"]
    assert licenses.changed(cases, "DeepSeek-R1")["model_id"].tolist() == [
        "k/r1-apache", "k/r1-empty", "k/r1-llama"]


def test_declared_licenses(cases):
    got = licenses.declared_licenses(cases, "family")
    llama = dict(zip(got[got.family == "llama"].license, got[got.family == "llama"].models,
                     strict=True))
    assert llama == {"llama3.1": 1, "llama3": 1, "apache-2.0": 2, "mit": 2, "cc-by-nc-4.0": 1,
                     "(none)": 1, "llama2": 2}  # llama-2-community and Apache 2.0 normalised


def test_llama3_naming_rule(cases):
    rule = licenses.naming_rule(cases)
    assert dict(zip(rule.model_id, rule.compliant, strict=True)) == {
        "k/Llama-kept": True, "k/llama-same": True, "k/Llama-after-none": True,
        "k/Apache-relabel": False, "k/MIT-relabel": False, "k/nc-restrict": False,
        "k/none": False,
    }  # k/Foo descends from Llama 2, whose license has no naming rule
    summary = licenses.naming_rule_summary(cases)
    assert summary.to_dict("records") == [{"release": "Llama 3.1", "naming_prefix": "Llama",
                                           "derivatives": 7, "compliant": 3, "violations": 4,
                                           "prefix_later": 0,
                                           "compliance": pytest.approx(3 / 7)}]
    assert licenses.naming_notes(cases) == []  # 43% comply: nothing to explain


def test_naming_rule_per_release_prefix_once_per_model(tmp_path):
    conn = connect(naming_graph(tmp_path / "naming.duckdb"), naming_roots())
    rule = licenses.naming_rule(conn).set_index("model_id")
    judged = {c: (r, ok) for c, _, r, ok in NAMING_CASES if r is not None}
    assert rule.index.is_unique and set(rule.index) == set(judged)
    assert {m: (r.release, r.compliant) for m, r in rule.iterrows()} == judged
    assert rule.loc["n/Llama-merge", "naming_prefix"] == "Llama"
    assert list(rule.loc["n/Llama-merge", "releases"]) == ["Llama 3", "Llama 3.1"]
    summary = licenses.naming_rule_summary(conn).set_index("release")
    assert summary["naming_prefix"].to_dict() == {"Llama 3": "Llama 3", "Llama 3.1": "Llama"}
    assert summary["violations"].to_dict() == {"Llama 3": 3, "Llama 3.1": 1}
    conn.close()


def test_a_compliance_near_zero_is_explained_in_one_sentence(tmp_path):
    """Llama 3's license asks names to begin with "Llama 3"; derivatives named after Meta's own
    repos (Meta-Llama-3-8B) do not, and the report says so where the 0% stands."""
    root = "meta-llama/Meta-Llama-3-8B"
    children = ["u/Meta-Llama-3-8B-sft", "v/Meta-Llama-3-8B-GGUF", "w/meta-llama-3-8b-lora",
                "x/OnyxMuse-8B"]
    rows = [model_row(root, 0, card_data={"license": "llama3"})]
    rows += [model_row(child, n, tags=[f"base_model:{root}"],
                       card_data={"base_model": root, "license": "llama3"})
             for n, child in enumerate(children, start=1)]
    conn = connect(crawled_db(store_of(rows), tmp_path / "meta.duckdb"))
    summary = licenses.naming_rule_summary(conn).set_index("release").loc["Llama 3"]
    assert (summary["compliant"], summary["violations"], summary["prefix_later"]) == (0, 4, 3)
    note = ('Llama 3: 0.0% of its 4 derivatives comply because its license asks names to '
            'begin with "Llama 3", and 3 of them carry it later in the name, most often after '
            '"meta-" (u/Meta-Llama-3-8B-sft).')
    assert licenses.naming_notes(conn) == [note]
    page, summary_md = report.write_report(conn, tmp_path / "report")
    conn.close()
    assert html.escape(note) in page.read_text(encoding="utf-8")
    assert "Llama 3: 0.0% of its 4 derivatives comply" in summary_md.read_text(encoding="utf-8")


def test_shipped_roots_carry_the_license_naming_rules():
    from crawler.roots import load_roots

    prefixes = {r.name: r.naming_prefix for r in load_roots().releases}
    assert prefixes["Llama 3"] == "Llama 3"
    assert {prefixes[n] for n in ("Llama 3.1", "Llama 3.2", "Llama 3.3", "Llama 4")} == {"Llama"}
    assert prefixes["Llama 2"] is None and prefixes["DeepSeek-R1"] is None


def test_bad_naming_prefix_names_the_release(tmp_path):
    from crawler.roots import load_roots
    from hf_lineage.errors import ConfigError

    bad = tmp_path / "roots.toml"
    bad.write_text('[families.f]\n[[releases]]\nfamily = "f"\nname = "R"\n'
                   'released = "2024-01-01"\nnaming_prefix = 3\n')
    with pytest.raises(ConfigError, match="'R': naming_prefix must be a non-empty string"):
        load_roots(bad)


def test_family_comparison_side_by_side(cases):
    got = licenses.family_comparison(cases).set_index("measure")
    assert list(got.columns) == ["deepseek", "llama"]
    assert got.loc["drift: relabelled_permissive"].to_dict() == {"deepseek": 0.0,
                                                                 "llama": 0.3}
    assert got.loc["license kind: permissive", "llama"] == pytest.approx(4 / 10)


# -- generated Hubs against the oracle ----------------------------------------------------------

@pytest.mark.parametrize("level", LEVELS)
def test_declared_and_drift_match_oracle(hub, level):
    conn, h = hub
    keys = oracle.keys_of(level)
    lic = oracle.license_of(h)
    members = oracle.membership(h, level)
    d = members[(members.depth > 0) & members.model_id.isin(set(h.models.id))]
    d = d.assign(license=d.model_id.map(lambda m: lic[m][0]).fillna("(none)"))
    got = licenses.declared_licenses(conn, level).set_index([*keys, "license"])["models"]
    assert got.to_dict() == d.groupby([*keys, "license"]).size().to_dict()

    kinds = conn.execute("SELECT * FROM license_kinds").df()
    edges = oracle.scoped_edges(h, level)
    edges["drift"] = [oracle.drift_kind(lic[p], lic[c], kinds)
                      for c, p in zip(edges.child, edges.parent, strict=True)]
    got = licenses.drift(conn, level).set_index([*keys, "drift"])["edges"]
    assert got.to_dict() == edges.groupby([*keys, "drift"]).size().to_dict()
    assert got.sum() > 0


def test_naming_rule_matches_oracle(hub):
    conn, h = hub
    members = oracle.membership(h, "release")
    ruled = {r.name: (r.released, r.naming_prefix) for r in h.roots.releases if r.naming_prefix}
    d = members[(members.depth > 0) & members.release.isin(ruled)]
    governing = d.assign(released=d.release.map(lambda r: ruled[r][0])).sort_values(
        ["released", "release"]).groupby("model_id")["release"].last()
    want = {m: oracle.begins_with(m.split("/")[-1], ruled[r][1]) for m, r in governing.items()}
    rule = licenses.naming_rule(conn)
    assert dict(zip(rule.model_id, rule.compliant, strict=True)) == want
    assert dict(zip(rule.model_id, rule.release, strict=True)) == governing.to_dict()
    assert 0 < sum(want.values()) < len(want)
