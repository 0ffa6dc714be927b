"""Undocumented derivatives and the LLaMA-1 wave: shares, dates, and a truth that agrees with
every file the double serves (read with the project's own readers)."""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import pytest

from crawler.lineage.inference import ModelEvidence
from crawler.lineage.inference.gguf_header import read_metadata
from crawler.lineage.inference.index import fuzzy_key
from crawler.lineage.inference.sources import adapter, config, mergekit
from crawler.roots import load_roots
from hf_lineage.sample_data import open_text, sample_path
from hub_double import api
from hub_double.files import RepoFiles
from hub_double.generator import generated_store
from hub_double.generator.llama1 import CONVERSIONS, LEAK, LLAMA2, WAVE, WAVE_CARDS
from hub_double.generator.undocumented import FIELD_START, HOUSES
from hub_double.store import HubStore

CARDS_2022 = sample_path("cards-2022-sample.jsonl.gz")
TRAINER_SENTENCE = "This model is a fine-tuned version of"
KINDS = {"config", "adapter_config", "mergekit_config", "gguf", "card_text", "card_merge",
         "card_links", "repo_name"}


@pytest.fixture(scope="module")
def hub() -> HubStore:
    return generated_store(20_000, seed=3)


@pytest.fixture(scope="module")
def small() -> HubStore:
    """A smaller Hub for the checks that render every file."""
    return generated_store(5_000, seed=4)


def _df(store: HubStore, sql: str) -> pd.DataFrame:
    return store.cursor().execute(sql).df()


def _row(store: HubStore, model_id: str) -> dict:
    return api.find_model(store.cursor(), model_id, ", card")


def _ts(seconds: int) -> datetime:
    return datetime.utcfromtimestamp(seconds)


# -- who documents ------------------------------------------------------------------------------
def test_undocumented_models_state_no_parent_anywhere(hub):
    children = hub.cursor().execute(
        "SELECT card_data, tags FROM models WHERE id IN "
        "(SELECT child FROM truth_edges WHERE NOT documented)").fetchall()
    assert len(children) > 2000
    for card_data, tags in children:
        assert "base_model" not in json.loads(card_data or "{}")
        assert not any(tag.startswith("base_model:") for tag in tags)
    mixed = _df(hub, "SELECT child FROM truth_edges GROUP BY child "
                     "HAVING count(DISTINCT documented) > 1")
    assert mixed.empty  # a card declares all its parents or none


def test_documentation_follows_the_base_model_era(hub):
    """Almost nothing declares a parent before the field existed, most do after; big quantizers
    declare theirs. With the standalones, over half of the Hub documents no parent (Horwitz et
    al. 2025 report more than 60% on the real Hub)."""
    edges = _df(hub, "SELECT e.child, bool_and(e.documented) AS documented, "
                     "any_value(m.created_at) AS created, any_value(m.author) AS author "
                     "FROM truth_edges e JOIN models m ON m.id = e.child GROUP BY e.child")
    edges = edges[~edges["child"].isin(WAVE_CARDS)]
    house = edges["author"].isin(HOUSES)
    early = edges["created"] < _ts(FIELD_START)
    assert (~edges.loc[early & ~house, "documented"]).mean() > 0.85
    assert 0.25 < (~edges.loc[~early & ~house, "documented"]).mean() < 0.45
    assert edges.loc[~early & house, "documented"].mean() > 0.95
    no_parent = hub.cursor().execute(
        "SELECT avg(CAST(id NOT IN (SELECT child FROM truth_edges WHERE documented) AS DOUBLE)) "
        "FROM models").fetchone()[0]
    assert 0.5 < no_parent < 0.7


def test_trainer_cards_are_as_common_as_in_the_2022_sample(hub):
    """The 2022 sample: ~8% of the models are the Trainer's generated card."""
    with open_text(CARDS_2022) as sample:
        readmes = [json.loads(line)["readme"] or "" for line in sample]
    real = sum(TRAINER_SENTENCE in r for r in readmes) / len(readmes)
    ids = _df(hub, "SELECT id FROM models WHERE created_at < TIMESTAMP '2023-01-01'")["id"]
    bodies = [api.readme_body(row, row.pop("card")).decode(errors="replace")
              if row["has_readme"] else ""
              for row in (_row(hub, i) for i in ids)]
    generated = sum(TRAINER_SENTENCE in b for b in bodies) / len(bodies)
    assert len(bodies) > 300 and abs(generated - real) < 0.04, (generated, real)


