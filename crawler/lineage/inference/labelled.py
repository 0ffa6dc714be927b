"""The inference rules scored against hand labels, on the real samples or on a crawl database.

`score_samples` runs the rules over the labelled cards of tests/data/hub-samples (the set of
tests/data/labels) exactly as a crawl would give them: the card, the id, the tags and file
names, the creation date where the capture has it, documented lineage hidden (`base_model:`
tags; the rules never read the YAML's `base_model`). Names resolve against an index of every id
the samples know, plus the parents the labels name and the Hub's legacy models in the
organisations it moved them to (a crawl of the Hub knows all of these; the samples alone do
not), and the roots file's former ids.

`score_database` does the same for the labelled models a crawl database holds, with the
database's own ids as the index: a researcher's labels of their own crawl.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from crawler.lineage.inference import infer
from crawler.lineage.inference.families.attribute import Attributor
from crawler.lineage.inference.families.catalogue import Catalogue
from crawler.lineage.inference.index import RepoIndex
from crawler.lineage.inference.labels import (
    DEFAULT_THRESHOLD,
    Label,
    LabelScore,
    Scorer,
    load_labels,
)
from crawler.lineage.inference.model import ModelEvidence
from crawler.lineage.inference.samples import (
    Sample,
    cards_2022,
    cards_2023,
    edge_samples,
    family_tree_samples,
    sample_index,
)
from crawler.roots import Roots, load_roots
from hf_lineage.errors import ConfigError

VENDORED_LABELS = Path(__file__).resolve().parents[3] / "tests" / "data" / "labels" / \
    "labels.jsonl"
# The Hub's legacy models (namespace-less until 2024) where the Hub moved them: every listing
# of today's Hub holds them, the 2022 sample and the edge list do not.
LEGACY_MOVED = (
    "openai-community/gpt2", "openai-community/gpt2-medium", "openai-community/gpt2-large",
    "openai-community/gpt2-xl", "openai-community/openai-gpt", "distilbert/distilgpt2",
    "google-bert/bert-base-uncased", "google-bert/bert-base-cased",
    "google-bert/bert-large-uncased", "google-bert/bert-large-cased",
    "google-bert/bert-base-multilingual-cased", "google-bert/bert-base-multilingual-uncased",
    "google-bert/bert-base-chinese", "FacebookAI/roberta-base", "FacebookAI/roberta-large",
    "FacebookAI/roberta-large-mnli", "FacebookAI/xlm-roberta-base", "FacebookAI/xlm-roberta-large",
    "distilbert/distilroberta-base", "distilbert/distilbert-base-uncased",
    "distilbert/distilbert-base-cased", "distilbert/distilbert-base-multilingual-cased",
    "albert/albert-base-v1", "albert/albert-base-v2", "albert/albert-large-v2",
    "albert/albert-xlarge-v2", "albert/albert-xxlarge-v2", "google-t5/t5-small",
    "google-t5/t5-base", "google-t5/t5-large", "google-t5/t5-3b", "google-t5/t5-11b",
    "xlnet/xlnet-base-cased", "xlnet/xlnet-large-cased", "almanach/camembert-base",
)
SAMPLES = {"family-trees": family_tree_samples, "cards-2022": lambda: list(cards_2022()),
           "cards-2023": cards_2023}


def _labelled(labels: list[Label], samples: dict[str, list[Sample]]
              ) -> Iterator[tuple[Label, ModelEvidence]]:
    by_key = {(name, s.evidence.model_id): s for name, group in samples.items() for s in group}
    for label in labels:
        sample = by_key.get((label.sample or "", label.model_id))
        if sample is None:
            raise ConfigError(f"labelled model {label.model_id} is not in the sample "
                              f"{label.sample!r} of tests/data/hub-samples")
        yield label, sample.evidence


def samples_index(labels: list[Label], samples: dict[str, list[Sample]],
                  catalogue: Catalogue) -> RepoIndex:
    """Every id the samples know, the labels' parents, the moved legacy ids, former ids."""
    known = sample_index(*samples.values(), edge_samples())
    named = [p.repo for label in labels for p in label.parents if p.repo and "/" in p.repo]
    return RepoIndex([*known.ids(), *named, *LEGACY_MOVED], known.download_counts(),
                     known.creation_dates(), catalogue.aliases())


def score(records: Iterator[tuple[Label, ModelEvidence]], index: RepoIndex,
          catalogue: Catalogue, threshold: float) -> LabelScore:
    """Infer each labelled model's parents and attributions, and score them."""
    attributor = Attributor(catalogue)

    def inferred():
        for label, evidence in records:
            parents = infer(evidence, index)
            yield label, parents, attributor.attribute(evidence, parents)

    return Scorer(index, catalogue).score(inferred(), threshold)


def score_samples(labels_path: str | Path = VENDORED_LABELS, roots: Roots | None = None,
                  threshold: float = DEFAULT_THRESHOLD) -> LabelScore:
    """The rules against the labels of real sample cards (tests/data/labels)."""
    labels = load_labels(labels_path)
    catalogue = Catalogue(roots or load_roots())
    samples = {name: SAMPLES[name]() for name in sorted({label.sample for label in labels})
               if name in SAMPLES}
    unknown = {label.sample for label in labels} - SAMPLES.keys()
    if unknown:
        raise ConfigError(f"labels file {labels_path}: unknown samples {sorted(map(str, unknown))}"
                          f" (known: {', '.join(SAMPLES)}); label a database's models with "
                          "--db instead")
    index = samples_index(labels, samples, catalogue)
    return score(_labelled(labels, samples), index, catalogue, threshold)
