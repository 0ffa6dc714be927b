"""The synthetic Hub: deterministic, consistent with its ground truth, messy, and real-shaped."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import yaml

from crawler.roots import load_roots
from hf_lineage.sample_data import family_tree_paths, open_text, sample_path
from hub_double import api
from hub_double.generator import generate_hub, generated_store
from hub_double.generator.llama1 import HUB_UPLOADED
from hub_double.store import HubStore

REAL_EDGES = sample_path("lineage-edges-2025-06.csv")
KNOWN_LICENSES = {"apache-2.0", "mit", "other", "llama2", "llama3", "llama3.1", "llama3.2",
                  "llama3.3", "llama4", "gemma", "cc-by-4.0", "cc-by-nc-4.0", "openrail",
                  "gpl-3.0", "creativeml-openrail-m", "bigscience-bloom-rail-1.0"}
RELATIONS = ("finetune", "adapter", "quantized", "merge")


@pytest.fixture(scope="module")
def small() -> Iterator[HubStore]:
    store = generated_store(2_000, seed=0)
    yield store
    store.close()


def _frame(store: HubStore, sql: str) -> pd.DataFrame:
    """A query's rows with SQL NULL as None (not NaN or NA), so tests compare plain values."""
    frame = store.cursor().execute(sql).df()
    for column in frame.columns[frame.isna().any()]:
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


@pytest.fixture(scope="module")
def models(small: HubStore) -> pd.DataFrame:
    """Every model row, card_data parsed, card as bytes, indexed by id."""
    frame = _frame(small, "SELECT * FROM models ORDER BY idx")
    frame["card"] = [bytes(c) if c is not None else None for c in frame["card"]]
    frame["card_data"] = [json.loads(c) if isinstance(c, str) else None
                          for c in frame["card_data"]]
    frame["tags"] = [list(t) for t in frame["tags"]]
    return frame.set_index("id", drop=False)


@pytest.fixture(scope="module")
def edges(small: HubStore) -> pd.DataFrame:
    """The documented edges: what cards and tags state (undocumented ones:
    test_generator_undocumented.py)."""
    return _frame(small, "SELECT * FROM truth_edges WHERE documented")


@pytest.fixture(scope="module")
def aliases(small: HubStore) -> pd.DataFrame:
    return _frame(small, "SELECT * FROM truth_aliases")


@pytest.fixture(scope="module")
def truth(small: HubStore) -> pd.DataFrame:
    return _frame(small, "SELECT * FROM truth_models").set_index("id")


def _dump(store: HubStore) -> dict[str, pd.DataFrame]:
    cur = store.cursor()
    return {
        "models": cur.execute("SELECT * EXCLUDE (card), md5(card) AS card FROM models "
                              "ORDER BY idx").df(),
        "truth_models": cur.execute("SELECT * FROM truth_models ORDER BY id").df(),
        "truth_edges": cur.execute("SELECT * FROM truth_edges ORDER BY child, parent").df(),
    }


def _base_models(card: dict | None) -> list[str]:
    named = (card or {}).get("base_model") or []
    return [named] if isinstance(named, str) else list(named)


# -- determinism --------------------------------------------------------------------------------
def test_same_seed_same_hub_other_seed_other_hub() -> None:
    first, again, other = (_dump(generated_store(1_500, seed=s)) for s in (7, 7, 8))
    for table, frame in first.items():
        pd.testing.assert_frame_equal(frame, again[table])
    assert not first["models"]["id"].equals(other["models"]["id"])


def test_generate_hub_fills_a_given_store(tmp_path: Path) -> None:
    store = HubStore(tmp_path / "hub.duckdb")
    generate_hub(store, 300, seed=1)
    assert store.count() == 300
    store.close()
    with pytest.raises(ValueError, match="at least"):
        generate_hub(HubStore(), 20)


# -- time, counters, ids ------------------------------------------------------------------------
def _graph(edges: pd.DataFrame) -> nx.DiGraph:
    """parent -> child over the truth edges whose parent exists."""
    return nx.DiGraph(edges.loc[edges["parent_exists"], ["parent", "child"]].itertuples(
        index=False))


