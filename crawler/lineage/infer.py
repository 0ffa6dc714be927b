"""Lineage inference over a crawl database: evidence from the tables, parents into
`inferred_edges`, and the evaluation that measures it against documented lineage.

Every live model without a documented parent (configured roots aside) is given to the rules
of crawler/lineage/inference with what the crawl knows of it: its name, tags, file names, the
config and GGUF summaries of the listing, its card, and the evidence files read for it. Reading
those files costs requests (one per file, in the resolvers bucket, inside the budget), so it is
a choice: only files the listing shows exist are asked for, only for undocumented models, and
only again when the repo's sha changed. Parents are canonical ids: names go through the crawl's
`aliases` after the rules resolved them against the stored ids.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from huggingface_hub.errors import EntryNotFoundError, RepositoryNotFoundError

from crawler.cards import fetch_card
from crawler.clock import utcnow
from crawler.http import HubClient
from crawler.lineage.inference import InferredParent, ModelEvidence, RepoIndex, infer
from crawler.lineage.inference.evaluate import EvalRecord, Evaluation, evaluate
from crawler.lineage.inference.families.attribute import Attributor, ReleaseAttribution
from crawler.lineage.inference.families.catalogue import Catalogue
from crawler.lineage.inference.gguf_header import GgufError, read_metadata
from crawler.lineage.inference.labelled import score
from crawler.lineage.inference.labels import LabelScore, load_labels
from crawler.roots import Roots
from crawler.store import Database, Tally
from crawler.text import valid_json_text
from hf_lineage.errors import HubError

FILE_CAP = 256 << 10  # an adapter or mergekit config, a config.json
GGUF_HEADER_BYTES = 512 << 10  # general.* keys come first; the tokenizer arrays are skipped
FILE_BATCH = 200
WORKERS = 16
TAGS_HIDDEN_FOR_EVALUATION = "base_model:"


@dataclass
class InferenceSummary:
    models: int = 0  # undocumented models the rules were given
    with_parents: int = 0  # of which some parent was inferred
    edges: int = 0
    releases: int = 0  # models attributed to a release or family (inferred_releases)
    files_fetched: int = 0


def fetch_evidence_files(db: Database, client: HubClient, run_id: int,
                         spent: Callable[[], Tally], exclude: list[str],
                         workers: int = WORKERS) -> int:
    """Read the evidence files of undocumented models (see InferenceStore.files_to_fetch);
    stored in batches, so a killed crawl keeps what it read. Returns the files asked for."""
    todo = db.inference.files_to_fetch(exclude)
    db.release(force=False)
    for start in range(0, len(todo), FILE_BATCH):
        rows = client.map(lambda item: fetch_file(client, *item), todo[start:start + FILE_BATCH],
                          workers)
        db.inference.store_files(rows, run_id, spent())
        db.release()
    return len(todo)


def fetch_file(client: HubClient, model_id: str, sha: str, filename: str) -> dict[str, Any]:
    """One evidence file as a `model_files` row: its text (a GGUF header as JSON), or why not."""
    row = {"model_id": model_id, "filename": filename, "sha": sha, "content": None,
           "fetched_at": utcnow(), "fetch_error": None}
    gguf = filename.lower().endswith(".gguf")
    try:
        data = client.fetch_file(model_id, filename, sha,
                                 GGUF_HEADER_BYTES if gguf else FILE_CAP, head_only=gguf)
    except (EntryNotFoundError, RepositoryNotFoundError):  # gated repos included
        row["fetch_error"] = "unavailable"
        return row
    except HubError as exc:
        row.update(fetch_error=f"failed: {exc}"[:500], sha=None)  # asked again next time
        return row
    if not gguf:
        row["content"] = data.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
        return row
    try:
        values = read_metadata(data).values
    except GgufError as exc:
        row["fetch_error"] = f"not a GGUF header: {exc}"[:500]
        return row
    row["content"] = valid_json_text(json.dumps(values, default=str))
    return row


def build_index(db: Database, catalogue: Catalogue) -> RepoIndex:
    """Every stored id, with downloads and creation dates to break ties between namesakes, and
    the roots file's former ids standing for their release's roots."""
    rows = db.inference.index_rows()
    return RepoIndex((r[0] for r in rows), downloads={r[0]: r[1] or 0 for r in rows},
                     created_at={r[0]: r[2] for r in rows if r[2] is not None},
                     aliases=catalogue.aliases())


def _json(value: Any) -> Any:
    if value is None:
        return None
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return None
    return parsed


def evidence_of(row: dict[str, Any], hide_documented: bool = False) -> ModelEvidence:
    """What inference may read of one model, from an InferenceStore.evidence row.

    `hide_documented` drops the Hub's base_model tags too (the card's YAML is never read for
    lineage by the rules), so documented models can be used to measure inference."""
    files = dict(row["files"] or {})
    tags = [t for t in row["tags"] or []
            if not (hide_documented and t.startswith(TAGS_HIDDEN_FOR_EVALUATION))]
    config_json = _json(files.get("config.json"))
    adapter = _json(files.get("adapter_config.json"))
    header = next((_json(v) for k, v in files.items() if k.lower().endswith(".gguf")), None)
    card_data = _json(row["card_data"])
    return ModelEvidence(
        model_id=row["id"],
        card_body=row["body"],
        card_data=card_data if isinstance(card_data, dict) else None,
        tags=tags,
        siblings=list(row["siblings"] or []),
        config=config_json if isinstance(config_json, dict) else _json(row["config"]),
        gguf=_json(row["gguf"]),
        gguf_header=header if isinstance(header, dict) else None,
        adapter_config=adapter if isinstance(adapter, dict) else None,
        mergekit_config=files.get("mergekit_config.yml") or files.get("mergekit_config.yaml"),
        created_at=row["created_at"],
    )


def _row(child: str, parent: InferredParent, aliases: dict[str, str], when: Any) -> tuple:
    canonical = aliases.get(parent.parent.lower(), parent.parent)
    declared = parent.parent_as_written if parent.parent_as_written != canonical else None
    source = parent.source.split(".", 1)[0]  # `source` is the rule, "<source>.<rule>"
    return (child, canonical, parent.relation, source, parent.source, parent.evidence,
            parent.confidence, parent.resolved or canonical != parent.parent, declared,
            list(parent.supporting), when)


def _release_row(child: str, found: ReleaseAttribution, when: Any) -> tuple:
    return (child, found.family, found.release, found.root, found.size, found.relation,
            found.rule, found.evidence, found.confidence, when)


def infer_parents(db: Database, roots: Roots) -> InferenceSummary:
    """Infer the parents (and release attributions) of every undocumented live model but the
    configured roots and store them, replacing what an earlier inference stored for them (one
    transaction per batch)."""
    catalogue = Catalogue(roots)
    index, aliases, summary = build_index(db, catalogue), db.inference.aliases(), \
        InferenceSummary()
    attributor = Attributor(catalogue)
    with db.transaction() as tx:
        db.inference.forget_documented(tx)
    for batch in list(db.inference.evidence(list(roots.root_models()))):
        now, rows, releases = utcnow(), [], []
        for record in batch:
            evidence = evidence_of(record)
            parents = [p for p in infer(evidence, index)
                       if aliases.get(p.parent.lower(), p.parent) != record["id"]]
            attributed = attributor.attribute(evidence, parents)
            summary.models += 1
            summary.with_parents += bool(parents or attributed)
            rows += [_row(record["id"], p, aliases, now) for p in parents]
            releases += [_release_row(record["id"], a, now) for a in attributed]
        summary.edges += len(rows)
        summary.releases += len(releases)
        with db.transaction() as tx:
            db.inference.replace_inferred(tx, [r["id"] for r in batch], rows, releases)
        db.release(force=False)
    return summary


FAMILY_MIN_CONFIDENCE = 0.5  # an inferred parent that brings a model into a family
MAX_ROUNDS = 10  # candidates of candidates (a GGUF of an undocumented fine-tune …)


def infer_family_members(db: Database, client: HubClient, run_id: int,
                         spent: Callable[[], Tally], roots: Roots, evidence_files: bool,
                         workers: int = WORKERS) -> int:
    """A family crawl's undocumented members, found in its whole-Hub stage.

    The staged models that name no parent are given to the rules with what the listing shows
    (name, tags, file names, config and GGUF summaries, card metadata); a confidently inferred
    parent inside the family makes a candidate a member. A candidate with weaker signs (only
    weak evidence of a family parent, or a family's word, such as 'llama', in its name, model
    type or GGUF architecture) gets its card read, which usually settles it (the Trainer's
    sentence, a quant card's "Original model"). With
    `evidence_files`, the adapter and mergekit configs of every undocumented staged model are
    read first (a LoRA's name rarely shows its base). Repeated while new members appear, since
    they can be parents in turn. Returns the members found; their edges wait in
    `staged_inferred` until the family is applied."""
    if evidence_files:
        _fetch_staged_files(db, client, run_id, spent, workers)
    organisations, seeds = sorted(roots.organisations), list(roots.root_models())
    words = family_words(roots)
    catalogue = Catalogue(roots)
    attributor = Attributor(catalogue)
    found, carded, when = 0, set(), utcnow()
    for _ in range(MAX_ROUNDS):
        members = db.family.members(organisations, seeds)
        ids = [m[0] for m in members]
        index = RepoIndex(ids, downloads={m[0]: m[1] or 0 for m in members},
                          created_at={m[0]: m[2] for m in members if m[2] is not None},
                          aliases=catalogue.aliases())
        family = {i.lower() for i in ids}
        rows, releases, weak = [], [], []
        for batch in list(db.family.undocumented_outside(ids)):
            for record in batch:
                evidence = evidence_of(record)
                inferred = infer(evidence, index)
                parents = [p for p in inferred if p.resolved and p.parent.lower() in family]
                confident = [p for p in parents if p.confidence >= FAMILY_MIN_CONFIDENCE]
                attributed = [a for a in attributor.attribute(evidence, inferred)
                              if a.confidence >= FAMILY_MIN_CONFIDENCE]
                rows += [_row(record["id"], p, {}, when) for p in confident]
                releases += [_release_row(record["id"], a, when) for a in attributed]
                hinted = parents or _mentions(record, words)
                if hinted and not (confident or attributed) and not record["card_read"] \
                        and record["id"] not in carded:
                    weak.append((record["id"], record["sha"]))
        if weak:
            _read_cards(db, client, run_id, spent, weak, workers)
            carded.update(model_id for model_id, _ in weak)
        if rows or releases:
            db.family.add_staged_inferred(rows, releases)
            found += len({row[0] for row in rows + releases})
        elif not weak:
            break
    return found


def family_words(roots: Roots) -> set[str]:
    """The words that name a family (its key and label, e.g. 'llama', 'deepseek')."""
    return {word for key, label in roots.families.items()
            for word in re.split(r"[^a-z0-9]+", f"{key} {label}".lower()) if len(word) >= 4}


def _mentions(record: dict[str, Any], words: set[str]) -> bool:
    """The listing names a family: in the repo name, the model type or GGUF architecture."""
    config, gguf = _json(record["config"]), _json(record["gguf"])
    config, gguf = (config if isinstance(config, dict) else {}), \
        (gguf if isinstance(gguf, dict) else {})
    text = " ".join(str(v) for v in (record["id"], config.get("model_type"),
                                     gguf.get("architecture")) if v).lower()
    return any(word in text for word in words)


def _read_cards(db: Database, client: HubClient, run_id: int, spent: Callable[[], Tally],
                todo: list[tuple[str, str]], workers: int) -> None:
    for start in range(0, len(todo), FILE_BATCH):
        rows = client.map(lambda item: fetch_card(client, *item), todo[start:start + FILE_BATCH],
                          workers)
        db.cards.store(rows, run_id, spent())
        db.release()


def _fetch_staged_files(db: Database, client: HubClient, run_id: int,
                        spent: Callable[[], Tally], workers: int) -> None:
    todo = db.family.staged_files_to_fetch(
        ["adapter_config.json", "mergekit_config.yml", "mergekit_config.yaml"])
    for start in range(0, len(todo), FILE_BATCH):
        rows = client.map(lambda item: fetch_file(client, *item), todo[start:start + FILE_BATCH],
                          workers)
        db.inference.store_files(rows, run_id, spent())
        db.release()


def evaluate_database(db: Database, roots: Roots) -> Evaluation:
    """Leave-documented-out: infer the parents of models that document them, from evidence
    with the documented lineage hidden, and score against the documented parents."""
    exclude = list(roots.root_models())
    index, documented = build_index(db, Catalogue(roots)), db.inference.documented_parents()
    records: Iterable[EvalRecord] = (
        EvalRecord(evidence_of(row, hide_documented=True), frozenset(documented[row["id"]]))
        for batch in db.inference.evidence(exclude, documented=True) for row in batch)
    return evaluate(records, index)


def evaluate_labels(db: Database, roots: Roots, labels_path: str | Path,
                    threshold: float) -> LabelScore:
    """The rules against a labels file (crawler/lineage/inference/labels.py), on the labelled
    models the database holds: their evidence with documented lineage hidden, the database's
    ids as the index."""
    labels = {label.model_id: label for label in load_labels(labels_path)}
    catalogue = Catalogue(roots)
    records = ((labels[row["id"]], evidence_of(row, hide_documented=True))
               for batch in db.inference.evidence_of(sorted(labels)) for row in batch)
    return score(records, build_index(db, catalogue), catalogue, threshold)
