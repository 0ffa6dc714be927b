"""How candidates from several sources become one list of parents."""

from __future__ import annotations

from crawler.lineage.inference import ModelEvidence, RepoIndex, infer, relation_hint
from crawler.lineage.inference.combine import MAX_CONFIDENCE, UNRESOLVED_FACTOR, WEAK_CAP
from crawler.lineage.inference.sources import card_text

INDEX = RepoIndex(["meta-llama/Llama-2-7b-hf", "meta-llama/Llama-2-70b-hf",
                   "mistralai/Mistral-7B-v0.1", "lmsys/vicuna-7b-v1.5", "me/vicuna-7b-lora"])
TRAINER = ("This model is a fine-tuned version of [meta-llama/Llama-2-7b-hf](https://huggingface"
           ".co/meta-llama/Llama-2-7b-hf) on the alpaca dataset.")


def test_agreeing_sources_raise_confidence_and_are_listed_as_support() -> None:
    alone = infer(ModelEvidence("me/ft", card_body=TRAINER), INDEX)[0]
    both = infer(ModelEvidence("me/ft", card_body=TRAINER,
                               config={"_name_or_path": "meta-llama/Llama-2-7b-hf"}), INDEX)[0]
    assert alone.confidence == card_text.RULES[0].confidence
    assert alone.confidence < both.confidence <= MAX_CONFIDENCE
    assert both.source == "card_text.trainer" and "config.name_or_path" in both.supporting


def test_stated_parent_outranks_mentions_names_and_links() -> None:
    body = (TRAINER + "\n\nIt beats [Llama-2-70b](https://huggingface.co/meta-llama/Llama-2-70b-"
            "hf) and is based on [Mistral](https://huggingface.co/mistralai/Mistral-7B-v0.1)? No:"
            " compared to mistralai/Mistral-7B-v0.1 it is worse.")
    parents = infer(ModelEvidence("someone/vicuna-7b-v1.5-GGUF", card_body=body), INDEX)
    assert [p.parent for p in parents] == ["meta-llama/Llama-2-7b-hf"]


def test_the_model_itself_is_never_its_parent() -> None:
    body = ("This model is a fine-tuned version of [lmsys/vicuna-7b-v1.5](https://huggingface.co/"
            "lmsys/vicuna-7b-v1.5) on the None dataset.")
    assert infer(ModelEvidence("lmsys/vicuna-7b-v1.5", card_body=body), INDEX) == []


def test_unknown_repos_of_known_authors_named_by_strong_sentences_are_kept_flagged() -> None:
    body = ("This model is a fine-tuned version of [lmsys/secret-7b](https://huggingface.co/"
            "lmsys/secret-7b) on x.")
    [parent] = infer(ModelEvidence("me/ft", card_body=body), INDEX)
    assert (parent.parent, parent.resolved) == ("lmsys/secret-7b", False)
    assert parent.confidence == round(card_text.RULES[0].confidence * UNRESOLVED_FACTOR, 3)
    # an organisation nobody knows, or no namespace at all: a path, a placeholder, a word
    for name in ("deleted/secret-7b", "data/utils", "OpenCALM-XX"):
        body = f"This model is a fine-tuned version of {name} on x."
        assert infer(ModelEvidence("me/ft", card_body=body), INDEX) == [], name


def test_unknown_repos_from_weak_evidence_are_dropped() -> None:
    body = "See https://huggingface.co/unknown/model-x for details."
    assert infer(ModelEvidence("me/ft", card_body=body), INDEX) == []


def test_weak_only_parents_are_capped() -> None:
    body = "See https://huggingface.co/mistralai/Mistral-7B-v0.1 for details."
    evidence = ModelEvidence("me/ft", card_body=body, config={"auto_map": {
        "AutoModel": "mistralai/Mistral-7B-v0.1--modeling.M"}})
    [parent] = infer(evidence, INDEX)
    assert parent.confidence == WEAK_CAP  # two weak sources agree, still weak


def test_adapter_files_make_a_fine_tuned_card_an_adapter() -> None:
    evidence = ModelEvidence("me/vicuna-7b-lora", card_body=TRAINER,
                             siblings=["adapter_config.json", "adapter_model.safetensors"])
    assert infer(evidence, INDEX)[0].relation == "adapter"


def test_relation_hints_from_files_tags_and_card_data() -> None:
    assert relation_hint(ModelEvidence("a/b", siblings=["model.Q4_K_M.gguf"])) == "quantized"
    assert relation_hint(ModelEvidence("a/b", tags=["GGUF"])) == "quantized"
    assert relation_hint(ModelEvidence("a/b", gguf={"total": 7e9, "architecture": "llama"})) \
        == "quantized"
    assert relation_hint(ModelEvidence("a/b", card_data={"quantized_by": "TheBloke"})) \
        == "quantized"
    assert relation_hint(ModelEvidence("a/b", siblings=["mergekit_config.yml"])) == "merge"
    assert relation_hint(ModelEvidence("a/b", siblings=["config.json", "model.safetensors"])) \
        is None


def test_quantized_repo_original_model_line_gets_the_quantized_relation() -> None:
    body = "Original model: https://huggingface.co/mistralai/Mistral-7B-v0.1\n"
    [parent] = infer(ModelEvidence("q/Mistral-7B-v0.1-GGUF", card_body=body,
                                   siblings=["mistral-7b-v0.1.Q4_K_M.gguf"]), INDEX)
    assert (parent.parent, parent.relation, parent.source) == (
        "mistralai/Mistral-7B-v0.1", "quantized", "card_text.original_model")
    assert "repo_name.format_suffix" in parent.supporting


def test_no_evidence_no_parents() -> None:
    assert infer(ModelEvidence("me/blank"), INDEX) == []
    assert infer(ModelEvidence("me/blank", card_body="", tags=(), siblings=()), INDEX) == []