def test_parents_created_before_children(models: pd.DataFrame, edges: pd.DataFrame) -> None:
    """Except where a card came to name a child (a cycle), edited after that child appeared."""
    existing = edges[edges["parent_exists"]]
    child = models.loc[existing["child"]]
    parent = models.loc[existing["parent"]]
    later = existing[child["created_at"].to_numpy() < parent["created_at"].to_numpy()]
    graph = _graph(edges)
    assert len(later) >= 3
    for edge in later.itertuples():
        assert edge.child in nx.descendants(graph, edge.parent)
        assert models.loc[edge.child, "last_modified"] > models.loc[edge.parent, "created_at"]


def test_rows_are_plausible(models: pd.DataFrame) -> None:
    assert models["id"].is_unique and models["id"].str.fullmatch(r"[\w.-]+/[\w.-]+").all()
    assert (models["author"] == models["id"].str.split("/").str[0]).all()
    assert models["object_id"].str.fullmatch(r"[0-9a-f]{24}").all()
    assert models["sha"].str.fullmatch(r"[0-9a-f]{40}").all()
    assert (models["created_at"] < pd.Timestamp("2025-11-01")).all()
    assert (models["last_modified"] >= models["created_at"]).all()
    assert (models["downloads_all_time"] >= models["downloads"]).all()
    assert models["downloads"].median() < 20 < 100_000 < models["downloads"].max()
    assert set(models["gated"].dropna()) == {"auto", "manual"}
    assert not models["private"].any() and not models["disabled"].any()
    assert (models["pipeline_tag"] == "text-generation").mean() > 0.5


# -- roots --------------------------------------------------------------------------------------
def test_roots_have_release_dates_licenses_and_gates(models: pd.DataFrame,
                                                     truth: pd.DataFrame) -> None:
    for root_id, release in load_roots().root_models().items():
        row = models.loc[root_id]
        uploaded = HUB_UPLOADED.get(release.name)  # LLaMA 1: community uploads after the leak
        assert row["created_at"].date() == (date.fromisoformat(uploaded) if uploaded
                                            else release.released)
        assert f"license:{release.license}" in row["tags"]
        assert row["card_data"]["license"] == release.license
        assert row["gated"] == ("manual" if root_id.startswith("meta-llama/") else None)
        assert root_id in truth.loc[root_id, "roots"] and truth.loc[root_id, "depth"] == 0


