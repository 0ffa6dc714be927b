"""Card sentences that name a parent, in the templates real cards use, and what must not count."""

from __future__ import annotations

import pytest

from crawler.lineage.inference import ModelEvidence, RepoIndex, infer
from crawler.lineage.inference.sources import card_context, card_links, card_text

INDEX = RepoIndex(["google-bert/bert-base-uncased", "meta-llama/Llama-2-7b-chat-hf",
                   "meta-llama/Llama-2-7b-hf", "epfl-llm/meditron-7b", "deepseek-ai/DeepSeek-V3",
                   "meta-llama/Meta-Llama-3-8B-Instruct", "mistralai/Mistral-7B-v0.1",
                   "meta-llama/Llama-2-70b-hf", "Qwen/Qwen2.5-7B-Instruct"])


def found(body: str, sources=(card_text,)) -> list[tuple[str, str, str]]:
    """(name, relation, rule) of each candidate of `sources` in `body`."""
    evidence = ModelEvidence("someone/model", card_body=body)
    return [(c.name, c.relation, c.rule)
            for source in sources for c in source.candidates(evidence, INDEX)]


def test_trainer_sentence_with_a_legacy_id_resolves_to_the_moved_repo() -> None:
    body = ("# bert-finetuned-ner\n\nThis model is a fine-tuned version of [bert-base-uncased]"
            "(https://huggingface.co/bert-base-uncased) on the conll2003 dataset.\nIt achieves")
    assert ("bert-base-uncased", "finetune", "card_text.trainer") in found(body)
    [parent] = infer(ModelEvidence("someone/model", card_body=body), INDEX)
    assert (parent.parent, parent.parent_as_written, parent.resolved, parent.relation) == (
        "google-bert/bert-base-uncased", "bert-base-uncased", True, "finetune")
    assert parent.evidence.startswith("This model is a fine-tuned version of [bert-base-uncased]")


@pytest.mark.parametrize("body, name", [
    ("This model is a fine-tuned version of [epfl-llm/meditron-7b](https://huggingface.co/"
     "epfl-llm/meditron-7b). It has been trained using [TRL](https://github.com/huggingface/trl).",
     "epfl-llm/meditron-7b"),  # TRL's template
    ("This model is a fine-tuned version of Microsoft/DialoGPT-medium",
     "Microsoft/DialoGPT-medium"),
    ("- **Developed by:** someone\n- **License:** apache-2.0\n- **Finetuned from model :** "
     "epfl-llm/meditron-7b\n\nThis llama model was trained 2x faster with Unsloth",
     "epfl-llm/meditron-7b"),  # Unsloth's template
    ("- **Fine-tuned from model:** [Meditron-7B.v1.0](https://huggingface.co/epfl-llm/meditron-7b)",
     "epfl-llm/meditron-7b"),
])
def test_finetune_templates(body: str, name: str) -> None:
    assert [(n, r) for n, r, _ in found(body)][0] == (name, "finetune")


def test_hub_template_placeholders_name_nothing() -> None:
    body = ("- **Model type:** [More Information Needed]\n"
            "- **Finetuned from model [optional]:** [More Information Needed]\n")
    assert found(body) == []


