"""Parents named by files: adapter_config.json, config.json, GGUF headers."""

from __future__ import annotations

import struct

import pytest

from crawler.lineage.inference import ModelEvidence, RepoIndex, infer
from crawler.lineage.inference.gguf_header import GgufError, read_metadata

INDEX = RepoIndex(["meta-llama/Llama-2-7b-hf", "Qwen/Qwen2.5-7B-Instruct", "Qwen/Qwen2.5-7B",
                   "someone/Qwen2.5-7B-Instruct-abliterated", "THUDM/chatglm-6b",
                   "NousResearch/Llama-2-7b-hf"])


def test_adapter_config_names_the_base_model_of_an_adapter() -> None:
    evidence = ModelEvidence("me/lora", adapter_config={
        "base_model_name_or_path": "meta-llama/Llama-2-7b-hf", "peft_type": "LORA", "r": 16})
    [parent] = infer(evidence, INDEX)
    assert (parent.parent, parent.relation, parent.source) == (
        "meta-llama/Llama-2-7b-hf", "adapter", "adapter_config.base_model")
    assert parent.confidence >= 0.9
    assert parent.evidence == '"base_model_name_or_path": "meta-llama/Llama-2-7b-hf"'


def test_an_adapter_trained_from_a_local_folder_counts_only_weakly_and_only_if_known() -> None:
    local = ModelEvidence("me/lora", adapter_config={
        "base_model_name_or_path": "/content/drive/MyDrive/Qwen2.5-7B-Instruct"})
    [parent] = infer(local, INDEX)
    assert (parent.parent, parent.relation) == ("Qwen/Qwen2.5-7B-Instruct", "adapter")
    assert parent.confidence <= 0.3
    unknown = ModelEvidence("me/lora", adapter_config={"base_model_name_or_path": "/x/my-base"})
    assert infer(unknown, INDEX) == []


def test_config_name_or_path_other_than_the_model_itself() -> None:
    evidence = ModelEvidence("me/ft", config={"_name_or_path": "Qwen/Qwen2.5-7B-Instruct",
                                              "model_type": "qwen2"})
    [parent] = infer(evidence, INDEX)
    assert (parent.parent, parent.source, parent.relation) == (
        "Qwen/Qwen2.5-7B-Instruct", "config.name_or_path", "unspecified")
    itself = ModelEvidence("Qwen/Qwen2.5-7B-Instruct",
                           config={"_name_or_path": "Qwen/Qwen2.5-7B-Instruct"})
    assert infer(itself, INDEX) == []


def test_config_auto_map_into_another_repo_is_weak_evidence() -> None:
    evidence = ModelEvidence("me/glm-ft", config={"auto_map": {
        "AutoConfig": "THUDM/chatglm-6b--configuration_chatglm.ChatGLMConfig",
        "AutoModel": ["THUDM/chatglm-6b--modeling_chatglm.ChatGLMModel", None],
        "AutoTokenizer": "tokenization_chatglm.ChatGLMTokenizer"}})
    [parent] = infer(evidence, INDEX)
    assert (parent.parent, parent.source) == ("THUDM/chatglm-6b", "config.auto_map")
    assert parent.confidence <= 0.4


def test_quantization_config_makes_a_parent_quantized_but_native_fp8_does_not() -> None:
    gptq = ModelEvidence("me/q", config={"_name_or_path": "Qwen/Qwen2.5-7B-Instruct",
                                         "quantization_config": {"quant_method": "gptq"}})
    assert infer(gptq, INDEX)[0].relation == "quantized"
    fp8 = ModelEvidence("me/q", config={"_name_or_path": "Qwen/Qwen2.5-7B-Instruct",
                                        "quantization_config": {"quant_method": "fp8"}})
    assert infer(fp8, INDEX)[0].relation == "unspecified"


# --- GGUF ------------------------------------------------------------------------------------
def _string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw


def _value(value: object) -> bytes:
    if isinstance(value, str):
        return struct.pack("<I", 8) + _string(value)
    if isinstance(value, list):
        return struct.pack("<IIQ", 9, 8, len(value)) + b"".join(_string(v) for v in value)
    return struct.pack("<I", 4) + struct.pack("<I", value)


def gguf_bytes(pairs: dict[str, object], version: int = 3) -> bytes:
    """A GGUF header as llama.cpp lays it out, without tensors."""
    body = b"".join(_string(key) + _value(value) for key, value in pairs.items())
    return b"GGUF" + struct.pack("<IQQ", version, 0, len(pairs)) + body


