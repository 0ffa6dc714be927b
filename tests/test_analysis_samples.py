"""Timeline and Anatomy on the real family trees: the vendored captures served by the Hub double,
crawled over HTTP with the shipped roots, then analysed; figures checked against the captures
themselves and against the pandas oracle."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner

from analysis import anatomy, timeline
from analysis.db import connect
from crawler.crawl import crawl
from hf_lineage.cli import main
from hub_double.samples import sample_records, samples_store
from hub_double.server import HubDouble
from tests import analysis_oracle as oracle
from tests.crawl_helpers import fast_client


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """(database, the served store) after a family crawl of the real trees, shipped roots."""
    store = samples_store()
    db = tmp_path_factory.mktemp("samples") / "samples.duckdb"
    with HubDouble(store) as double:
        crawl(db, "family", client=fast_client(endpoint=double.url))
    yield db, store
    store.close()


def run(*args) -> object:
    return CliRunner().invoke(main, [str(a) for a in args], env={"COLUMNS": "250"})


def test_release_curves_match_the_captures(crawled):
    db, store = crawled
    created = dict(store.cursor().execute("SELECT id, created_at FROM models").fetchall())
    truth = store.cursor().execute("SELECT id, roots, depth FROM truth_models").fetchall()
    conn = connect(db)
    released = dict(conn.execute("SELECT release, released FROM lineage_release_dates"
                                 ).fetchall())
    root_release = dict(conn.execute("SELECT model_id, release FROM lineage_releases"
                                     ).fetchall())
    curves = timeline.aligned(conn, ["Llama 2", "DeepSeek-V3", "Llama 4"], days=120)
    conn.close()
    for release in ("Llama 2", "DeepSeek-V3", "Llama 4"):
        mine = [m for m, roots, depth in truth  # a model the roots list is a root, not a
                if depth and m not in root_release  # derivative (Llama-4-Scout-…-Instruct)
                and any(root_release.get(r) == release for r in roots)]
        assert mine, release
        for day in (30, 120):
            end = released[release] + timedelta(days=day)
            want = sum(created[m].date() <= end for m in mine)
            got = curves[(curves.release == release) & (curves.day == day)]["cumulative"]
            assert got.iloc[0] == want, (release, day)


def test_timeline_command_on_the_samples(crawled, tmp_path):
    db, _ = crawled
    result = run("timeline", "--db", db, "--chart", tmp_path / "t.svg")
    assert result.exit_code == 0, result.output
    assert "DeepSeek-V3" in result.stdout and "OSAID 1.0" in result.stdout
    assert (tmp_path / "t.svg").read_text().startswith("<svg")
    rows = json.loads(run("timeline", "--db", db, "--view", "weekly", "--format", "json").stdout)
    assert {r["family"] for r in rows} == {"llama", "deepseek"}


def test_anatomy_matches_the_oracle_on_real_data(crawled):
    db, _ = crawled
    conn = connect(db)
    frame = anatomy.anatomy(conn)
    want = oracle.anatomy(oracle.load(conn))
    conn.close()
    family_of = {None: None, "whole crawl": None, "LLaMA": "llama", "DeepSeek": "deepseek"}
    # a family crawl: the view has every value, the table withholds those it cannot measure
    shown = [row for row in frame.itertuples() if not row.note.startswith("cannot be measured")]
    empty = [row for row in shown if (family_of[row.scope], row.key) not in want]
    measured = [row for row in shown if (family_of[row.scope], row.key) in want]
    assert len(measured) >= 10
    for row in empty:
        assert row.basis == 0 and row.value != row.value, row.key  # nothing to measure
    for row in measured:
        key = (family_of[row.scope], row.key)
        assert row.basis == want[key][1], key
        assert row.value == pytest.approx(want[key][0]), key
    assert frame.loc[frame.key == "has_card", "note"].str.startswith("cannot").any()


def test_card_length_is_the_whole_readme(crawled):
    """The Anatomy reading: characters of the README with its YAML header, as served."""
    db, _ = crawled
    conn = connect(db)
    sizes = dict(conn.execute("SELECT model_id, card_chars FROM model_card "
                              "WHERE card_state = 'card'").fetchall())
    conn.close()
    cards = {r["id"]: r["card"] for r in sample_records() if isinstance(r.get("card"), str)
             and r["card"].startswith("---")}
    checked = [m for m in cards if m in sizes]
    assert len(checked) > 100
    assert all(sizes[m] == len(cards[m].encode("utf-8")) for m in checked)


def test_anatomy_command_on_the_samples(crawled):
    db, _ = crawled
    result = run("anatomy", "--db", db)
    assert result.exit_code == 0, result.output
    assert "crawl scope: family" in result.stdout and "9,773" in result.stdout
