"""The real Hub samples in ../shared as evaluation input, documented lineage hidden.

- Family trees (`family-trees/*.json`: Llama 2, Llama 4 Scout, DeepSeek-V3 and their fine-tunes,
  2025): the documented parents are the `base_model:` tags, the card's YAML `base_model` and,
  for records captured without metadata, the tree the capture found them in. Inference sees the
  card body without its YAML header, the id, the tags without `base_model:` ones, the file list,
  the API's config (which has no `_name_or_path`) and the creation date; not `cardData`.
- Lineage edges (`lineage-edges-2025-06.csv`): 30,383 documented edges without cards; inference
  sees the child's id only, which measures the naming conventions alone.
- Cards of 2022 (`cards-2022-sample.jsonl.gz`): real cards with no documented lineage at all.

`sample_index` holds every id of the three samples, with downloads and creation dates where
known: the crawler resolves names against every id it has listed, look-alikes included.
"""

from __future__ import annotations

import csv
import json
import re
import zlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from crawler.lineage.inference.evaluate import EvalRecord
from crawler.lineage.inference.index import RepoIndex
from crawler.lineage.inference.model import ModelEvidence
from crawler.lineage.inference.refs import clean_reference
from hf_lineage.sample_data import SAMPLES_DIR, family_tree_paths, open_text, sample_path

HUB_URL = "https://huggingface.co/"
EDGES_FILE = "lineage-edges-2025-06.csv"
# The card's leading YAML block, as huggingface_hub's ModelCard finds it.
_YAML_HEADER = re.compile(r"\A\s*---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_SIBLING = re.compile(r"rfilename='([^']*)'")
_BASE_MODEL_TAG = "base_model:"


@dataclass(frozen=True, slots=True)
class Sample:
    """One real record: what inference may see, what it may not, and index facts."""

    evidence: ModelEvidence
    documented: frozenset[str]  # parent ids as documented, not yet canonicalised
    downloads: int | None


def split_card(text: str | None) -> tuple[dict[str, Any] | None, str | None]:
    """(YAML header as a mapping or None, body without the header)."""
    if not isinstance(text, str) or not text.strip() or text.strip() == "N/A":
        return None, None
    match = _YAML_HEADER.match(text)
    if match is None:
        return None, text
    try:
        header = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        header = None
    return (header if isinstance(header, dict) else None), text[match.end():]


def _date(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip() or value == "N/A":
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)


def _metadata(raw: object) -> dict[str, Any]:
    if not isinstance(raw, str) or not raw.strip().startswith("{"):
        return {}
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _as_list(value: object) -> list[str]:
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [v for v in values if isinstance(v, str)]


def _documented(tags: list[str], headers: list[dict[str, Any] | None]) -> set[str]:
    parents = {tag.split(":")[-1] for tag in tags if tag.startswith(_BASE_MODEL_TAG)}
    for header in headers:
        parents.update(_as_list((header or {}).get("base_model")))
    return parents


def _tree_parents(models: list[dict[str, Any]]) -> dict[str, str]:
    parents: dict[str, str] = {}
    for model in models:
        for child in model.get("children") or []:
            parents.setdefault(child.removeprefix(HUB_URL), model["model_id"].removeprefix(HUB_URL))
    return parents


def family_tree_samples(directory: Path | None = None) -> list[Sample]:
    """Each model of the family trees once, documented lineage hidden from its evidence."""
    samples: dict[str, Sample] = {}
    paths = family_tree_paths(directory)
    if not paths:
        raise FileNotFoundError(f"no family-tree samples under {directory or SAMPLES_DIR} "
                                "(set HF_LINEAGE_SAMPLES to the hub-samples folder)")
    for path in paths:
        with open_text(path) as handle:
            models = json.load(handle)["models"]
        tree = _tree_parents(models)
        for model in models:
            model_id = model["model_id"].removeprefix(HUB_URL)
            if model_id in samples:
                continue
            meta = _metadata(model.get("metadata"))
            header, body = split_card(model.get("card"))
            meta_header = yaml.safe_load(meta["cardData"]) if isinstance(
                meta.get("cardData"), str) else None
            tags = [t for t in meta.get("tags") or [] if isinstance(t, str)]
            documented = _documented(tags, [header, meta_header if isinstance(
                meta_header, dict) else None])
            if not documented and model_id in tree:
                documented = {tree[model_id]}
            evidence = ModelEvidence(
                model_id=model_id,
                card_body=body,
                tags=tuple(t for t in tags if not t.startswith(_BASE_MODEL_TAG)),
                siblings=tuple(m.group(1) for s in meta.get("siblings") or []
                               if (m := _SIBLING.search(str(s)))),
                config=meta.get("config") if isinstance(meta.get("config"), dict) else None,
                created_at=_date(meta.get("created_at")),
            )
            samples[model_id] = Sample(evidence, frozenset(documented), meta.get("downloads"))
    return list(samples.values())


