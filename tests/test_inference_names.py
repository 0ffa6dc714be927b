"""Repo-name conventions resolved against the index of known ids."""

from __future__ import annotations

import pytest

from crawler.lineage.inference import ModelEvidence, RepoIndex, infer
from crawler.lineage.inference.sources.repo_name import candidates, stems

INDEX = RepoIndex([
    "meta-llama/Llama-2-7b-chat", "Locutusque/Thespis-Llama-3.1-8B",
    "meta-llama/Llama-4-Scout-17B-16E",
    "huihui-ai/Dria-Agent-a-7B-abliterated", "driaforall/Dria-Agent-a-7B", "unsloth/llama-3-8b",
    "bartowski/Hermes-2-Theta-Llama-3-8B-exl2", "NousResearch/Hermes-2-Theta-Llama-3-8B",
    "Creekside/gemma-3", "lazarusnlp/bloom-1b7-fp32", "bigscience/bloom-1b7", "me/Tia-70B-RP",
    "other/Mistral-7B-Instruct", "third/Mistral-7B-Instruct", "me/model-lora-merged",
])


def found(model_id: str) -> list[tuple[str, str, str]]:
    return [(c.name, c.relation, c.rule) for c in candidates(ModelEvidence(model_id), INDEX)]


@pytest.mark.parametrize("model_id, parent, rule", [
    ("TheBloke/Llama-2-7B-Chat-GGUF", "meta-llama/Llama-2-7b-chat", "repo_name.format_suffix"),
    ("someone/Llama-2-7B-Chat-GPTQ", "meta-llama/Llama-2-7b-chat", "repo_name.format_suffix"),
    ("bartowski/Locutusque_Thespis-Llama-3.1-8B-GGUF", "Locutusque/Thespis-Llama-3.1-8B",
     "repo_name.org_prefix"),
    ("mlx-community/meta-llama-Llama-4-Scout-17B-16E-4bit", "meta-llama/Llama-4-Scout-17B-16E",
     "repo_name.org_prefix"),
    ("unsloth/llama-3-8b-bnb-4bit", "unsloth/llama-3-8b", "repo_name.format_suffix"),
    ("Triangle104/Dria-Agent-a-7B-abliterated-Q5_K_S-GGUF", "huihui-ai/Dria-Agent-a-7B-abliterated",
     "repo_name.format_suffix"),
    ("mpasila/Hermes-2-Theta-Llama-3-8B-exl2-4.75bpw", "NousResearch/Hermes-2-Theta-Llama-3-8B",
     "repo_name.format_suffix"),
    ("tensorblock/bloom-1b7-fp32-GGUF", "lazarusnlp/bloom-1b7-fp32", "repo_name.format_suffix"),
    ("mradermacher/Thespis-Llama-3.1-8B-i1-GGUF", "Locutusque/Thespis-Llama-3.1-8B",
     "repo_name.format_suffix"),
])
def test_quantized_names_resolve_to_the_quantized_model(model_id: str, parent: str,
                                                        rule: str) -> None:
    assert found(model_id) == [(parent, "quantized", rule)]


def test_dtype_only_suffixes_count_only_across_namespaces() -> None:
    assert found("someone/bloom-1b7-fp16") == [
        ("bigscience/bloom-1b7", "unspecified", "repo_name.dtype_suffix")]
    assert found("me/Tia-70B-RP-fp16") == []  # the same author's sibling export


def test_training_suffixes_are_weak_and_adapter_suffixes_are_no_evidence() -> None:
    assert found("anyone/gemma-3-finetune") == [
        ("Creekside/gemma-3", "finetune", "repo_name.training_suffix")]
    [parent] = infer(ModelEvidence("anyone/gemma-3-finetune"), INDEX)
    assert parent.confidence <= 0.4
    assert found("me/model-lora") == []


def test_names_without_conventions_or_with_ambiguous_stems_give_nothing() -> None:
    assert found("someone/my-cool-model") == []
    assert found("someone/Mistral-7B-Instruct-GGUF") == []  # two namesakes, nothing to choose by
    assert found("meta-llama/Llama-2-7b-chat") == []  # the model itself


def test_suffix_stripping_order() -> None:
    assert list(stems("X-abliterated-Q5_K_S-GGUF")) == [
        ("X-abliterated", "quantized", False), ("X", "quantized", False)]
    assert [s for s, _, _ in stems("M-exl2-4.75bpw")] == ["M"]  # M-exl2 is a sibling quant
    assert list(stems("M-unsloth-bnb-4bit")) == [("M", "quantized", False)]
    assert list(stems("GGUF")) == []
