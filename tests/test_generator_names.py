"""Parents named as real cards name them: old names, other cases, legacy ids, local paths; the
Hub's tags carrying the canonical id; the ground truth (truth_edges, truth_aliases) agreeing
with what the double serves."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pandas as pd
import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HFValidationError, RepositoryNotFoundError

from hub_double.generator import generated_store
from hub_double.generator.catalogue import RENAMED, ts
from hub_double.store import HubStore

# A real listing capture of 15,156 Hub records (the brief's figures; not in ../shared): about 5%
# of the models whose card names a base model name it otherwise than the Hub's tags, and 67 of
# its 365 multi-parent children were false pairs (the card's spelling and the tag's of one
# parent). The family trees of ../shared agree on the first: 9 of the 167 cards naming a base
# model differ from the tags (all by listing a model the tags do not carry).
MISNAMED_SHARE = 0.05
FALSE_PAIR_SHARE = 67 / 365
TOLERANCE = 0.25  # relative


@pytest.fixture(scope="module")
def hub() -> Iterator[HubStore]:
    store = generated_store(20_000, seed=3)
    yield store
    store.close()


@pytest.fixture(scope="module")
def named(hub: HubStore) -> pd.DataFrame:
    """Every model whose card names a base model: the names it writes and the tagged parents."""
    rows = []
    for model_id, card_data, tags in hub.cursor().execute(
            "SELECT id, card_data, tags FROM models WHERE card_data IS NOT NULL").fetchall():
        written = json.loads(card_data).get("base_model")
        if written:
            rows.append((model_id, [written] if isinstance(written, str) else list(written),
                         {t.rsplit(":", 1)[-1] for t in tags if t.startswith("base_model:")}))
    return pd.DataFrame(rows, columns=["id", "card", "tagged"]).set_index("id")


@pytest.fixture(scope="module")
def aliases(hub: HubStore) -> pd.DataFrame:
    frame = hub.cursor().execute("SELECT * FROM truth_aliases").df()
    frame["canonical"] = frame["canonical"].astype(object).where(frame["canonical"].notna(), None)
    return frame


def _within(value: float, published: float) -> bool:
    return abs(value / published - 1) <= TOLERANCE


def test_misnamed_parents_and_false_pairs_at_real_rates(named: pd.DataFrame,
                                                        aliases: pd.DataFrame) -> None:
    misnamed = (named["card"].map(set) != named["tagged"]).mean()
    assert _within(misnamed, MISNAMED_SHARE), misnamed
    same_repo = dict(zip(aliases["alias"], aliases["canonical"], strict=True))
    union = [set(card) | tagged for card, tagged in zip(named["card"], named["tagged"],
                                                        strict=True)]
    multi = [names for names in union if len(names) > 1]
    false_pairs = sum(any(same_repo.get(n) in names for n in names) for names in multi)
    assert _within(false_pairs / len(multi), FALSE_PAIR_SHARE), (false_pairs, len(multi))
    counts = aliases.groupby(["how", "tagged"]).size()
    for how in ("legacy", "renamed", "case", "local_path"):
        assert counts[how].sum() >= 5, counts
    assert counts[("legacy", False)] >= 3, counts  # card-only old names the crawler must resolve


def test_truth_aliases_are_what_the_cards_and_tags_say(hub: HubStore, named: pd.DataFrame,
                                                       aliases: pd.DataFrame) -> None:
    edges = hub.cursor().execute("SELECT child, parent, parent_exists FROM truth_edges").df()
    edge_set = set(zip(edges["child"], edges["parent"], strict=True))
    for row in aliases.itertuples():
        assert row.alias in named.loc[row.child, "card"]
        assert row.alias != row.meant
        assert (row.canonical in named.loc[row.child, "tagged"]) == row.tagged
        if row.how == "local_path":
            assert row.canonical is None and not row.tagged
            assert (row.child, row.meant) not in edge_set  # the lineage is lost with the name
        else:
            assert row.canonical == row.meant and (row.child, row.canonical) in edge_set
            assert (row.child, row.alias) not in edge_set
        if row.how == "case":
            assert row.alias.lower() == row.canonical.lower()
    served = dict(hub.cursor().execute("SELECT alias, canonical FROM repo_aliases").fetchall())
    for row in aliases[aliases["how"].isin(["legacy", "renamed"])].itertuples():
        assert served[row.alias] == row.canonical


def test_old_names_follow_the_renames_calendar(hub: HubStore, aliases: pd.DataFrame) -> None:
    """Before Meta renamed the Llama 3.1 repos, most cards wrote the old id; after, few. Of the
    cards that name the parent: documented edges (an undocumented model's YAML names none)."""
    children = hub.cursor().execute("""
        SELECT e.child, e.parent, m.created_at FROM truth_edges e JOIN models m ON m.id = e.child
        WHERE e.parent LIKE 'meta-llama/Llama-3.1-%' AND e.documented""").df()
    renamed_on = pd.Timestamp(ts(RENAMED["meta-llama/Llama-3.1-8B"][1]), unit="s")
    old = set(zip(aliases.loc[aliases["how"] == "renamed", "child"],
                  aliases.loc[aliases["how"] == "renamed", "meant"], strict=True))
    children["old"] = [(c, p) in old for c, p in zip(children["child"], children["parent"],
                                                     strict=True)]
    before = children.loc[children["created_at"] < renamed_on, "old"].mean()
    after = children.loc[children["created_at"] >= renamed_on, "old"].mean()
    assert before > 0.2 and after < 0.1 and before > 4 * after, (before, after)


def test_the_double_answers_old_names_with_the_canonical_repo(serve, hub: HubStore,
                                                              aliases: pd.DataFrame) -> None:
    double = serve(hub)
    api = HfApi(endpoint=double.url)
    for how in ("legacy", "renamed", "case"):
        row = aliases[aliases["how"] == how].iloc[0]
        assert api.model_info(row["alias"]).id == row["canonical"], how
    paths = aliases.loc[aliases["how"] == "local_path", "alias"]
    for path in paths.head(8):
        with pytest.raises((RepositoryNotFoundError, HFValidationError)):
            api.model_info(path)