@pytest.mark.parametrize("body, name, rule", [
    ("<!-- ### tags:  -->\nstatic quants of https://huggingface.co/deepseek-ai/DeepSeek-V3\n\n"
     "<!-- provided-files -->", "deepseek-ai/DeepSeek-V3", "card_text.quants_of"),
    ("weighted/imatrix quants of https://huggingface.co/deepseek-ai/DeepSeek-V3",
     "deepseek-ai/DeepSeek-V3", "card_text.quants_of"),
    ("## Description\n\nThis repo contains GGUF format model files for [Meta Llama 2's Llama 2 7B "
     "Chat](https://huggingface.co/meta-llama/Llama-2-7b-chat-hf).",
     "meta-llama/Llama-2-7b-chat-hf", "card_text.format_files_for"),
    ("The Model [mlx-community/Meta-Llama-3-8B-Instruct-4bit](https://huggingface.co/mlx-"
     "community/Meta-Llama-3-8B-Instruct-4bit) was converted to MLX format from [meta-llama/Meta-"
     "Llama-3-8B-Instruct](https://huggingface.co/meta-llama/Meta-Llama-3-8B-Instruct) using "
     "mlx-lm version **0.12.0**.", "meta-llama/Meta-Llama-3-8B-Instruct",
     "card_text.converted_from"),
    ("This model was converted to GGUF format from [`Qwen/Qwen2.5-7B-Instruct`](https://"
     "huggingface.co/Qwen/Qwen2.5-7B-Instruct) using llama.cpp via the ggml.ai's GGUF-my-repo "
     "space.", "Qwen/Qwen2.5-7B-Instruct", "card_text.converted_from"),
])
def test_quantizer_templates(body: str, name: str, rule: str) -> None:
    assert (name, "quantized", rule) in found(body)


@pytest.mark.parametrize("body, relation", [
    ("These files are GPTQ 4bit model files for [Meta's Llama 2 7B Chat](https://huggingface.co/"
     "meta-llama/Llama-2-7b-chat-hf).", "quantized"),
    ("This repo contains AWQ model files for [Meta's Llama 2 7B Chat](https://huggingface.co/"
     "meta-llama/Llama-2-7b-chat-hf).", "quantized"),
    ("This is an HF format unquantised float16 model of [Meta's Llama 2 7B Chat](https://"
     "huggingface.co/meta-llama/Llama-2-7b-chat-hf).", "unspecified"),
])
def test_thebloke_template_variants(body: str, relation: str) -> None:
    assert found(body) == [("meta-llama/Llama-2-7b-chat-hf", relation,
                            "card_text.format_files_for")]


def test_quantized_version_of() -> None:
    body = "We publish a 4-bit quantised model of `meta-llama/Llama-2-7b-chat-hf` for phones."
    assert found(body) == [("meta-llama/Llama-2-7b-chat-hf", "quantized", "card_text.quantized_of")]


def test_links_to_sibling_quants_are_not_format_sentences() -> None:
    body = ("## Repositories available\n* [4-bit GPTQ models for GPU inference](https://"
            "huggingface.co/TheBloke/Llama-2-7B-Chat-GPTQ)\n* [2, 3, 4, 5, 6 and 8-bit GGUF models "
            "for CPU+GPU inference](https://huggingface.co/TheBloke/Llama-2-7B-Chat-GGUF)\n")
    assert found(body) == []


@pytest.mark.parametrize("body", [
    "## Llamacpp imatrix Quantizations of Meta-Llama-3-8B-Instruct\n\nUsing llama.cpp release "
    "b2777.\n\nOriginal model: https://huggingface.co/meta-llama/Meta-Llama-3-8B-Instruct\n",
    "- Model creator: [Meta](https://huggingface.co/meta-llama)\n- Original model: [Llama 3 8B "
    "Instruct](https://huggingface.co/meta-llama/Meta-Llama-3-8B-Instruct)\n",
    "0. Check requirements from the original repo meta-llama/Meta-Llama-3-8B-Instruct installed.",
])
def test_original_model_lines(body: str) -> None:
    assert found(body) == [("meta-llama/Meta-Llama-3-8B-Instruct", "unspecified",
                            "card_text.original_model")]


@pytest.mark.parametrize("words, relation", [
    ("an uncensored", "unspecified"), ("a pruned", "unspecified"),
    ("a 4-bit quantized", "quantized"), ("a GGUF", "quantized"),
    ("an instruction-tuned", "finetune"), ("a LoRA-merged", "adapter"),
])
def test_version_of_takes_its_relation_from_the_words(words: str, relation: str) -> None:
    body = f"This is {words} version of [deepseek-ai/DeepSeek-V3](https://huggingface.co/" \
           f"deepseek-ai/DeepSeek-V3) created with care."
    assert ("deepseek-ai/DeepSeek-V3", relation, "card_text.version_of") in found(body)


