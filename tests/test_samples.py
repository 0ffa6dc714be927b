"""The real family-tree captures must reach the Hub double's store unchanged.

The lead's HTTP tests compare what huggingface_hub gets from the double with these records; that
only means something if the conversion itself loses nothing, which is what is checked here.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from hub_double.samples import (
    load_family_trees,
    sample_records,
    samples_store,
)
from hub_double.store import MODEL_COLUMNS, HubStore, fake_sha

EXPECTED_PER_FILE = {
    "Llama-2-7b_finetunes_20250422_201036.json": 92,
    "DeepSeek-V3_finetunes_20250422_220003.json": 81,
    "Llama-4-Scout-17B-16E_finetunes_20250411_001929.json": 19,
}


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return sample_records()


@pytest.fixture(scope="module")
def store() -> Iterator[HubStore]:
    hub = samples_store()
    yield hub
    hub.close()


def _served(store: HubStore) -> dict[str, dict[str, Any]]:
    cur = store.cursor().execute("SELECT * FROM models")
    names = [d[0] for d in cur.description]
    return {row[1]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}


def _yaml_header(card: str) -> dict[str, Any]:
    """Independent of the loader's regex: the text between the first two '---' lines."""
    lines = card.splitlines()
    end = lines.index("---", 1)
    return yaml.safe_load("\n".join(lines[1:end]))


def _hub_date(value: datetime) -> str:
    """The store's naive UTC written the way the captures wrote ModelInfo dates."""
    return value.strftime("%Y-%m-%d %H:%M:%S+00:00")


def test_counts_per_file_and_dedup(records: list[dict[str, Any]]) -> None:
    assert Counter(rec["source"] for rec in records) == EXPECTED_PER_FILE
    frame = load_family_trees()
    assert list(frame.columns) == [name for name in MODEL_COLUMNS if name != "idx"]
    assert len(frame) == len({rec["id"] for rec in records}) == frame["id"].nunique()
    assert not any(model_id.startswith("http") for model_id in frame["id"])


def test_records_with_metadata_survive_unchanged(
    records: list[dict[str, Any]], store: HubStore
) -> None:
    served = _served(store)
    with_metadata = [rec for rec in records if rec["metadata"] is not None]
    assert len(with_metadata) == 188
    for rec in with_metadata:
        meta, row = rec["metadata"], served[rec["id"]]
        assert row["tags"] == meta["tags"], rec["id"]
        assert _hub_date(row["created_at"]) == meta["created_at"], rec["id"]
        assert _hub_date(row["last_modified"]) == meta["last_modified"], rec["id"]
        assert (row["sha"], row["object_id"], row["author"]) == (
            meta["sha"],
            meta["_id"],
            meta["author"],
        )
        assert row["gated"] == (meta["gated"] or None)
        assert row["has_readme"]
        if "card" in rec:
            assert bytes(row["card"]) == rec["card"].encode("utf-8"), rec["id"]
            assert json.loads(row["card_data"]) == _yaml_header(rec["card"]), rec["id"]
        else:  # the Llama 4 Scout capture kept only the client's re-serialized cardData
            assert row["card"] is None
            assert json.loads(row["card_data"]) == yaml.safe_load(meta["cardData"]), rec["id"]


def test_records_without_metadata_still_list(
    records: list[dict[str, Any]], store: HubStore
) -> None:
    served = _served(store)
    missing = [rec for rec in records if rec["metadata"] is None]
    assert sorted(rec["id"] for rec in missing) == [
        "mortezap88/9.1-Helper",
        "motherduckdb/DuckDB-NSQL-7B-v0.1",
        "teknolog/majorgeneral",
        "vvffk/chatbot1.0",
    ]
    for rec in missing:
        row = served[rec["id"]]
        parent = rec["tree_parent"]
        assert row["tags"] == [f"base_model:{parent}", f"base_model:finetune:{parent}"]
        assert row["sha"] == fake_sha(rec["id"])
        assert row["author"] == rec["id"].split("/")[0]
        assert len(row["object_id"]) == 24 and int(row["object_id"], 16) >= 0
        assert row["created_at"] == row["last_modified"] == rec["captured_at"]
        assert (row["has_readme"], row["card"], row["card_data"]) == (False, None, None)


