"""Family and release attribution: the LLaMA-1 wave names its base in prose, never as a repo."""

from __future__ import annotations

from datetime import datetime

import pytest

from crawler.lineage.inference import ModelEvidence, RepoIndex, infer
from crawler.lineage.inference.families.attribute import Attributor
from crawler.lineage.inference.families.catalogue import Catalogue, name_size
from crawler.lineage.inference.families.mentions import MentionFinder
from crawler.roots import load_roots, parse_roots

CATALOGUE = Catalogue(load_roots())
FINDER = MentionFinder(CATALOGUE)
ATTRIBUTOR = Attributor(CATALOGUE)
SPRING_2023 = datetime(2023, 4, 2)


@pytest.mark.parametrize(("text", "release", "size", "variant"), [
    ("LLaMA-7b", None, "7B", None),
    ("the 13B LLaMA model", None, "13B", None),
    ("a Llama65B model", None, "65B", None),
    ("Llama 2 70B", "Llama 2", "70B", None),
    ("Llama-2-7b-chat-hf", "Llama 2", "7B", "chat"),
    ("Llama2-13B", "Llama 2", "13B", None),
    ("Meta-Llama-3-8B-Instruct", "Llama 3", "8B", "instruct"),
    ("Llama 3.1 405B", "Llama 3.1", "405B", None),
    ("LLaMA-1-7B", "LLaMA 1", "7B", None),
    ("deepseek-coder-6.7b-base", "DeepSeek Coder", "6.7B", "base"),
    ("DeepSeek-R1-Distill-Qwen-7B", "DeepSeek-R1", None, None),
    ("DeepSeek-Coder-V2-Lite", None, None, None),  # a version the roots file does not list
])
def test_names_sizes_and_variants_are_read_from_prose(text, release, size, variant) -> None:
    [mention] = FINDER.find(text)
    assert (mention.release, mention.size, mention.variant) == (release, size, variant)


@pytest.mark.parametrize("text", [
    "OpenLLaMA", "open-llama-3b", "open_llama_7b", "TinyLlama", "tiny-llama", "llama.cpp",
    "LLaMA-Factory", "llama_index", "a story about llamas", "meta-llama/Llama-2-7b-hf",
    "huggyllama/llama-7b", "ollama run",
])
def test_other_models_tools_and_ids_are_not_mentions(text) -> None:
    assert FINDER.find(text) == []


def test_a_slash_joined_list_of_sized_names_is_read_whole() -> None:
    mentions = FINDER.find("based on the DeepSeek-LLM-1.5b-base/DeepSeek-LLM-7b-base.")
    assert [(m.release, m.size) for m in mentions] == [("DeepSeek LLM", "1.5B"),
                                                        ("DeepSeek LLM", "7B")]


def test_a_bare_family_name_means_the_release_of_its_time_or_size() -> None:
    llama1, llama2 = CATALOGUE.release("LLaMA 1"), CATALOGUE.release("Llama 2")
    assert CATALOGUE.bare_release("llama", "7B", SPRING_2023, set()) == llama1
    assert CATALOGUE.bare_release("llama", "65B", datetime(2024, 1, 1), set()) == llama1
    assert CATALOGUE.bare_release("llama", "70B", None, set()) == llama2
    assert CATALOGUE.bare_release("llama", "7B", datetime(2023, 9, 1), set()) == llama2
    assert CATALOGUE.bare_release("llama", None, None, set()) == llama1  # no other release named
    assert CATALOGUE.bare_release("llama", None, None, {"Llama 2"}) is None
    assert CATALOGUE.bare_release("deepseek", None, datetime(2025, 3, 1), set()) is None


def test_roots_of_a_size_and_variant_and_former_ids() -> None:
    llama1, llama2 = CATALOGUE.release("LLaMA 1"), CATALOGUE.release("Llama 2")
    assert CATALOGUE.root(llama1, "13B", None) == "huggyllama/llama-13b"
    assert CATALOGUE.root(llama1, "3B", None) is None
    assert CATALOGUE.root(llama2, "13B", "chat") == "meta-llama/Llama-2-13b-chat-hf"
    assert CATALOGUE.root(llama2, "70B", None) == "meta-llama/Llama-2-70b-hf"
    aliases = CATALOGUE.aliases()
    assert aliases["decapoda-research/llama-7b-hf"] == "huggyllama/llama-7b"
    assert aliases["decapoda-research/llama-13b-hf-int4"] == "huggyllama/llama-13b"
    assert name_size("baffo32/decapoda-research-llama-7B-hf") == "7B"


def test_a_card_naming_a_former_id_gets_the_release_root() -> None:
    index = RepoIndex(["huggyllama/llama-7b", "tloen/alpaca-lora-7b"],
                      aliases=CATALOGUE.aliases())
    body = ("This model is a fine-tuned version of [decapoda-research/llama-7b-hf](https://"
            "huggingface.co/decapoda-research/llama-7b-hf) on the alpaca dataset.")
    [parent] = infer(ModelEvidence("me/alpaca-7b", card_body=body), index)
    assert (parent.parent, parent.parent_as_written, parent.resolved) == (
        "huggyllama/llama-7b", "decapoda-research/llama-7b-hf", True)