# -- the truth agrees with the files ------------------------------------------------------------
def _names(parent: str) -> set[str]:
    """How files may write a parent: its id, or a legacy model's name without namespace."""
    return {parent.lower(), parent.rpartition("/")[2].lower()}


def _revealed(kind: str, parent: str, repo: RepoFiles, readme: str) -> bool:
    """Whether the served files carry `kind` of evidence for `parent`, read as a crawler would."""
    names = _names(parent)
    if kind in ("config", "adapter_config", "mergekit_config"):
        filename = {"config": "config.json", "adapter_config": "adapter_config.json",
                    "mergekit_config": "mergekit_config.yml"}[kind]
        if filename not in repo.siblings():
            return False
        data = repo.read(filename).decode()
        evidence = ModelEvidence(repo.id, config=json.loads(data) if kind == "config" else None,
                                 adapter_config=json.loads(data) if kind == "adapter_config"
                                 else None, mergekit_config=data if kind == "mergekit_config"
                                 else None)
        source = {"config": config, "adapter_config": adapter, "mergekit_config": mergekit}[kind]
        return any(c.name.lower() in names for c in source.candidates(evidence, None))
    if kind == "gguf":
        first = next(name for name in repo.siblings() if name.endswith(".gguf"))
        header = read_metadata(repo.read(first)[:256 * 1024]).values
        url = str(header.get("general.source.url", ""))
        return url.lower().endswith(parent.lower()) or fuzzy_key(
            str(header["general.name"])) == fuzzy_key(parent.rpartition("/")[2])
    if kind == "repo_name":
        return repo.id.rpartition("/")[2].lower().startswith(parent.rpartition("/")[2].lower())
    return any(name in readme.lower() for name in names if "/" in name or kind == "card_text")


def test_every_recorded_evidence_is_in_the_served_files(small):
    edges = _df(small, "SELECT child, parent, evidence FROM truth_edges "
                       "WHERE NOT documented AND len(evidence) > 0")
    seen: set[str] = set()
    for child, group in edges.groupby("child"):
        row = _row(small, child)
        repo = RepoFiles(row)
        readme = api.readme_body(row, row.pop("card")).decode() if row["has_readme"] else ""
        for parent, kinds in zip(group["parent"], group["evidence"], strict=True):
            assert set(kinds) <= KINDS
            for kind in kinds:
                seen.add(kind)
                assert _revealed(kind, parent, repo, readme), (child, parent, kind)
    assert seen == KINDS


def test_files_naming_a_parent_are_recorded(small):
    """The converse for the files: a config or adapter config naming a parent by its id is
    recorded as evidence of that edge."""
    edges = _df(small, "SELECT child, list(parent) AS parents, list(evidence) AS evidence "
                       "FROM truth_edges WHERE NOT documented GROUP BY child")
    checked = 0
    for child, parents, evidence in edges.itertuples(index=False):
        repo = RepoFiles(_row(small, child))
        for filename, key, kind in (("config.json", "_name_or_path", "config"),
                                    ("adapter_config.json", "base_model_name_or_path",
                                     "adapter_config")):
            if filename not in repo.siblings():
                continue
            named = str(json.loads(repo.read(filename)).get(key, "")).lower()
            for parent, kinds in zip(parents, evidence, strict=True):
                if named == parent.lower():
                    checked += 1
                    assert kind in kinds, (child, parent, kind)
    assert checked > 100


def test_noise_is_served_and_recorded_as_no_evidence(small):
    """Configs naming a disk path, the model itself or an ancestor; Trainer cards copied from the
    parent naming the grandparent; undocumented edges nothing reveals."""
    edges = _df(small, "SELECT child, parent, evidence FROM truth_edges WHERE NOT documented")
    assert (edges["evidence"].map(len) == 0).mean() > 0.1
    names = []
    for child in edges["child"].unique()[:600]:
        repo = RepoFiles(_row(small, child))
        if "config.json" in repo.siblings():
            names.append(json.loads(repo.read("config.json")).get("_name_or_path") or "")
    assert sum(n.startswith(("/", ".")) for n in names) > 20
    assert sum(n in set(edges["child"]) for n in names) > 5  # the model itself


