"""Merges from mergekit's config file and from what merge authors paste into cards."""

from __future__ import annotations

from crawler.lineage.inference import ModelEvidence, RepoIndex, infer
from crawler.lineage.inference.sources import card_merge
from crawler.lineage.inference.sources.mergekit import parse_mergekit

INDEX = RepoIndex(["mistralai/Mistral-7B-v0.1", "HuggingFaceH4/zephyr-7b-beta",
                   "teknium/OpenHermes-2.5-Mistral-7B", "NousResearch/Meta-Llama-3-8B",
                   "grimjim/llama-3-lora"])

TIES = """models:
  - model: HuggingFaceH4/zephyr-7b-beta
    parameters:
      density: 0.5
      weight: 0.5
  - model: "teknium/OpenHermes-2.5-Mistral-7B"
    parameters: {density: 0.5, weight: 0.3}
merge_method: ties
base_model: mistralai/Mistral-7B-v0.1
parameters:
  normalize: true
dtype: bfloat16
"""

PASSTHROUGH = """slices:
  - sources:
    - model: NousResearch/Meta-Llama-3-8B+grimjim/llama-3-lora
      layer_range: [0, 24]
  - sources:
    - model:
        path: NousResearch/Meta-Llama-3-8B
      layer_range: [8, 32]
merge_method: passthrough
dtype: bfloat16
"""


def test_mergekit_config_lists_models_and_base_once_each() -> None:
    spec = parse_mergekit(TIES)
    assert [name for name, _ in spec.models] == [
        "HuggingFaceH4/zephyr-7b-beta", "teknium/OpenHermes-2.5-Mistral-7B",
        "mistralai/Mistral-7B-v0.1"]
    assert spec.method == "ties"
    assert spec.models[1][1] == '- model: "teknium/OpenHermes-2.5-Mistral-7B'


def test_slices_nested_paths_and_lora_suffixes() -> None:
    spec = parse_mergekit(PASSTHROUGH)
    assert [name for name, _ in spec.models] == ["NousResearch/Meta-Llama-3-8B"]
    assert spec.method == "passthrough"


def test_local_paths_in_a_config_are_not_parents() -> None:
    assert parse_mergekit("models:\n  - model: ./merged/step1\n  - model: /data/llama\n"
                          "merge_method: linear\n").models == ()


def test_the_mergekit_config_file_makes_every_model_a_merge_parent() -> None:
    parents = infer(ModelEvidence("me/merged-7b", mergekit_config=TIES), INDEX)
    assert {(p.parent, p.relation, p.source) for p in parents} == {
        ("HuggingFaceH4/zephyr-7b-beta", "merge", "mergekit_config.models"),
        ("teknium/OpenHermes-2.5-Mistral-7B", "merge", "mergekit_config.models"),
        ("mistralai/Mistral-7B-v0.1", "merge", "mergekit_config.models")}
    assert all(p.confidence >= 0.9 for p in parents)


MERGEKIT_CARD = "\n".join([
    "# merged-7b", "",
    "This is a merge of pre-trained language models created using "
    "[mergekit](https://github.com/cg123/mergekit).", "",
    "## Merge Details", "### Merge Method", "",
    "This model was merged using the [TIES](https://arxiv.org/abs/2306.01708) merge method using "
    "[mistralai/Mistral-7B-v0.1](https://huggingface.co/mistralai/Mistral-7B-v0.1) as a base.", "",
    "### Models Merged", "",
    "The following models were included in the merge:",
    "* [HuggingFaceH4/zephyr-7b-beta](https://huggingface.co/HuggingFaceH4/zephyr-7b-beta)",
    "* [teknium/OpenHermes-2.5-Mistral-7B](https://huggingface.co/teknium/OpenHermes-2.5-Mistral"
    "-7B)", "",
    "### Configuration", "",
    "The following YAML configuration was used to produce this model:", "",
    "```yaml", TIES + "```", "",
])


def test_mergekits_generated_card_names_every_ingredient() -> None:
    evidence = ModelEvidence("me/merged-7b", card_body=MERGEKIT_CARD)
    rules = {(c.name, c.rule) for c in card_merge.candidates(evidence, INDEX)}
    for name in ("HuggingFaceH4/zephyr-7b-beta", "teknium/OpenHermes-2.5-Mistral-7B",
                 "mistralai/Mistral-7B-v0.1"):
        assert (name, "card_merge.mergekit_list") in rules
        assert (name, "card_merge.mergekit_yaml") in rules
    parents = infer(evidence, INDEX)
    assert len(parents) == 3 and {p.relation for p in parents} == {"merge"}


def test_merge_of_sentence_reads_to_the_end_of_its_paragraph() -> None:
    body = ("Ladies and gentlemen, a merge of [zephyr](https://huggingface.co/HuggingFaceH4/"
            "zephyr-7b-beta) and\nteknium/OpenHermes-2.5-Mistral-7B.\n\nCompared with "
            "mistralai/Mistral-7B-v0.1 it is better.")
    names = [c.name for c in card_merge.candidates(ModelEvidence("me/m", card_body=body), INDEX)]
    assert names == ["HuggingFaceH4/zephyr-7b-beta", "teknium/OpenHermes-2.5-Mistral-7B"]


def test_a_yaml_block_without_merge_method_is_not_a_merge() -> None:
    body = "merge notes\n```yaml\nmodel: mistralai/Mistral-7B-v0.1\nlr: 2e-5\n```\n"
    assert card_merge.candidates(ModelEvidence("me/m", card_body=body), INDEX) == []
