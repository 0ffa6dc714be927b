"""Lineage inference run over what the double serves for a generated Hub, scored against the
generator's ground truth: `python -m hub_double.inference_check --models 20000`.

A check that the generated evidence is realistic, not a target: each undocumented model's
evidence is built from the answers a crawler would get (the listing's tags, siblings, config and
gguf summaries; the README; config.json, adapter_config.json, mergekit_config.yml and the first
256 KiB of the first .gguf file, as the double serves them), `crawler.lineage.inference` infers
its parents from an index of every repo id, and the result is scored per evidence source:
precision over what the source names, recall over the undocumented edges, over the revealable
ones (truth_edges.evidence not empty) and over the edges whose evidence that source carries.
The answers come from the double's own functions, in-process; tests/test_inference_check.py
holds them equal to the same requests made over HTTP with huggingface_hub.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crawler.cards import parse_card
from crawler.lineage.inference import ModelEvidence, RepoIndex
from crawler.lineage.inference.evaluate import EvalRecord, Evaluation, evaluate
from crawler.lineage.inference.gguf_header import read_metadata
from hub_double import api
from hub_double.files import RepoFiles
from hub_double.store import HubStore

GGUF_HEAD = 256 * 1024  # what docs/inference.md tells the crawler to read of a GGUF file
SOURCES = ("adapter_config", "mergekit_config", "card_text", "card_merge", "card_links", "gguf",
           "config", "repo_name")


@dataclass(frozen=True)
class Served:
    """What a crawler gets for one repo, raw: listing fields, README and the files read."""

    model_id: str
    tags: list[str]
    siblings: list[str]
    config: dict[str, Any] | None
    gguf: dict[str, Any] | None
    readme: bytes | None
    files: dict[str, bytes]  # config.json, adapter_config.json, mergekit_config.yml, a GGUF head
    created_at: datetime | None


def served(store: HubStore, model_ids: list[str]) -> Iterator[Served]:
    """The double's answers for each model, from its own api functions."""
    conn = store.cursor()
    for model_id in model_ids:
        row = api.find_model(conn, model_id, ", card")
        card = row.pop("card")
        repo = RepoFiles(row)
        siblings = repo.siblings()
        files = {name: repo.read(name) or b"" for name in wanted_files(siblings)}
        yield Served(model_id, list(row["tags"] or ()), siblings, repo.config_summary(),
                     repo.gguf_summary(),
                     api.readme_body(row, card) if row["has_readme"] else None,
                     {name: data[:GGUF_HEAD] if name.endswith(".gguf") else data
                      for name, data in files.items()}, row["created_at"])


def wanted_files(siblings: list[str]) -> list[str]:
    """The files the crawler fetches for inference, when the listing shows them."""
    names = [n for n in ("config.json", "adapter_config.json", "mergekit_config.yml")
             if n in siblings]
    ggufs = [n for n in siblings if n.endswith(".gguf")]
    return names + ggufs[:1]


def evidence_of(repo: Served) -> ModelEvidence:
    """The ModelEvidence a crawler would build from the answers."""
    card = parse_card(repo.readme.decode("utf-8", "replace")) if repo.readme else None
    files = repo.files
    gguf_head = next((data for name, data in files.items() if name.endswith(".gguf")), None)
    config = json.loads(files["config.json"]) if "config.json" in files else repo.config
    return ModelEvidence(
        model_id=repo.model_id,
        card_body=card.body if card else None,
        card_data=json.loads(card.metadata) if card and card.metadata else None,
        tags=repo.tags, siblings=repo.siblings, config=config, gguf=repo.gguf,
        gguf_header=read_metadata(gguf_head).values if gguf_head else None,
        adapter_config=json.loads(files["adapter_config.json"])
        if "adapter_config.json" in files else None,
        mergekit_config=files["mergekit_config.yml"].decode()
        if "mergekit_config.yml" in files else None,
        created_at=repo.created_at)


@dataclass
class Check:
    """The evaluation and the truth it was scored against."""

    evaluation: Evaluation
    edges: int = 0
    revealable: set[tuple[str, str]] = field(default_factory=set)  # edges with evidence
    planted: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # per source
    seconds: float = 0.0


def repo_index(store: HubStore) -> RepoIndex:
    ids, downloads, created = [], {}, {}
    for model_id, count, when in store.cursor().execute(
            "SELECT id, downloads, created_at FROM models").fetchall():
        ids.append(model_id)
        downloads[model_id], created[model_id] = count, when
    return RepoIndex(ids, downloads, created)


def run_check(store: HubStore, limit: int | None = None) -> Check:
    """Infer the parents of the undocumented models (the first `limit`) and score them."""
    started = time.perf_counter()
    rows = store.cursor().execute(
        "SELECT child, list(lower(parent)), list(evidence) FROM truth_edges "
        "WHERE NOT documented GROUP BY child ORDER BY child").fetchall()[:limit]
    check = Check(Evaluation(), planted={s: set() for s in SOURCES})
    truth = {}
    for child, parents, evidence in rows:
        truth[child] = frozenset(parents)
        check.edges += len(parents)
        for parent, kinds in zip(parents, evidence, strict=True):
            if kinds:
                check.revealable.add((child, parent))
            for kind in kinds:
                check.planted[kind].add((child, parent))
    records = (EvalRecord(evidence_of(repo), truth[repo.model_id])
               for repo in served(store, list(truth)))
    check.evaluation = evaluate(records, repo_index(store))
    check.seconds = time.perf_counter() - started
    return check


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def report(check: Check) -> str:
    """Markdown tables: overall and per source."""
    result = check.evaluation
    revealable = len(check.revealable)
    lines = [f"{result.models} undocumented models, {check.edges} undocumented edges, "
             f"{revealable} revealable ({_pct(revealable, check.edges)}); "
             f"{check.seconds:.0f} s.", "",
             "| scope | predicted | correct | precision | recall (all) | recall (revealable) |",
             "|---|---|---|---|---|---|"]
    for threshold, score in result.overall.items():
        found = len(score.found_edges)
        lines.append(f"| inferred, confidence >= {threshold} | {score.predicted} | "
                     f"{score.correct} | {_pct(score.correct, score.predicted)} | "
                     f"{_pct(found, check.edges)} | "
                     f"{_pct(len(score.found_edges & check.revealable), revealable)} |")
    lines += ["", "| source | predicted | correct | precision | edges it reveals | "
              "found of those | recall there | recall (all) |", "|---|---|---|---|---|---|---|---|"]
    for source in SOURCES:
        score, planted = result.by_source.get(source), check.planted[source]
        predicted, correct = (score.predicted, score.correct) if score else (0, 0)
        found = len(score.found_edges & planted) if score else 0
        everything = len(score.found_edges) if score else 0
        lines.append(f"| `{source}` | {predicted} | {correct} | {_pct(correct, predicted)} | "
                     f"{len(planted)} | {found} | {_pct(found, len(planted))} | "
                     f"{_pct(everything, check.edges)} |")
    return "\n".join(lines)


def main() -> None:
    from hub_double.generator import generated_store

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit", type=int, default=None, help="undocumented models to check")
    args = parser.parse_args()
    store = generated_store(args.models, args.seed)
    print(f"## Inference on a generated Hub ({args.models:,} models, seed {args.seed})\n")
    print(report(run_check(store, args.limit)))


if __name__ == "__main__":
    main()