def lineage_edges(path: Path | None = None) -> dict[str, set[str]]:
    """child -> documented parents, from the 30,383 real edges."""
    parents: dict[str, set[str]] = defaultdict(set)
    with open_text(path or sample_path(EDGES_FILE)) as handle:
        for row in csv.DictReader(handle):
            parents[row["target"]].add(row["source"])
    return parents


def edge_samples(path: Path | None = None) -> list[Sample]:
    """Each child of the edge list with nothing but its id as evidence."""
    return [Sample(ModelEvidence(child), frozenset(parents), None)
            for child, parents in sorted(lineage_edges(path).items())]


def split_dev_holdout(samples: list[Sample]) -> tuple[list[Sample], list[Sample]]:
    """A stable half/half split by id: rules were tuned looking at `dev` only."""
    dev = [s for s in samples if zlib.crc32(s.evidence.model_id.encode()) % 2 == 0]
    holdout = [s for s in samples if zlib.crc32(s.evidence.model_id.encode()) % 2 == 1]
    return dev, holdout


def cards_2022(path: Path | None = None) -> Iterator[Sample]:
    """The 2022 listing records with their cards; no documented lineage exists for them."""
    with open_text(path or sample_path("cards-2022-sample.jsonl.gz")) as handle:
        for line in handle:
            row = json.loads(line)
            info = row["info"]
            header, body = split_card(row.get("readme"))
            yield Sample(ModelEvidence(
                model_id=info["modelId"],
                card_body=body,
                card_data=header,
                tags=tuple(info.get("tags") or ()),
                siblings=tuple(s["rfilename"] for s in info.get("siblings") or []),
                config=info.get("config") if isinstance(info.get("config"), dict) else None,
            ), frozenset(), info.get("downloads"))


def cards_2023(path: Path | None = None) -> list[Sample]:
    """The 2023-era cards (original cards of the repos TheBloke quantised, cards of top-liked
    models, family-tree crawls): the YAML `base_model` and `base_model:` tags, where the capture
    kept them, are the documented parents, hidden from the evidence (the rules never read the
    header's `base_model`)."""
    samples = []
    with open_text(path or sample_path("cards-2023-sample.jsonl.gz")) as handle:
        for line in handle:
            row = json.loads(line)
            header, body = split_card(row.get("card"))
            tags = [t for t in row.get("tags") or [] if isinstance(t, str)]
            created = row.get("createdAt")
            samples.append(Sample(ModelEvidence(
                model_id=row["id"],
                card_body=body,
                card_data=header,
                tags=tuple(t for t in tags if not t.startswith(_BASE_MODEL_TAG)),
                created_at=_date(created) if isinstance(created, str) else None,
            ), frozenset(_documented(tags, [header])), row.get("downloads")))
    return samples


def sample_index(*groups: list[Sample]) -> RepoIndex:
    """Every id the samples know (children and documented parents), downloads, creation dates."""
    ids: list[str] = []
    downloads: dict[str, float] = {}
    created: dict[str, datetime] = {}
    for samples in groups:
        for sample in samples:
            ids.append(sample.evidence.model_id)
            ids.extend(p for p in sample.documented if "/" in p)
            if sample.downloads is not None:
                downloads[sample.evidence.model_id] = sample.downloads
            if sample.evidence.created_at is not None:
                created[sample.evidence.model_id] = sample.evidence.created_at
    return RepoIndex(ids, downloads, created)


def canonical(parent: str, index: RepoIndex) -> str:
    """A documented parent as the index knows it, lower case (URLs and case differences aside)."""
    ref = clean_reference(parent)
    if ref is None:
        return parent.lower()
    return index.resolve(ref).parent.lower()


def eval_records(samples: list[Sample], index: RepoIndex) -> list[EvalRecord]:
    return [EvalRecord(s.evidence, frozenset(canonical(p, index) for p in s.documented))
            for s in samples]


@dataclass(frozen=True, slots=True)
class RealSamples:
    """All three samples and the index of every id they know."""

    trees: list[Sample]
    edges: list[Sample]
    cards_2022: list[Sample]
    index: RepoIndex


def load_samples() -> RealSamples:
    trees, edges, old_cards = family_tree_samples(), edge_samples(), list(cards_2022())
    return RealSamples(trees, edges, old_cards, sample_index(trees, edges, old_cards))