def test_r1_distills_bridge_families(edges: pd.DataFrame, truth: pd.DataFrame) -> None:
    parent = edges.set_index("child")["parent"]
    assert parent["deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"] == "Qwen/Qwen2.5-Math-7B"
    assert parent["deepseek-ai/DeepSeek-R1-Distill-Llama-8B"] == "meta-llama/Llama-3.1-8B"
    assert parent["deepseek-ai/DeepSeek-R1-Distill-Llama-70B"] == \
        "meta-llama/Llama-3.3-70B-Instruct"
    assert truth.loc["deepseek-ai/DeepSeek-R1-Distill-Llama-8B", "family"] == "both"
    assert truth.loc["deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "family"] == "deepseek"
    assert truth.loc["Qwen/Qwen2.5-Math-7B", "family"] is None
    assert (truth["family"] == "both").sum() > 5  # descendants of the bridges


# -- truth --------------------------------------------------------------------------------------
def test_truth_edges_are_what_tags_and_cards_name(models: pd.DataFrame, edges: pd.DataFrame,
                                                  aliases: pd.DataFrame) -> None:
    """Every base_model tag is a truth edge, with its relation; every other truth edge is named
    by the card alone: a model listed beside the parent, an old name the Hub resolves (the
    edge holds the canonical id), or a local path shaped like a repo id, kept as written."""
    from_tags = {(child, tag.split(":")[-1]) for child, tags in models["tags"].items()
                 for tag in tags if tag.startswith("base_model:")}
    truth = set(zip(edges["child"], edges["parent"], strict=True))
    assert from_tags <= truth
    resolved = {(a.child, a.alias): a.canonical for a in aliases.itertuples()}
    card_only = truth - from_tags
    assert len(card_only) >= 10  # of ~1,000 documented edges in 2,000 models
    for child, parent in card_only:
        named = _base_models(models.loc[child, "card_data"])
        assert parent in named or any(resolved.get((child, n)) == parent for n in named)
    for edge in edges.itertuples():
        tags = models.loc[edge.child, "tags"]
        card = models.loc[edge.child, "card_data"] or {}
        relation_tags = [t for t in tags if t.startswith("base_model:") and t.count(":") == 2]
        if (edge.child, edge.parent) in card_only:
            assert edge.relation == card.get("base_model_relation", "unspecified")
        elif edge.relation == "unspecified":
            assert not relation_tags
        else:
            assert f"base_model:{edge.relation}:{edge.parent}" in tags
            assert card.get("base_model_relation", edge.relation) == edge.relation
        assert edge.parent_exists == (edge.parent in models.index)


def test_truth_lineage_follows_the_edges(models: pd.DataFrame, edges: pd.DataFrame,
                                         truth: pd.DataFrame) -> None:
    """Family, roots and depth recomputed from the truth edges with networkx. Roots are the
    listed ones and the organisations' models that descend from no listed root or other
    organisation model (CodeLlama, Llama Guard 2 ...), as docs/schema.md defines them."""
    assert set(truth.index) == set(models.index)
    config = load_roots()
    graph = _graph(edges)
    graph.add_nodes_from(models.index)
    family = {m: r.family for m, r in config.root_models().items()}
    organisation = {m: config.organisations[m.split("/")[0]] for m in models.index
                    if m.split("/")[0] in config.organisations and m not in family}
    implicit = {m: f for m, f in organisation.items()
                if not nx.ancestors(graph, m) & (family.keys() | organisation.keys())}
    assert len(implicit) >= 5 and len(organisation) > len(implicit)  # some descend from roots
    family |= implicit
    depth = nx.multi_source_dijkstra_path_length(graph, set(family))
    for model_id, row in truth.iterrows():
        reach = (nx.ancestors(graph, model_id) | {model_id}) & family.keys()
        assert set(row["roots"]) == reach
        families = {family[r] for r in reach}
        expected = None if not families else families.pop() if len(families) == 1 else "both"
        assert row["family"] == expected
        assert row["depth"] == depth.get(model_id)


def test_declared_licenses_match_tags(models: pd.DataFrame, truth: pd.DataFrame) -> None:
    for model_id, row in models.iterrows():
        license_tags = [t.split(":", 1)[1] for t in row["tags"] if t.startswith("license:")]
        declared = truth.loc[model_id, "license"]
        assert license_tags == ([declared] if declared else [])


# -- mess ---------------------------------------------------------------------------------------
def _yaml_header(card: bytes) -> str:
    return card.decode("utf-8", "replace").split("---\n")[1]


def _parses(text: str) -> bool:
    try:
        yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    return True


def test_every_messy_case_is_present(models: pd.DataFrame, edges: pd.DataFrame,
                                     truth: pd.DataFrame) -> None:
    has_parent_tag = models["tags"].map(lambda tags: any(t.startswith("base_model:") for t in tags))
    card = models["card"]
    no_card_data = models["card_data"].isna()
    cases = {
        "no YAML header": has_parent_tag & no_card_data & card.isna() & models["has_readme"],
        "broken YAML": has_parent_tag & no_card_data & card.map(
            lambda c: c is not None and not _parses(_yaml_header(c))),
        "relation only in tags": models.apply(lambda r: bool(_base_models(r["card_data"])) and (
            "base_model_relation" not in r["card_data"]) and any(
            t.count(":") == 2 for t in r["tags"] if t.startswith("base_model:")), axis=1),
        "relation in the card": models["card_data"].map(
            lambda c: bool(c) and "base_model_relation" in c),
        "base_model as a list": models["card_data"].map(
            lambda c: isinstance((c or {}).get("base_model"), list)),
        "parent as a URL": models["card_data"].map(lambda c: any(
            p.startswith("https://huggingface.co/") for p in _base_models(c))),
        "non-UTF-8 card": card.map(lambda c: c is not None and not _is_utf8(c)),
        "megabyte card": card.map(lambda c: c is not None and len(c) > 1_000_000),
        "no README": ~models["has_readme"],
        "self-reference": models.apply(lambda r: r["id"] in _base_models(r["card_data"]), axis=1),
        "gated derivative": models["gated"].notna() & has_parent_tag,
        "unknown license id": truth["license"].reindex(models.index).map(
            lambda lic: isinstance(lic, str) and lic not in KNOWN_LICENSES),
        "other with name and link": models["card_data"].map(
            lambda c: bool(c) and c.get("license") == "other" and "license_link" in c),
        "no license": models["card_data"].notna() & truth["license"].reindex(models.index).isna(),
        "llama derivative under apache/mit": (truth["family"] == "llama").reindex(models.index)
        & truth["license"].reindex(models.index).isin(["apache-2.0", "mit"]),
    }
    in_cycle = {m for c in nx.strongly_connected_components(_graph(edges)) if len(c) > 1
                for m in c}
    cases["in a cycle"] = models["id"].isin(in_cycle)
    counts = {name: int(mask.sum()) for name, mask in cases.items()}
    assert min(counts.values()) >= 3, counts
    assert (edges["relation"] == "unspecified").sum() >= 3
    missing = edges[~edges["parent_exists"]]
    assert len(missing) >= 3
    for edge in missing.itertuples():  # named by tags, or a local path only the card names
        assert edge.parent not in models.index
        assert f"base_model:{edge.parent}" in models.loc[edge.child, "tags"] or \
            edge.parent in _base_models(models.loc[edge.child, "card_data"])
    assert not (edges["child"] == edges["parent"]).any()


def test_verbatim_cards_agree_with_card_data(models: pd.DataFrame) -> None:
    """A stored README's YAML is what card_data holds, unless the YAML is broken (then NULL)."""
    stored = models[models["card"].notna()]
    assert len(stored) >= 9
    for card, card_data in zip(stored["card"], stored["card_data"], strict=True):
        header = _yaml_header(card)
        assert yaml.safe_load(header) == card_data if _parses(header) else card_data is None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_derivative_kinds_look_like_the_hub(models: pd.DataFrame) -> None:
    tags = models["tags"].map(set)
    for marker in ("gguf", "gptq", "awq", "mlx", "exl2", "bitsandbytes", "merge", "mergekit"):
        assert tags.map(lambda t, m=marker: m in t).sum() >= 2, marker
    assert (models["library_name"] == "peft").sum() >= 2
    assert models["id"].str.match(r"(TheBloke|bartowski|mradermacher)/.+-GGUF$").sum() >= 2
    assert models["id"].str.match(r"mlx-community/").sum() >= 2
    assert models["id"].str.match(r"unsloth/.+-bnb-4bit$").sum() >= 2
    assert tags.map(lambda t: any(x.startswith("dataset:") for x in t)).sum() >= 20
    assert tags.map(lambda t: any(x.startswith("arxiv:") for x in t)).sum() >= 10
    assert models["card_data"].map(lambda c: bool(c) and "model-index" in c).sum() >= 10


# -- cards --------------------------------------------------------------------------------------
CARDS_2022 = sample_path("cards-2022-sample.jsonl.gz")


def _served_readmes(store: HubStore) -> dict[str, bytes | None]:
    """Every ungated model's README as the double serves it (None: no README.md)."""
    cursor = store.cursor().execute(f"SELECT {api.ROW_COLUMNS}, card FROM models "
                                    "WHERE gated IS NULL")
    names = [d[0] for d in cursor.description]
    readmes = {}
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        card = row.pop("card")
        readmes[row["id"]] = api.readme_body(row, card) if row["has_readme"] else None
    return readmes


def _real_card_lengths() -> tuple[list[int], list[int]]:
    """Lengths of the real READMEs (more than 3 characters) of the family trees (2025) and of
    the 2022 listing sample (whose missing READMEs hold the Hub's error message)."""
    modern = [len(m["card"]) for path in family_tree_paths()
              for m in json.load(open_text(path))["models"]
              if isinstance(m.get("card"), str) and len(m["card"]) > 3]
    with open_text(CARDS_2022) as lines:
        old = [len(r["readme"]) for r in map(json.loads, lines)
               if len(r.get("readme") or "") > 3 and not r["readme"].startswith("Error: ")]
    return modern, old


def test_cards_have_real_lengths_and_structure(small: HubStore, models: pd.DataFrame) -> None:
    """Two thirds of the models have a card (Laufer et al. 2025: 67%); the cards' lengths spread
    like real ones (short notes to long release cards); each templated one (readmes.py) has a
    YAML header and Markdown sections, and the card text names the parent as the YAML does.
    Undocumented models' cards are their card forms, often one line as in the 2022 sample
    (files/cards.py, test_generator_undocumented.py)."""
    readmes = _served_readmes(small)
    card_forms = {model_id for model_id, files in models["files"].items()
                  if files and "card" in json.loads(files)}
    carded = {i: r for i, r in readmes.items() if r is not None and len(r) > 3}
    assert abs(len(carded) / len(readmes) / 0.67 - 1) <= 0.25
    lengths = np.array([len(r) for r in carded.values()])
    modern, old = _real_card_lengths()
    medians = sorted([float(np.median(modern)), float(np.median(old))])  # 975 and 2,054
    assert medians[0] / 2 <= np.median(lengths) <= medians[1] * 2, np.median(lengths)
    assert np.percentile(lengths, 10) < 400 and np.percentile(lengths, 90) > 4_000
    assert lengths.max() > 15_000  # organisations' release cards
    stored = models["card"].notna()
    for model_id, readme in carded.items():
        if stored[model_id] or models.loc[model_id, "card_data"] is None \
                or model_id in card_forms:
            continue
        text = readme.decode()
        assert text.startswith("---\n") and "\n# " in text or "\n## " in text, model_id
        parents = _base_models(models.loc[model_id, "card_data"])
        if "fine-tuned version of" in text:
            assert f"fine-tuned version of [{parents[0]}]" in text


# -- shape ---------------------------------------------------------------------------------------
SAMPLE_MIN_DOWNLOADS = 10  # the real edge sample keeps text-generation models with >= 10 downloads


def _shape(edges: pd.DataFrame) -> dict[str, float]:
    """Statistics of a lineage edge list (columns child, parent, relation)."""
    nodes = pd.unique(pd.concat([edges["child"], edges["parent"]]))
    parents_per_child = edges.groupby("child")["parent"].nunique()
    fan_out = edges.groupby("parent")["child"].nunique()
    relations = edges.loc[edges["relation"] != "unspecified", "relation"]
    shares = relations.value_counts(normalize=True)
    return {
        "has_children": edges["parent"].nunique() / len(nodes),
        "multi_parent": float((parents_per_child > 1).mean()),
        "max_fan_out_share": fan_out.max() / len(edges),
        # the tail grows with the graph: the p99 parent's children per 1,000 models
        "fan_out_p99_per_1000": float(fan_out.quantile(0.99) / len(nodes) * 1000),
        **{relation: float(shares.get(relation, 0.0)) for relation in RELATIONS},
    }


@pytest.fixture(scope="module")
def hub_100k() -> Iterator[HubStore]:
    """A Hub big enough that its sample-like part holds thousands of edges."""
    store = generated_store(100_000, seed=1)
    yield store
    store.close()


def test_the_sample_like_part_has_the_real_samples_shape(hub_100k: HubStore) -> None:
    """The real edge sample selects text-generation models with >= 10 downloads (both ends of
    each edge) and the Hub's base_model relations (its tags); the same selection of a generated
    Hub has its shape, within stated tolerances.
    The whole Hub's shape is Anatomy's (test_the_whole_hub_has_the_anatomy_of_the_real_one).
    The sample holds documented edges only, as the tag condition selects."""
    real = pd.read_csv(REAL_EDGES).rename(columns={"source": "parent", "target": "child"})
    real["relation"] = real["edge"].map({"finetuned": "finetune", "quantized": "quantized",
                                         "merged": "merge", "adapter": "adapter"})
    expected = _shape(real)
    got = _shape(hub_100k.cursor().execute(f"""
        WITH selected AS (SELECT id FROM models WHERE pipeline_tag = 'text-generation'
                          AND downloads >= {SAMPLE_MIN_DOWNLOADS})
        SELECT child, parent, relation FROM truth_edges e
        WHERE parent_exists AND child IN (FROM selected) AND parent IN (FROM selected)
          AND EXISTS (SELECT 1 FROM models m WHERE m.id = e.child
                      AND list_contains(m.tags, 'base_model:' || e.parent))""").df())
    for relation in RELATIONS:
        assert abs(got[relation] - expected[relation]) < 0.05, (relation, got, expected)
    assert abs(got["has_children"] - expected["has_children"]) < 0.05, (got, expected)
    assert 0.02 <= got["multi_parent"] <= 0.06, got  # real: 0.040
    # heavy-tailed like the real one: its largest parent holds 2.4% of the edges, its p99 parent
    # 68 children for 30,000 models (median 1)
    assert got["max_fan_out_share"] >= 0.01, got
    assert got["fan_out_p99_per_1000"] >= 0.75 * expected["fan_out_p99_per_1000"], got
    family = hub_100k.cursor().execute(
        "SELECT avg(CAST(full_family IS NOT NULL AS DOUBLE)) FROM truth_models").fetchone()[0]
    assert 0.30 <= family <= 0.42  # the default LLaMA+DeepSeek share, documented or not
