"""The phrasings of derivation (phrasing/contexts.toml) on the real sentences they were written
from, and the traps on theirs: every example of the data file is run."""

from __future__ import annotations

import re

import pytest

from crawler.lineage.inference.families.attribute import Attributor
from crawler.lineage.inference.families.catalogue import Catalogue
from crawler.lineage.inference.families.mentions import MentionFinder
from crawler.lineage.inference.model import ModelEvidence
from crawler.lineage.inference.phrasing.contexts import Phrasings, judge, load
from crawler.lineage.inference.sources.card_context import _REFERENCE
from crawler.roots import load_roots

PHRASINGS = load()
FINDER = MentionFinder(Catalogue(load_roots()))
_SEED_OR_NAME = re.compile(r"\b(?:Alpaca|Vicuna|Koala|Guanaco|GPT4All)\b")


def _names(text: str) -> list[tuple[int, int, bool, bool]]:
    """(start, end, is a seed, is a repo) of every family mention and repo reference."""
    found = [(m.start, m.end, m.seed, False) for m in FINDER.find(text)]
    found += [(m.start(), m.end(), False, True) for m in _REFERENCE.finditer(text)
              if not m.group("bare") or re.search(r"[\d\-]", m.group("bare"))]
    return found


@pytest.mark.parametrize("context", PHRASINGS.contexts, ids=lambda c: f"{c.side}-{c.rule}")
def test_every_context_reads_its_real_examples(context) -> None:
    alone = Phrasings((context,), ())
    for example in context.examples:
        model, text = example if isinstance(example, list) else ("someone/the-model", example)
        verdicts = [judge(text, start, end, model, seed, alone, repo)
                    for start, end, seed, repo in _names(text)]
        assert any(v is not None and v.rule == context.rule for v in verdicts), text


@pytest.mark.parametrize("trap", PHRASINGS.traps, ids=lambda t: t.name)
def test_every_trap_holds_on_its_real_examples(trap) -> None:
    for example in trap.examples:
        verdicts = [judge(example, start, end, "someone/the-model", seed, repo=repo)
                    for start, end, seed, repo in _names(example)]
        assert all(v is None for v in verdicts), (example, verdicts)


def test_a_context_of_another_repo_is_not_this_models() -> None:
    text = ("* [dolly-v2-12b](https://huggingface.co/databricks/dolly-v2-12b), a 12 billion "
            "parameter based on `EleutherAI/pythia-12b`")
    start = text.index("`EleutherAI")
    assert judge(text, start, len(text), "databricks/dolly-v2-3b") is None
    merged = ("[A](https://huggingface.co/a/a-7b) merged with "
              "[B](https://huggingface.co/b/b-7b)")
    start = merged.index("[B]")
    assert judge(merged, start, len(merged), "me/merge").relation == "merge"


def test_version_of_needs_the_model_itself_as_subject() -> None:
    own = "This is the 4K version of https://huggingface.co/w/zephyr-3b with more samples."
    other = "Zephyr-Beta is the DPO version of https://huggingface.co/w/zephyr-3b here."
    for text, verdict in ((own, True), (other, False)):
        start = text.index("https://")
        assert (judge(text, start, start + 31, "me/zephyr-3b-4k") is not None) == verdict


def test_line_breaks_and_links_read_as_a_reader_reads_them() -> None:
    text = ("created by [Databricks](https://databricks.com/) that is derived from \n"
            "[EleutherAI's](https://www.eleuther.ai/) [Pythia-2.8b](https://huggingface.co/"
            "EleutherAI/pythia-2.8b) and fine-tuned")
    start = text.index("[Pythia")
    assert judge(text, start, text.index(") and") + 1, "databricks/dolly").rule == \
        "finetuned_from"


def test_seeds_count_only_when_replicated() -> None:
    attributor = Attributor(Catalogue(load_roots()))
    replica = attributor.attribute(ModelEvidence(
        "chavinlo/alpaca-native", card_body="This is a replica of Alpaca by Stanford' tatsu."),
        [])
    assert [(a.release, a.root) for a in replica] == [("LLaMA 1", None)]  # no size stated
    for text in ("Fine-tuned on the Alpaca dataset.", "Outperforms Vicuna-13B and Koala.",
                 "GPT4All-J is trained on the GPT4All dataset."):
        assert _SEED_OR_NAME.search(text)
        assert attributor.attribute(ModelEvidence("x/y", card_body=text), []) == [], text


ISSUE_INDEX = ["bigscience/T0pp", "google-bert/bert-base-uncased", "FacebookAI/roberta-base",
               "openai-community/gpt2", "google/mt5-base", "google/mt5-small",
               "distilbert/distilbert-base-multilingual-cased", "huggyllama/llama-7b"]


@pytest.mark.parametrize(("model", "body", "parent"), [
    ("huggingtweets/x", "The model is based on a pre-trained [GPT-2](https://huggingface.co/gpt2) "
     "which is fine-tuned on @x's tweets.", "openai-community/gpt2"),
    ("AdapterHub/roberta-base-pf-imdb", "An [adapter](https://adapterhub.ml) for the "
     "`roberta-base` model that was trained on the imdb dataset.", "FacebookAI/roberta-base"),
    ("me/pruned", "This model was initialized by pruning the weights of bert-base-uncased.",
     "google-bert/bert-base-uncased"),
    ("me/mt5-ft", "This model is based on a fine-tuned google/mt5-base model.",
     "google/mt5-base"),
    ("Davlan/x", "Specifically, this model is a *distilbert-base-multilingual-cased* model that "
     "was fine-tuned on an aggregation of African language datasets",
     "distilbert/distilbert-base-multilingual-cased"),
    ("me/mt5-hu", "- Pretrained model used: mt5-small", "google/mt5-small"),
    ("me/imdb", "This model is a fine-tuned version of the [bert-base-uncased](https://"
     "huggingface.co/bert-base-uncased) on imdb.", "google-bert/bert-base-uncased"),
    # the known errors of the issue, as classes: reversed, illustrative, stopwords
    ("bigscience/T0", "A popular fine-tuned version of this model is [T0pp](https://"
     "huggingface.co/bigscience/T0pp).", None),
    ("bigscience/T0pp", "T0* models are based on [T5](https://huggingface.co/google/t5-v1_1-"
     "large), a Transformer-based encoder-decoder language model.", None),
    ("me/y", "This model is a fine-tuned version of the model on the imdb dataset.", None),
])
def test_the_issues_phrasings_of_a_parent(model, body, parent) -> None:
    from crawler.lineage.inference import ModelEvidence, RepoIndex, infer

    parents = [p.parent for p in infer(ModelEvidence(model, card_body=body),
                                       RepoIndex(ISSUE_INDEX)) if p.confidence >= 0.5]
    assert parents == ([parent] if parent else [])
