"""Real Hub records (the shared family-tree captures) as rows for the Hub double's store.

Generated models test scale; these test fidelity: tags, card YAML and dates exactly as the real Hub
produced them, quirks included, so the crawler is checked against data nobody designed for it.
The captures are vendored in tests/data/hub-samples (hf_lineage/sample_data.py finds them).

Each family-tree record holds `model_id`, `card` (the README text), `metadata` (huggingface_hub's
`ModelInfo` serialized to a JSON string, or "N/A"), `depth` and the `children` it was found
through. See `hub-samples/SOURCES.md`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from huggingface_hub.repocard import REGEX_YAML_BLOCK

from hf_lineage.sample_data import SAMPLES_DIR, family_tree_paths, open_text, tree_stem
from hub_double import identity
from hub_double.store import MODEL_COLUMNS, HubStore, fake_sha

HUB_URL = "https://huggingface.co/"

# Dates for records captured without metadata. The Hub never serves a model without createdAt and
# lastModified, so such records get the moment their file was captured (the `_YYYYMMDD_HHMMSS`
# suffix of its name): the model existed then. FALLBACK_DATE serves files named otherwise.
FALLBACK_DATE = datetime(2025, 4, 11)
_CAPTURED = re.compile(r"_(\d{8}_\d{6})$")

# What the double stores per model; `idx` is left to HubStore.add_models.
ROW_COLUMNS = [name for name in MODEL_COLUMNS if name != "idx"]


def _default_paths() -> list[Path]:
    paths = family_tree_paths()
    if not paths:
        raise FileNotFoundError(
            f"no family-tree samples under {SAMPLES_DIR} (set HF_LINEAGE_SAMPLES)"
        )
    return paths


def _repo_id(name: str) -> str:
    """A few records name the model by its URL instead of its repo id."""
    return name.removeprefix(HUB_URL)


def _parse_metadata(raw: object) -> dict[str, Any] | None:
    """The serialized ModelInfo; "N/A", empty or unparsable means the capture failed for it."""
    if not isinstance(raw, str) or not raw.strip().startswith("{"):
        return None
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _card_text(record: dict[str, Any]) -> str | None:
    """The README text; "N/A" or blank means none was captured."""
    card = record.get("card")
    if not isinstance(card, str) or not card.strip() or card.strip() == "N/A":
        return None
    return card


def _load_yaml(text: str | None) -> dict[str, Any] | None:
    """YAML as the Hub keeps card metadata: a mapping, or nothing when absent or broken."""
    if text is None:
        return None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


def _card_header(card: str | None) -> dict[str, Any] | None:
    """The card's leading YAML block, found the way huggingface_hub's ModelCard finds it."""
    match = REGEX_YAML_BLOCK.search(card) if card else None
    return _load_yaml(match.group(2)) if match else None


def _naive_utc(value: object) -> datetime | None:
    """'2023-12-07 19:38:26+00:00' (ModelInfo's str()) to the naive UTC the store keeps."""
    if not isinstance(value, str) or not value.strip() or value == "N/A":
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _captured_at(path: Path) -> datetime:
    match = _CAPTURED.search(tree_stem(path))
    return datetime.strptime(match.group(1), "%Y%m%d_%H%M%S") if match else FALLBACK_DATE


def _family(path: Path) -> str:
    """'Llama-2-7b_finetunes_….json' -> 'llama', 'DeepSeek-V3_finetunes_….json' -> 'deepseek'."""
    return tree_stem(path).split("-")[0].split("_")[0].lower()


def _read_file(path: Path) -> list[dict[str, Any]]:
    """One capture's records with parsed metadata and the facts the store needs beside them.

    Adds `id` (the repo id), `source` (the file name), `family`, `root` (the depth-0 record's id),
    `tree_parent` (the record whose `children` list holds it; the capture followed fine-tunes only)
    and `captured_at`.
    """
    with open_text(path) as handle:
        models = json.load(handle)["models"]
    root = next((_repo_id(m["model_id"]) for m in models if m.get("depth") == 0), None)
    tree_parent: dict[str, str] = {}
    for model in models:
        for child in model.get("children") or []:
            tree_parent.setdefault(_repo_id(child), _repo_id(model["model_id"]))
    records = []
    for model in models:
        model_id = _repo_id(model["model_id"])
        records.append(
            {
                **model,
                "metadata": _parse_metadata(model.get("metadata")),
                "id": model_id,
                "source": tree_stem(path) + ".json",
                "family": _family(path),
                "root": root,
                "tree_parent": tree_parent.get(model_id),
                "captured_at": _captured_at(path),
            }
        )
    return records


def sample_records(paths: Iterable[Path] | None = None) -> list[dict[str, Any]]:
    """Every captured record, duplicates included, so tests can compare the double to the source."""
    paths = _default_paths() if paths is None else paths
    return [rec for path in paths for rec in _read_file(Path(path))]


def _card_tags(card_data: dict[str, Any] | None, tree_parent: str | None) -> list[str]:
    """Tags the Hub would derive, for records captured without metadata, so they still list.

    From the card: license and each base_model. From the tree: the capture found the record among
    its parent's fine-tunes, which the Hub lists through `base_model:finetune:<parent>`.
    """
    tags: list[str] = []
    card_data = card_data or {}
    if isinstance(card_data.get("license"), str):
        tags.append(f"license:{card_data['license']}")
    bases = card_data.get("base_model")
    for base in [bases] if isinstance(bases, str) else bases or []:
        if isinstance(base, str):
            tags.append(f"base_model:{base}")
    if tree_parent:
        tags += [f"base_model:{tree_parent}", f"base_model:finetune:{tree_parent}"]
    return list(dict.fromkeys(tags))


def _has_readme(card: str | None, meta: dict[str, Any]) -> bool:
    """Some captures omit the card; the repo still has one when its siblings list README.md."""
    return card is not None or any(
        "rfilename='README.md'" in str(sibling) for sibling in meta.get("siblings") or []
    )


def _author(model_id: str) -> str | None:
    return model_id.split("/")[0] if "/" in model_id else None


def _model_row(rec: dict[str, Any]) -> dict[str, Any]:
    """One store row; whatever the capture lacks gets the fallback documented beside it.

    Without a captured card text, card_data comes from the metadata's cardData (the client's
    re-serialization of the YAML) and the double renders the README from it.
    """
    model_id = rec["id"]
    meta = rec["metadata"] or {}
    card = _card_text(rec)
    card_data = _card_header(card) if card else _load_yaml(meta.get("cardData"))
    if rec["metadata"] is None:
        tags = _card_tags(card_data, rec["tree_parent"])
    else:
        tags = list(meta.get("tags") or [])
    gated = meta.get("gated")
    return {
        "id": model_id,
        "object_id": meta.get("_id") or fake_sha("object_id", model_id)[:24],
        "author": meta.get("author") or _author(model_id),
        "sha": meta.get("sha") or fake_sha(model_id),
        "created_at": _naive_utc(meta.get("created_at")) or rec["captured_at"],
        "last_modified": _naive_utc(meta.get("last_modified")) or rec["captured_at"],
        "private": bool(meta.get("private")),
        "gated": gated if gated in ("auto", "manual") else None,  # the Hub's false is NULL here
        "disabled": bool(meta.get("disabled")),
        "downloads": meta.get("downloads") or 0,
        "downloads_all_time": meta.get("downloads_all_time"),
        "likes": meta.get("likes") or 0,
        "trending_score": meta.get("trending_score"),
        "library_name": meta.get("library_name"),
        "pipeline_tag": meta.get("pipeline_tag"),
        "tags": tags,
        "card_data": json.dumps(card_data, default=str) if card_data else None,
        "card": card.encode() if card else None,
        "has_readme": _has_readme(card, meta),
        "model_type": (meta.get("config") or {}).get("model_type"),
        "files": _captured_files(meta),
    }


_RFILENAME = re.compile(r"rfilename='([^']*)'")


def _captured_files(meta: dict[str, Any]) -> str | None:
    """The captured file list and config summary, for the double to serve as they were (the
    capture's siblings are repr strings: `RepoSibling(rfilename='config.json', …)`)."""
    spec: dict[str, Any] = {}
    names = [m.group(1) for s in meta.get("siblings") or () if (m := _RFILENAME.search(str(s)))]
    if names:
        spec["siblings"] = sorted(names)
    if isinstance(meta.get("config"), dict):
        spec["config"] = meta["config"]
    return json.dumps(spec, default=str) if spec else None


def _unique(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """A model captured in several trees is served once: its first capture wins."""
    first: dict[str, dict[str, Any]] = {}
    for rec in records:
        first.setdefault(rec["id"], rec)
    return list(first.values())


def _rows(records: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame([_model_row(rec) for rec in _unique(records)], columns=ROW_COLUMNS)


def load_family_trees(paths: Iterable[Path] | None = None) -> pd.DataFrame:
    """The captured models as store rows (MODEL_COLUMNS without idx), one per repo id."""
    return _rows(sample_records(paths))


def _truth_models(records: list[dict[str, Any]], frame: pd.DataFrame) -> pd.DataFrame:
    """Family, roots and depth per served model; a model in both families' trees is a bridge."""
    truth: dict[str, dict[str, Any]] = {}
    for rec in records:
        seen = truth.setdefault(
            rec["id"],
            {"id": rec["id"], "family": rec["family"], "roots": [], "depth": rec["depth"]},
        )
        if seen["family"] != rec["family"]:
            seen["family"] = "both"
        if rec["root"] and rec["root"] not in seen["roots"]:
            seen["roots"].append(rec["root"])
        seen["depth"] = min(seen["depth"], rec["depth"])
    out = pd.DataFrame(truth.values(), columns=["id", "family", "roots", "depth"])
    licenses = {
        model_id: json.loads(card_data).get("license") if isinstance(card_data, str) else None
        for model_id, card_data in zip(frame["id"], frame["card_data"], strict=True)
    }
    out["license"] = [lic if isinstance(lic, str) else None for lic in out["id"].map(licenses)]
    return out


def _truth_edges(frame: pd.DataFrame) -> pd.DataFrame:
    """Edges as the Hub's tags state them: `base_model:<rel>:<parent>` gives the relation, a bare
    `base_model:<parent>` with no relation tag for that parent is 'unspecified'."""
    known = set(frame["id"])
    edges = []
    for child, tags in zip(frame["id"], frame["tags"], strict=True):
        relations: dict[str, list[str]] = {}
        for tag in tags:
            if not tag.startswith("base_model:"):
                continue
            rel, _, parent = tag.removeprefix("base_model:").rpartition(":")
            relations.setdefault(parent, [])
            if rel:
                relations[parent].append(rel)
        for parent, rels in relations.items():
            for rel in dict.fromkeys(rels or ["unspecified"]):
                edges.append((child, parent, rel, parent in known))
    return pd.DataFrame(edges, columns=["child", "parent", "relation", "parent_exists"])


def samples_store(path: str | Path | None = None) -> HubStore:
    """A Hub double store holding every captured model, with ground truth for the lineage tests."""
    records = sample_records()
    frame = _rows(records)
    store = HubStore(path)
    store.add_models(frame)
    store.add_truth(models=_truth_models(records, frame), edges=_truth_edges(frame))
    store.set_identity(identity.SAMPLES)
    store.finish_loading()
    return store