QUANT_OF_FINETUNE = {
    "general.architecture": "qwen2",
    "general.name": "Qwen2.5 7B Instruct Abliterated",
    "general.organization": "Someone",
    "general.base_model.count": 1,
    "general.base_model.0.name": "Qwen2.5 7B Instruct",
    "general.base_model.0.organization": "Qwen",
    "general.base_model.0.repo_url": "https://huggingface.co/Qwen/Qwen2.5-7B-Instruct",
    "tokenizer.ggml.tokens": [f"t{i}" for i in range(1000)],
    "general.file_type": 15,
}


def test_header_reader_keeps_general_keys_and_skips_long_arrays() -> None:
    metadata = read_metadata(gguf_bytes(QUANT_OF_FINETUNE))
    assert metadata.complete
    assert metadata.values["general.base_model.0.repo_url"].endswith("Qwen/Qwen2.5-7B-Instruct")
    assert metadata.values["general.base_model.count"] == 1
    assert "tokenizer.ggml.tokens" not in metadata.values
    assert metadata.values["general.file_type"] == 15


def test_header_reader_stops_cleanly_where_the_fetched_bytes_end() -> None:
    data = gguf_bytes(QUANT_OF_FINETUNE)
    cut = data.index(b"tokenizer.ggml.tokens") + 100  # inside the token array
    metadata = read_metadata(data[:cut])
    assert not metadata.complete
    assert metadata.values["general.name"] == "Qwen2.5 7B Instruct Abliterated"
    assert "general.file_type" not in metadata.values


@pytest.mark.parametrize("data", [b"", b"GGML\x03\x00\x00\x00", b"not a gguf file at all"])
def test_header_reader_refuses_what_is_not_gguf(data: bytes) -> None:
    with pytest.raises(GgufError):
        read_metadata(data)


def test_header_reader_survives_lengths_that_lie() -> None:
    huge_string = b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 2**62) + b"key"
    assert read_metadata(huge_string).values == {}
    huge_array = (b"GGUF" + struct.pack("<IQQ", 3, 0, 2) + _string("a") + struct.pack(
        "<IIQ", 9, 4, 2**60) + _string("b"))
    assert not read_metadata(huge_array).complete
    unknown_type = b"GGUF" + struct.pack("<IQQ", 3, 0, 2) + _string("a") + struct.pack("<I", 99)
    assert read_metadata(unknown_type + b"\x00" * 64).values == {}


def test_version_1_headers_use_32_bit_counts() -> None:
    raw = b"general.name"
    data = (b"GGUF" + struct.pack("<III", 1, 0, 1) + struct.pack("<I", len(raw)) + raw
            + struct.pack("<II", 8, 5) + b"Llama")
    assert read_metadata(data).values == {"general.name": "Llama"}


def test_gguf_source_key_names_the_converted_model() -> None:
    header = {"general.source.huggingface.repository": "meta-llama/Llama-2-7b-hf"}
    [parent] = infer(ModelEvidence("me/llama-2-7b-gguf", gguf_header=header), INDEX)
    assert (parent.parent, parent.relation, parent.source) == (
        "meta-llama/Llama-2-7b-hf", "quantized", "gguf.source")


def test_gguf_name_outranks_base_model_which_is_the_grandparent_of_a_third_party_quant() -> None:
    values = read_metadata(gguf_bytes(QUANT_OF_FINETUNE)).values
    header = {**values, "general.organization": "someone"}
    parents = infer(ModelEvidence("quantizer/whatever-gguf", gguf_header=header), INDEX)
    assert [(p.parent, p.relation, p.source) for p in parents] == [
        ("someone/Qwen2.5-7B-Instruct-abliterated", "quantized", "gguf.name")]


def test_gguf_base_model_stands_when_nothing_else_names_the_parent() -> None:
    header = {key: value for key, value in QUANT_OF_FINETUNE.items()
              if key.startswith("general.base_model")}
    [parent] = infer(ModelEvidence("me/my-finetune-gguf", gguf_header=header,
                                   siblings=["model-Q4_K_M.gguf"]), INDEX)
    assert (parent.parent, parent.source, parent.relation) == (
        "Qwen/Qwen2.5-7B-Instruct", "gguf.base_model", "quantized")
    assert parent.confidence == 0.5
