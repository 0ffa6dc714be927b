"""Hostile input: megabyte cards built to make regexes backtrack, junk in configs and names.

Every card pattern is run over the full megabyte, past MAX_SCAN: linear patterns finish in well
under a second each; one with catastrophic backtracking would not finish at all, so the
deadline can be generous without the test depending on machine load.
"""

from __future__ import annotations

import time

import pytest

from crawler.lineage.inference import ModelEvidence, RepoIndex, infer
from crawler.lineage.inference.model import EVIDENCE_CHARS
from crawler.lineage.inference.sources import card_links, card_merge, card_text, mergekit

MB = 1_000_000
DEADLINE_SECONDS = 60.0
INDEX = RepoIndex(["a/b", "meta-llama/Llama-2-7b-hf"])

HOSTILE_CARDS = {
    "open brackets": "[" * MB,
    "unclosed link after a trigger": "This model is a fine-tuned version of [" + "a" * MB,
    "trigger repeated without a reference": "static quants of fine-tuned version of " * (MB // 39),
    "url of slashes": "https://huggingface.co/" + "a/" * (MB // 2),
    "merge paragraph of blanks": "a merge of x\n" + " \t" * (MB // 2),
    "unclosed fence": "```\nmerge_method: ties\n" + "- model: a/b\n" * (MB // 13),
    "bullets after the merge list": "models were included in the merge:\n" + "- - * " * (MB // 6),
    "words before version of": "This is a " + "very-long-word " * (MB // 15) + "version of a/b",
    "id-shaped run": "based on " + "a-b_c.d/" * (MB // 8),
    "separators": ": * `" * (MB // 5),
}
PATTERNS = ([rule.pattern for rule in card_text.RULES]
            + [card_merge._FENCED, card_merge._INCLUDED, card_merge._AS_BASE,
               card_merge._MERGE_OF, card_merge._REF, card_links._URL, mergekit._MODEL_LINE,
               mergekit._METHOD])


@pytest.mark.parametrize("name", list(HOSTILE_CARDS))
def test_card_patterns_are_linear_on_hostile_megabyte_cards(name: str) -> None:
    card = HOSTILE_CARDS[name]
    started = time.monotonic()
    for pattern in PATTERNS:
        for _ in pattern.finditer(card):
            pass
    parents = infer(ModelEvidence("x/y", card_body=card, mergekit_config=card), INDEX)
    assert time.monotonic() - started < DEADLINE_SECONDS
    assert all(len(p.evidence) <= EVIDENCE_CHARS for p in parents)


def test_megabyte_card_of_real_parents_and_links_stays_bounded() -> None:
    links = " ".join(f"https://huggingface.co/org{i}/model{i}" for i in range(MB // 40))
    sentences = ("This model is a fine-tuned version of [a/b](https://huggingface.co/a/b). "
                 * (MB // 70))
    parents = infer(ModelEvidence("x/y", card_body=links + sentences), INDEX)
    assert [p.parent for p in parents] in ([], ["a/b"])  # sentences past MAX_SCAN are not read


@pytest.mark.parametrize("evidence", [
    ModelEvidence("x/y", adapter_config={"base_model_name_or_path": ["a/b"]}),
    ModelEvidence("x/y", adapter_config={"base_model_name_or_path": "<script>a/b</script>"}),
    ModelEvidence("x/y", config={"_name_or_path": 42, "auto_map": ["not", "a", "dict"]}),
    ModelEvidence("x/y", config={"auto_map": {"AutoModel": {"nested": "a/b--m.C"}}}),
    ModelEvidence("x/y", gguf_header={"general.source.url": 7, "general.base_model.0.name": None}),
    ModelEvidence("x/y", gguf={"total": "lots"}, card_data={"base_model": "a/b"}),
    ModelEvidence("x/" + "a-" * 5000 + "GGUF"),
    ModelEvidence("<img src=x onerror=alert(1)>/../../etc/passwd"),
    ModelEvidence("x/y", mergekit_config="models:\n  - model: [unclosed\nmerge_method: {"),
    ModelEvidence("x/y", card_body="\x00\ufffd" * 1000 + "[a/b](javascript:alert(1))"),
])
def test_junk_evidence_yields_no_parent_and_no_crash(evidence: ModelEvidence) -> None:
    assert infer(evidence, INDEX) == []
