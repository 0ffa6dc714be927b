"""Names as cards write them -> repo ids, and repo ids -> the repo the index knows."""

from __future__ import annotations

from datetime import datetime

import pytest

from crawler.lineage.inference.index import RepoIndex
from crawler.lineage.inference.refs import Reference, clean_reference

INDEX = RepoIndex(
    ["google-bert/bert-base-uncased", "someone/bert-base-uncased", "meta-llama/Llama-2-7b-hf",
     "distilroberta-base", "copycat/xlnet-base-cased", "a/llama-7b", "b/llama-7b",
     "solo/vicuna-13b", "Qwen/Qwen2.5-7B-Instruct"],
    downloads={"a/llama-7b": 50_000, "b/llama-7b": 12},
    created_at={"solo/vicuna-13b": datetime(2023, 4, 1)},
)


@pytest.mark.parametrize("raw, name, local", [
    ("meta-llama/Llama-2-7b-hf", "meta-llama/Llama-2-7b-hf", False),
    ("`meta-llama/Llama-2-7b-hf`.", "meta-llama/Llama-2-7b-hf", False),
    ("https://huggingface.co/meta-llama/Llama-2-7b-hf/tree/main", "meta-llama/Llama-2-7b-hf",
     False),
    ("https://hf.co/meta-llama/Llama-2-7b-hf?library=transformers#x", "meta-llama/Llama-2-7b-hf",
     False),
    ("http://www.huggingface.co/meta-llama/Llama-2-7b-hf/blob/main/LICENSE.txt",
     "meta-llama/Llama-2-7b-hf", False),
    ("bert-base-uncased", "bert-base-uncased", False),
    ("/home/x/llama-7b", "llama-7b", True),
    ("/content/drive/MyDrive/models/llama-7b/checkpoint-500", "llama-7b", True),
    ("C:\\models\\llama-7b", "llama-7b", True),
    ("https://huggingface.co//home/x/llama-7b", "llama-7b", True),
])
def test_references_are_cleaned_to_repo_ids(raw: str, name: str, local: bool) -> None:
    assert clean_reference(raw) == Reference(name, local)


@pytest.mark.parametrize("raw", [
    "[More Information Needed]", "More Information Needed", "None", "unknown", "",
    "./output", "outputDAQonly/checkpoint-8710", "user/output", "/tmp/out/checkpoint-12",
    "https://huggingface.co/datasets/imdb", "https://huggingface.co/spaces/x/y",
    "https://huggingface.co/", "https://github.com/org/repo", "www.example.com/model",
    "GPT-2, trained", "org/na..me", "config.json", "org/name with spaces",
])
def test_what_cannot_name_a_model_repo_is_refused(raw: str) -> None:
    assert clean_reference(raw) is None


def test_exact_and_case_insensitive_ids_resolve_to_the_indexed_spelling() -> None:
    exact = INDEX.resolve(Reference("meta-llama/Llama-2-7b-hf"))
    assert (exact.parent, exact.resolved, exact.how) == ("meta-llama/Llama-2-7b-hf", True, "exact")
    case = INDEX.resolve(Reference("META-LLAMA/llama-2-7B-HF"))
    assert (case.parent, case.how) == ("meta-llama/Llama-2-7b-hf", "case")


def test_legacy_ids_go_to_the_org_the_hub_moved_them_to_never_to_a_copy() -> None:
    assert INDEX.resolve(Reference("bert-base-uncased")).parent == "google-bert/bert-base-uncased"
    # listed without namespace (an old capture): itself
    assert INDEX.resolve(Reference("distilroberta-base")).parent == "distilroberta-base"
    # only a copy in a user namespace is known: unresolved rather than the copy
    copy = INDEX.resolve(Reference("xlnet-base-cased"))
    assert (copy.parent, copy.resolved, copy.how) == ("xlnet-base-cased", False, "unresolved")


def test_disk_path_basenames_resolve_only_to_a_unique_or_dominant_repo() -> None:
    dominant = INDEX.resolve(Reference("llama-7b", local_path=True))
    assert (dominant.parent, dominant.how) == ("a/llama-7b", "basename")
    unique = INDEX.resolve(Reference("vicuna-13b", local_path=True))
    assert unique.parent == "solo/vicuna-13b"
    unknown = INDEX.resolve(Reference("mystery-7b", local_path=True))
    assert not unknown.resolved


def test_pick_refuses_ties_and_parents_created_after_the_child() -> None:
    index = RepoIndex(["a/m", "b/m", "c/m"], downloads={"a/m": 100, "b/m": 90},
                      created_at={"a/m": datetime(2024, 6, 1), "b/m": datetime(2023, 1, 1)})
    assert index.pick(["a/m", "b/m"]) is None  # 100 vs 90: no dominance
    assert index.pick(["a/m", "b/m"], before=datetime(2024, 1, 1)) == "b/m"
    assert index.pick(["a/m", "c/m"]) == "a/m"  # c/m's downloads unknown: a/m dominates
    assert index.pick([]) is None


def test_titles_match_up_to_case_and_punctuation_within_the_organisation() -> None:
    assert INDEX.find_title("Qwen2.5 7B Instruct", "Qwen") == "Qwen/Qwen2.5-7B-Instruct"
    assert INDEX.find_title("Qwen2.5 7B Instruct", "Meta Llama") is None
    assert INDEX.find_title("Llama 2 7b hf") == "meta-llama/Llama-2-7b-hf"
