"""Inference over what the double serves, scored against the generator's truth: the in-process
answers equal the HTTP ones, and the evidence is neither unreadable nor trivially perfect."""

from __future__ import annotations

import dataclasses

import duckdb
import httpx2
import pytest
from huggingface_hub import HfApi, hf_hub_download

from analysis.edges import DEFAULT_MIN_CONFIDENCE
from crawler.crawl import crawl
from hub_double import inference_check as ic
from hub_double.generator import generated_store
from hub_double.store import HubStore
from tests.crawl_helpers import fast_client


@pytest.fixture(scope="module")
def hub() -> HubStore:
    return generated_store(3_000, seed=6)


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _over_http(url: str, model_id: str) -> ic.Served:
    """What a crawler gets with huggingface_hub, and a range request for the GGUF head."""
    info = HfApi().model_info(model_id, expand=["tags", "siblings", "config", "gguf"])
    siblings = [s.rfilename for s in info.siblings]
    files = {}
    for name in ic.wanted_files(siblings):
        if name.endswith(".gguf"):
            files[name] = httpx2.get(f"{url}/{model_id}/resolve/main/{name}",
                                     headers={"Range": f"bytes=0-{ic.GGUF_HEAD - 1}"}).content
        else:
            files[name] = _read(hf_hub_download(model_id, name))
    readme = _read(hf_hub_download(model_id, "README.md")) if "README.md" in siblings else None
    return ic.Served(model_id, info.tags, siblings, info.config, info.gguf, readme, files, None)


def test_in_process_answers_are_the_http_answers(serve, hub):
    double = serve(hub)
    ids = [row[0] for row in hub.cursor().execute(
        "SELECT DISTINCT e.child FROM truth_edges e JOIN models m ON m.id = e.child "
        "WHERE NOT e.documented AND m.gated IS NULL ORDER BY hash(e.child) LIMIT 40").fetchall()]
    kinds = set()
    for local in ic.served(hub, ids):
        remote = _over_http(double.url, local.model_id)
        assert dataclasses.replace(ic.evidence_of(local), created_at=None) == ic.evidence_of(remote)
        kinds |= {name.rpartition(".")[2] for name in local.files}
    assert {"json", "gguf"} <= kinds


def test_inference_reads_the_evidence_but_not_perfectly(hub):
    check = ic.run_check(hub)
    overall = check.evaluation.overall[0.0]
    found = overall.found_edges
    assert 0.85 < overall.precision < 1.0  # noise in cards and configs misleads some rules
    assert 0.6 < len(found & check.revealable) / len(check.revealable) < 1.0
    assert len(found - check.revealable) < 0.1 * len(found)  # little from nowhere
    for source in ic.SOURCES:
        planted = check.planted[source]
        score = check.evaluation.by_source[source]
        assert planted and score.found_edges & planted, source
    table = ic.report(check)
    assert all(f"`{source}`" in table for source in ic.SOURCES)


def test_inference_meets_its_targets_on_the_revealable_edges(hub):
    """Issue 11's targets, at the confidence the analysis switch uses by default (0.5): at
    least 95% precision, and at least 90% recall of the undocumented edges some evidence
    reveals. Recall over every undocumented edge cannot pass ~80% here by construction: a
    fifth of them carry no evidence at all (no README, a card naming only a family), as on
    the real Hub (docs/undocumented.md)."""
    check = ic.run_check(hub)
    score = check.evaluation.overall[DEFAULT_MIN_CONFIDENCE]
    assert score.precision >= 0.95
    assert len(score.found_edges & check.revealable) / len(check.revealable) >= 0.90


def test_a_crawl_with_inference_is_scored_against_the_truth(serve, hub, tmp_path):
    """The crawler's own fetches (listing, cards, evidence files, GGUF heads by range) and
    inference, end to end over HTTP: what it infers for undocumented models is mostly right and
    finds most revealable edges; the files it stored are the ones the double serves."""
    serve(hub)
    db = tmp_path / "inferred.duckdb"
    assert crawl(db, "full", client=fast_client(), infer=True,
                 evidence_files=True).status == "ok"
    conn = duckdb.connect(str(db), read_only=True)
    inferred = {(c, p.lower()) for c, p in conn.execute(
        "SELECT child, parent FROM inferred_edges").fetchall()}
    config = conn.execute("SELECT model_id, content FROM model_files WHERE filename = "
                          "'config.json' AND fetch_error IS NULL ORDER BY model_id "
                          "LIMIT 1").fetchone()
    conn.close()
    truth = hub.cursor().execute("SELECT child, lower(parent), len(evidence) > 0 FROM "
                                 "truth_edges WHERE NOT documented").fetchall()
    edges = {(c, p) for c, p, _ in truth}
    revealable = {(c, p) for c, p, shown in truth if shown}
    assert inferred and len(inferred & edges) / len(inferred) > 0.85
    assert len(inferred & revealable) / len(revealable) > 0.8
    row = next(ic.served(hub, [config[0]]))
    assert config[1].encode() == row.files["config.json"]