def test_truth_matches_tags_and_tree(records: list[dict[str, Any]], store: HubStore) -> None:
    cur = store.cursor()
    served = _served(store)
    expected = set()
    for model_id, row in served.items():
        parents = {tag.split(":")[-1] for tag in row["tags"] if tag.startswith("base_model:")}
        for parent in parents:
            rels = {
                tag.split(":")[1]
                for tag in row["tags"]
                if tag.count(":") == 2 and tag.endswith(f":{parent}")
            }
            for rel in rels or {"unspecified"}:
                expected.add((model_id, parent, rel, parent in served))
    edges = set(
        cur.execute("SELECT child, parent, relation, parent_exists FROM truth_edges").fetchall()
    )
    assert edges == expected
    # every non-root record hangs off the record whose fine-tunes it was found among
    assert {(rec["id"], rec["tree_parent"]) for rec in records if rec["depth"] > 0} <= {
        (child, parent) for child, parent, _, _ in edges
    }
    truth = {
        row[0]: row[1:]
        for row in cur.execute("SELECT id, family, roots, depth FROM truth_models").fetchall()
    }
    assert len(truth) == len(served)
    for rec in records:
        family = "deepseek" if rec["source"].startswith("DeepSeek") else "llama"
        assert truth[rec["id"]] == (family, [rec["root"]], rec["depth"])
    assert Counter(family for family, _, _ in truth.values()) == {"llama": 111, "deepseek": 81}


def _write_tree(path: Path, models: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"models": models}), encoding="utf-8")
    return path


def test_missing_metadata_takes_tags_from_card(tmp_path: Path) -> None:
    card = "---\nlicense: llama2\nbase_model:\n- a/root\n- b/other\n---\n# child\n"
    first = _write_tree(
        tmp_path / "Llama-x_finetunes_20250101_120000.json",
        [
            {
                "model_id": "a/root",
                "card": "N/A",
                "metadata": "",
                "depth": 0,
                "children": ["https://huggingface.co/c/child"],
            },
            {
                "model_id": "https://huggingface.co/c/child",
                "card": card,
                "metadata": "N/A",
                "depth": 1,
                "children": [],
            },
            {
                "model_id": "d/broken",
                "card": "---\nlicense: [mit\n---\n",
                "metadata": "N/A",
                "depth": 1,
                "children": [],
            },
        ],
    )
    second = _write_tree(
        tmp_path / "DeepSeek-y_finetunes_20250202_000000.json",
        [
            {
                "model_id": "c/child",
                "card": "---\nlicense: mit\n---\n",
                "metadata": "N/A",
                "depth": 0,
                "children": [],
            }
        ],
    )
    frame = load_family_trees([first, second]).set_index("id")
    assert list(frame.index) == ["a/root", "c/child", "d/broken"]  # the second c/child dropped
    child = frame.loc["c/child"]
    assert child["tags"] == [
        "license:llama2",
        "base_model:a/root",
        "base_model:b/other",
        "base_model:finetune:a/root",
    ]
    assert json.loads(child["card_data"]) == {
        "license": "llama2",
        "base_model": ["a/root", "b/other"],
    }
    assert bytes(child["card"]) == card.encode() and child["has_readme"]
    assert child["created_at"] == datetime(2025, 1, 1, 12, 0, 0)
    broken = frame.loc["d/broken"]
    assert pd.isna(broken["card_data"]) and broken["has_readme"] and broken["tags"] == []
    assert frame.loc["a/root", "tags"] == [] and not frame.loc["a/root", "has_readme"]