# The LLaMA-1 wave's own words (their cards, spring 2023): each is attributed to LLaMA 1.
WAVE = [
    ("tloen/alpaca-lora-7b", "This repo contains a low-rank adapter for LLaMA-7b fit on the "
     "Stanford Alpaca dataset.", "adapter", "huggyllama/llama-7b"),
    ("lmsys/vicuna-13b-delta-v0", 'NOTE: This "delta model" cannot be used directly. Users '
     "have to apply it on top of the original LLaMA weights to get actual Vicuna weights.",
     "finetune", "huggyllama/llama-13b"),
    ("lmsys/vicuna-7b-v1.1", "Vicuna is an open-source chatbot trained by fine-tuning LLaMA on "
     "user-shared conversations collected from ShareGPT.", "finetune", "huggyllama/llama-7b"),
    ("young-geng/koala", "We release Koala as a weight diff against the base LLaMA 13B model.",
     "finetune", "huggyllama/llama-13b"),
    ("timdettmers/guanaco-65b", "Guanaco models are open-source finetuned chatbots obtained "
     "through 4-bit QLoRA tuning of LLaMA base models on the OASST1 dataset.", "adapter",
     "huggyllama/llama-65b"),
    ("nomic-ai/gpt4all-13b-snoozy", "- **Finetuned from model [optional]:** LLama 13B",
     None, "huggyllama/llama-13b"),
    ("stabilityai/StableBeluga1-Delta", "Stable Beluga 1 is a Llama65B model fine-tuned on an "
     "Orca style Dataset", "finetune", "huggyllama/llama-65b"),
    ("chavinlo/alpaca-native", "This is a replica of Alpaca by Stanford' tatsu. Trained using "
     "the original instructions with a minor modification in FSDP mode", "finetune", None),
]


@pytest.mark.parametrize(("model", "body", "relation", "root"), WAVE, ids=lambda v: str(v)[:30])
def test_the_llama_1_wave_is_attributed_to_llama_1(model, body, relation, root) -> None:
    [found] = ATTRIBUTOR.attribute(ModelEvidence(model, card_body=body,
                                                 created_at=SPRING_2023), [])
    assert (found.family, found.release, found.root) == ("llama", "LLaMA 1", root)
    assert relation is None or found.relation == relation
    assert found.confidence >= 0.5 and found.evidence


@pytest.mark.parametrize("body", [
    "OpenLLaMA: An Open Reproduction of LLaMA. We train our models from scratch on the "
    "RedPajama dataset, following the LLaMA training recipe.",
    "RedPajama-INCITE-7B-Base was trained from scratch; it outperforms LLaMA-7B on HELM.",
    "DeepSeek LLM 7B uses the same architecture as LLaMA and was trained from scratch.",
    "GPT4All-J is a chatbot trained on assistant data, finetuned from GPT-J.",
    "Our model outperforms LLaMA-13B and is comparable to Llama 2 70B.",
    "| Model | MMLU |\n|---|---|\n| LLaMA-7B | 35.1 |\n| Falcon-7B | 27.8 |",
    "This model uses the LLaMA tokenizer and was trained on our own data.",
    "Shining Valiant is a chat model built on the Llama 2 architecture, finetuned on our data",
])
def test_traps_are_not_members(body) -> None:
    evidence = ModelEvidence("someone/model-7b", card_body=body, created_at=SPRING_2023,
                             config={"model_type": "llama"}, tags=["llama"])
    assert ATTRIBUTOR.attribute(evidence, []) == []


def test_a_stated_repo_parent_leaves_no_room_for_a_release() -> None:
    index = RepoIndex(["lmsys/vicuna-13b-v1.3"])
    body = ("This model is a fine-tuned version of [lmsys/vicuna-13b-v1.3](https://huggingface.co"
            "/lmsys/vicuna-13b-v1.3), itself a fine-tune of LLaMA 13B.")
    evidence = ModelEvidence("me/vicuna-ft", card_body=body, created_at=SPRING_2023)
    parents = infer(evidence, index)
    assert [p.parent for p in parents] == ["lmsys/vicuna-13b-v1.3"]
    assert ATTRIBUTOR.attribute(evidence, parents) == []


def test_a_release_is_not_attributed_to_its_own_models() -> None:
    evidence = ModelEvidence("deepseek-ai/DeepSeek-V3", card_body="The GGUF quantized version "
                             "of DeepSeek-V3 is available from the community.")
    assert ATTRIBUTOR.attribute(evidence, []) == []


def test_a_roots_file_without_mentions_attributes_nothing() -> None:
    bare = Catalogue(parse_roots('[families.llama]\nlabel = "LLaMA"\n[[releases]]\n'
                                 'family = "llama"\nname = "LLaMA 1"\nreleased = "2023-02-24"\n'
                                 'models = ["huggyllama/llama-7b"]\n', "test"))
    evidence = ModelEvidence("tloen/alpaca-lora-7b", card_body="A low-rank adapter for LLaMA-7b.")
    assert Attributor(bare).attribute(evidence, []) == []