@pytest.mark.parametrize("body, name, relation, rule", [
    ("This repository holds a LoRA adapter for meta-llama/Llama-2-7b-hf trained on Alpaca.",
     "meta-llama/Llama-2-7b-hf", "adapter", "card_context.adapter_for"),
    ("The model is built by fine-tuning [Llama-2-7b](https://huggingface.co/meta-llama/Llama-2-7b"
     "-hf) on Enron.", "meta-llama/Llama-2-7b-hf", "finetune", "card_context.by_finetuning"),
    ("Fine-tuned [mistralai/Mistral-7B-v0.1](https://huggingface.co/mistralai/Mistral-7B-v0.1) on "
     "French using Common Voice.", "mistralai/Mistral-7B-v0.1", "finetune",
     "card_text.finetuned_on"),
    ("This model is based on [mistralai/Mistral-7B-v0.1](https://huggingface.co/mistralai/"
     "Mistral-7B-v0.1).", "mistralai/Mistral-7B-v0.1", "unspecified", "card_context.based_on"),
])
def test_explicit_phrasings(body: str, name: str, relation: str, rule: str) -> None:
    assert (name, relation, rule) in found(body, (card_text, card_context))


@pytest.mark.parametrize("body", [
    "Our model is based on BERT and fine-tuned on SQuAD.",  # a family, not a repo
    "We compared it to Llama-2-70b and meta-llama/Llama-2-70b-hf on MMLU.",
    "This model was fine-tuned on [imdb](https://huggingface.co/datasets/imdb).",
    "This is a merge created using [mergekit](https://github.com/cg123/mergekit).",
    "Trained from scratch on 10B tokens.",
    "This model is a fine-tuned version of [](https://huggingface.co/) on the xsum dataset.",
    "This model is a fine-tuned version of [./output](https://huggingface.co/./output) on x.",
])
def test_mentions_that_are_not_parents(body: str) -> None:
    assert found(body) == []


def test_a_pasted_original_card_speaks_for_the_grandparent_not_for_this_model() -> None:
    body = ("# Llama 2 7B Chat - GGUF\n- Original model: [Llama 2 7B Chat](https://huggingface.co/"
            "meta-llama/Llama-2-7b-chat-hf)\n\n<!-- original-model-card start -->\n# Original model"
            " card: Meta's Llama 2 7B Chat\n\nThis model is a fine-tuned version of [meta-llama/"
            "Llama-2-7b-hf](https://huggingface.co/meta-llama/Llama-2-7b-hf) on chats.\n")
    assert [n for n, _, _ in found(body)] == ["meta-llama/Llama-2-7b-chat-hf"]


def test_a_benchmark_table_of_links_gives_no_link_evidence() -> None:
    rows = "\n".join(f"| [{m}](https://huggingface.co/{m}) | 61.2 |" for m in [
        "meta-llama/Llama-2-70b-hf", "mistralai/Mistral-7B-v0.1", "Qwen/Qwen2.5-7B-Instruct",
        "epfl-llm/meditron-7b"])
    evidence = ModelEvidence("someone/model", card_body=f"| model | MMLU |\n|---|---|\n{rows}")
    assert card_links.candidates(evidence, INDEX) == []
    assert infer(evidence, INDEX) == []


def test_a_lone_link_is_weak_evidence_and_own_or_file_links_do_not_count() -> None:
    body = ("![logo](https://huggingface.co/someone/model/resolve/main/logo.png) Other quants: "
            "https://huggingface.co/someone/model-GGUF. Try it with https://huggingface.co/"
            "mistralai/Mistral-7B-v0.1 as the chat template reference.")
    evidence = ModelEvidence("someone/model", card_body=body)
    [link] = card_links.candidates(evidence, INDEX)
    assert (link.name, link.rule, link.strength) == (
        "mistralai/Mistral-7B-v0.1", "card_links.link", "weak")
    # a bare link states no derivation: it supports what other evidence names, alone it is none
    assert infer(evidence, INDEX) == []
