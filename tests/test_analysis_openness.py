"""Openness: every MOF component rule, class, ceiling and OSAID verdict by construction, then
the openness view against the pandas oracle on a generated Hub."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import openness
from analysis.db import connect
from tests import analysis_oracle as oracle
from tests.analysis_fixtures import license_roots, openness_graph

SHOWN = {  # model: the components its metadata evidences (the others are not shown)
    "o/full": {"license_open", "architecture", "weights", "technical_report",
               "evaluation_results", "model_card", "data_card", "training_code",
               "inference_code", "evaluation_data", "research_paper", "datasets"},
    "o/no-eval": {"license_open", "architecture", "weights", "technical_report", "model_card",
                  "data_card", "inference_code", "research_paper", "datasets"},
    "o/template": {"license_open", "architecture", "weights", "evaluation_results",
                   "model_card", "data_card", "inference_code", "datasets"},
    "o/relabel": {"architecture", "weights", "technical_report", "evaluation_results",
                  "model_card", "data_card", "training_code", "inference_code",
                  "evaluation_data", "research_paper", "datasets"},
    "o/gguf": {"license_open", "architecture", "weights", "inference_code"},
    "o/none": set(),
    "o/cc": {"license_open", "architecture", "weights", "technical_report",  # a 2-byte card
             "evaluation_results", "inference_code", "research_paper", "datasets"},
}


@pytest.fixture(scope="module")
def view(tmp_path_factory) -> pd.DataFrame:
    conn = connect(openness_graph(tmp_path_factory.mktemp("open") / "o.duckdb"),
                   license_roots())
    frame = openness.models(conn).set_index("model_id")
    frame.attrs["summary"] = openness.summary(conn, "family")
    frame.attrs["reasons"] = openness.osaid_reasons(conn, "family")
    conn.close()
    return frame


def test_components_by_construction(view):
    for model, shown in SHOWN.items():
        got = {c for c in openness.COMPONENTS if view.loc[model, c]}
        assert got == shown, model
    assert view[list(openness.UNKNOWABLE)].isna().all().all()


def test_mof_class_and_ceiling(view):
    assert view.loc["o/full", ["mof_class", "mof_ceiling"]].tolist() == ["Class III", "Class I"]
    assert list(view.loc["o/full", "mof_unknown"]) == [
        "evaluation code", "data preprocessing code", "intermediate parameters"]
    # a relabelled Llama fine-tune shows everything, but its weights stay under Llama terms
    assert pd.isna(view.loc["o/relabel", "mof_class"])
    assert pd.isna(view.loc["o/relabel", "mof_ceiling"])
    for model in ("o/no-eval", "o/template", "o/gguf", "o/none", "o/cc"):
        assert pd.isna(view.loc[model, "mof_class"]), model
        assert pd.isna(view.loc[model, "mof_ceiling"]), model


def test_osaid_verdicts(view):
    assert view.loc["o/full", "osaid"] == "undetermined"
    assert "not in the metadata" in view.loc["o/full", "osaid_reason"]
    assert view.loc["o/relabel", ["osaid", "osaid_reason"]].tolist() == [
        "fails", "derived from Llama 2 (llama2), not under OSI-approved terms"]
    assert view.loc["o/none", "osaid_reason"] == "no license declared"
    assert view.loc["o/cc", "osaid_reason"] == "cc-by-4.0 is not an OSI-approved license"
    assert view.loc["o/gguf", "osaid"] == "undetermined"  # ' MIT' read as the Hub id mit


def test_family_summary(view):
    summary = view.attrs["summary"].set_index("family")
    assert summary.loc["deepseek", "models"] == 6  # R1 and its five derivatives here
    assert summary.loc["llama", "models"] == 4  # both roots, o/relabel, o/none
    assert summary.loc["deepseek", "mof_class_iii"] == 1
    assert summary.loc["deepseek", "ceiling_class_i"] == 1
    assert summary.loc["llama", "osaid_fails"] == 1.0
    assert summary.loc["deepseek", "training_code"] == pytest.approx(1 / 6)
    reasons = view.attrs["reasons"]
    llama = reasons[reasons.family == "llama"].set_index("reason")["models"].to_dict()
    assert llama == {"license not OSI-approved": 2, "no license declared": 1,
                     "derived from Llama 2 (llama2), not under OSI-approved terms": 1}


def test_openness_matches_oracle(generated_db):
    conn = connect(generated_db(2000, seed=2000))  # the Hub the metric cross-checks open
    got = conn.execute("SELECT * FROM openness").df().set_index("model_id")
    want = oracle.openness(oracle.load(conn), conn).set_index("model_id")
    conn.close()
    columns = [c for c in want.columns if c in got.columns]
    assert len(columns) == len(want.columns)
    def plain(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame[columns].sort_index().astype(object)
        return frame.where(frame.notna(), None)

    pd.testing.assert_frame_equal(plain(got), plain(want))
    assert 0 < want["license_open"].sum() < len(want)
    assert (want["osaid"] == "undetermined").any()