# -- the LLaMA-1 wave ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def wave(hub) -> pd.DataFrame:
    """Every model whose lineage (documented or not) reaches LLaMA 1's weights."""
    llama1 = [m for r in load_roots().releases if r.name == "LLaMA 1" for m in r.models]
    roots = ", ".join(f"'{m}'" for m in [*llama1, *CONVERSIONS])
    return _df(hub, "SELECT t.id, t.family, t.full_family, m.created_at, m.tags, m.library_name "
                    "FROM truth_models t JOIN models m USING (id) "
                    f"WHERE len(list_intersect(t.full_roots, [{roots}])) > 0")


def test_wave_repos_declare_nothing_and_come_after_their_seeds(hub, wave):
    for model in WAVE:
        row = _row(hub, model.id)
        assert "base_model" not in json.loads(row["card_data"] or "{}")
        assert row["created_at"] >= _ts(LEAK)
        if model.parent:
            edge = hub.cursor().execute("SELECT documented FROM truth_edges WHERE child = ? "
                                        "AND parent = ?", [model.id, model.parent]).fetchone()
            assert edge == (False,)
            assert row["created_at"] > _row(hub, model.parent)["created_at"]
    assert wave["full_family"].isin(["llama", "both"]).all()  # merges bridge some


def test_nothing_llama1_derived_before_the_leak(wave):
    assert len(wave) > 200
    assert wave["created_at"].min() >= _ts(LEAK)


def test_wave_clusters_after_the_seeds(wave):
    """Bursts after Alpaca, Vicuna, GPT4All and Koala: the busiest week of LLaMA-1 derivatives
    before Llama 2 begins within a month of a seed, although the Hub grows all along (growth
    alone would put it last, in July)."""
    spring = wave[wave["created_at"] < _ts(LLAMA2)]
    weeks = spring.groupby(spring["created_at"].dt.to_period("W"))["id"].count()
    busiest = weeks.idxmax().start_time
    seeds = [pd.Timestamp(day) for day in ("2023-03-13", "2023-03-19", "2023-03-25",
                                           "2023-04-03")]
    assert any(seed - pd.Timedelta(days=7) <= busiest <= seed + pd.Timedelta(days=30)
               for seed in seeds), weeks
    assert weeks.max() > 2 * weeks.iloc[-4:].mean()  # a burst, not the growth curve


def test_wave_is_undocumented_adapters_and_conversions(hub, wave):
    spring = wave[wave["created_at"] < _ts(LLAMA2)]
    assert len(spring) > 100
    assert spring["family"].isna().mean() > 0.8  # no documented path to the LLaMA-1 roots
    assert (spring["library_name"] == "peft").mean() > 0.15  # alpaca-lora's many LoRAs
    later = wave[wave["created_at"] > pd.Timestamp("2023-08-21")]
    assert later["tags"].map(lambda tags: "gguf" in tags or "gptq" in tags).sum() >= 3


def test_full_lineage_extends_the_documented_one(hub):
    truth = _df(hub, "SELECT family, full_family, roots, full_roots FROM truth_models")
    documented = truth[truth["family"].notna()]
    assert (documented["full_family"].notna()).all()
    assert all(set(r) <= set(f) for r, f in zip(documented["roots"], documented["full_roots"],
                                                strict=True))
    assert truth["full_family"].notna().sum() > 1.5 * truth["family"].notna().sum()


def test_undocumented_kinds_span_every_relation(hub):
    kinds = _df(hub, "SELECT relation, count(*) AS n FROM truth_edges WHERE NOT documented "
                     "AND relation <> 'unspecified' GROUP BY relation").set_index("relation")["n"]
    assert {"finetune", "adapter", "quantized", "merge"} <= set(kinds.index)
    assert kinds.min() >= 20
