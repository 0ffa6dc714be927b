"""Parents named by old, legacy or differently cased ids end up as one canonical parent."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from crawler.crawl import crawl
from tests.crawl_helpers import fast_client
from tests.hub_rows import model_row, store_of

ROOT = "meta-llama/Llama-3.1-8B-Instruct"
OLD_ROOT = "meta-llama/Meta-Llama-3.1-8B-Instruct"


def tagged(parent: str, relation: str | None = None) -> list[str]:
    return [f"base_model:{parent}"] + ([f"base_model:{relation}:{parent}"] if relation else [])


def misnamed_hub():
    """Children naming their parents the ways real cards do, with the Hub's tags resolved."""
    store = store_of([
        model_row(ROOT, 0, tags=["license:llama3.1"], card_data={"license": "llama3.1"}),
        model_row("google-bert/bert-base-uncased", 1),
        model_row("openai-community/gpt2", 2),
        model_row("google/gemma-4-E2B-it", 3),
        model_row("zai-org/glm-4-9b", 4),
        model_row("x/other", 5),
        # the card's old spelling, the tag's new one: one parent, not two
        model_row("a/renamed-pair", 10, tags=tagged(ROOT, "finetune"),
                  card_data={"base_model": OLD_ROOT}),
        # only the card names it, by its old name: the Hub resolves it (307)
        model_row("b/card-only-old", 11, card_data={"base_model": OLD_ROOT}),
        # a legacy id without namespace, tagged with the namespaced id
        model_row("c/legacy-pair", 12, tags=tagged("google-bert/bert-base-uncased"),
                  card_data={"base_model": "bert-base-uncased"}),
        # a legacy id only in the card
        model_row("d/legacy-card", 13, card_data={"base_model": "gpt2"}),
        # another case than the repo's
        model_row("e/case", 14, card_data={"base_model": "google/gemma-4-e2b-it"}),
        # an organisation rename inside a merge: the false pair of the real capture
        model_row("f/merge", 15, tags=tagged("zai-org/glm-4-9b") + tagged("x/other"),
                  card_data={"base_model": ["THUDM/glm-4-9b", "x/other"],
                             "base_model_relation": "merge"}),
        # a repo that does not exist: kept as written
        model_row("g/ghost", 16, card_data={"base_model": "meta-llama/Llama-9-ghost"}),
    ])
    store.add_alias(OLD_ROOT, ROOT)
    store.add_alias("gpt2", "openai-community/gpt2", "legacy")
    return store


def edges_of(db) -> set[tuple]:
    conn = duckdb.connect(str(db), read_only=True)
    try:
        return set(conn.execute(
            "SELECT child, parent, relation, parent_declared FROM edges").fetchall())
    finally:
        conn.close()


def test_a_full_crawl_stores_one_canonical_parent_per_repo(serve, tmp_path):
    double = serve(misnamed_hub())
    db = tmp_path / "hub.duckdb"
    crawl(db, "full", client=fast_client())
    edges = edges_of(db)
    assert {
        ("a/renamed-pair", ROOT, "finetune", OLD_ROOT),
        ("b/card-only-old", ROOT, "unspecified", OLD_ROOT),
        ("c/legacy-pair", "google-bert/bert-base-uncased", "unspecified", "bert-base-uncased"),
        ("d/legacy-card", "openai-community/gpt2", "unspecified", "gpt2"),
        ("e/case", "google/gemma-4-E2B-it", "unspecified", "google/gemma-4-e2b-it"),
        ("f/merge", "zai-org/glm-4-9b", "merge", "THUDM/glm-4-9b"),
        ("f/merge", "x/other", "merge", None),
        ("g/ghost", "meta-llama/Llama-9-ghost", "unspecified", None),
    } == edges
    conn = duckdb.connect(str(db), read_only=True)
    aliases = {r[0]: r[1:] for r in conn.execute(
        "SELECT alias, canonical, how FROM aliases").fetchall()}
    conn.close()
    assert aliases == {
        OLD_ROOT: (ROOT, "tag"),
        "bert-base-uncased": ("google-bert/bert-base-uncased", "tag"),
        "THUDM/glm-4-9b": ("zai-org/glm-4-9b", "tag"),
        "google/gemma-4-e2b-it": ("google/gemma-4-E2B-it", "case"),
        "gpt2": ("openai-community/gpt2", "hub"),
        "meta-llama/Llama-9-ghost": (None, "not_found"),
    }
    # one model-info request per name the graph could not resolve, and none again next time
    infos = [e.path for e in double.log.entries if e.kind == "info"]
    assert sorted(infos) == ["/api/models/gpt2", "/api/models/meta-llama/Llama-9-ghost"]
    double.log.reset()
    crawl(db, "full", client=fast_client())
    assert double.log.counts()["info"] == 0
    assert edges_of(db) == edges


@pytest.mark.parametrize("road", ["filters", "listing"])
def test_a_family_keeps_the_children_of_a_renamed_root(road, serve, tmp_path):
    double = serve(misnamed_hub())
    roots = tmp_path / "roots.toml"
    roots.write_text('[families.llama]\nlabel = "LLaMA"\norganisations = ["meta-llama"]\n')
    db = tmp_path / "hub.duckdb"
    crawl(db, "family", client=fast_client(), roots_path=roots,
          hub_size=10**9 if road == "filters" else 1)
    members = {child for child, *_ in edges_of(db)}
    # the filters only find tagged children; the whole listing also finds the card-only one,
    # whose old name the Hub resolves before the family is taken
    expected = {"a/renamed-pair"} | ({"b/card-only-old"} if road == "listing" else set())
    assert members == expected
    assert {parent for _, parent, *_ in edges_of(db)} == {ROOT}
    names = [e.path for e in double.log.entries if e.kind == "info"]
    assert len(names) == len(set(names))


def test_no_child_has_two_spellings_of_one_parent_after_an_alias_is_learned_late(
        serve, tmp_path):
    store = misnamed_hub()
    double = serve(store)
    db = tmp_path / "hub.duckdb"
    crawl(db, "full", client=fast_client())
    # a new child names the old spelling beside the new one, in card and tags
    store.add_models(pd.DataFrame([model_row(
        "h/both-spellings", 30, tags=tagged(ROOT),
        card_data={"base_model": [OLD_ROOT, ROOT]})]))
    double.log.reset()
    crawl(db, "full", client=fast_client())
    rows = [e for e in edges_of(db) if e[0] == "h/both-spellings"]
    assert rows == [("h/both-spellings", ROOT, "unspecified", OLD_ROOT)]
