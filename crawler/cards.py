"""Model cards: fetching one and parsing it safely (crawler/card_pump.py fetches the pending
ones concurrently, beside the rest of the crawl).

A card is fetched only when the repo's sha differs from the sha the stored card was read at, so
scheduled crawls refetch only what changed. The YAML header is split off with huggingface_hub's
own pattern and read into its `ModelCardData` as `ModelCard` does, after a check that the
document stays small once its aliases are expanded (a few hundred bytes of aliases can expand to
gigabytes). The header is parsed once, by libyaml where PyYAML has it (about ten times faster
than the pure-Python parser `ModelCard` uses, the same documents and errors). A card that does
not parse, or is refused, is stored with its error and the crawl goes on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import yaml
from huggingface_hub import ModelCardData
from huggingface_hub.errors import (
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    RepositoryNotFoundError,
)
from huggingface_hub.repocard import REGEX_YAML_BLOCK

from crawler.clock import utcnow
from crawler.http import HubClient, requestable
from crawler.text import valid_json_text
from hf_lineage.errors import HubError

MAX_YAML_NODES = 100_000  # nodes of the header once aliases are expanded
MAX_YAML_DEPTH = 64
MAX_METADATA_BYTES = 1 << 20
# Bytes of the header once aliases are expanded, counted as its JSON would be (each scalar's
# UTF-8 bytes and quotes, each collection's brackets and separators): never less than the
# parsed metadata's size, which is refused past MAX_METADATA_BYTES anyway.
MAX_YAML_BYTES = MAX_METADATA_BYTES
FastLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML was built with it


@dataclass
class ParsedCard:
    metadata: str | None  # JSON
    body: str
    error: str | None


class YamlTooLarge(ValueError):
    """The header would expand past the budget: refused before anything is built from it."""


def load_yaml_header(header: str) -> object:
    """The YAML header's document (`yaml.safe_load`'s answer), built only once its composed
    nodes passed `check_yaml_budget`. libyaml first (a 760 KB header of 90,000 aliases
    composes in 20 ms, against 2.3 s in Python); a header it cannot read is read again by the
    pure-Python loader, so the outcome is always safe_load's (libyaml refuses escapes that
    decode to lone surrogates, which safe_load reads)."""
    try:
        return _load(header, FastLoader)
    except (yaml.YAMLError, UnicodeError):
        if FastLoader is yaml.SafeLoader:
            raise
    return _load(header, yaml.SafeLoader)


def _load(header: str, loader_class: type) -> object:
    loader = loader_class(header)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        check_yaml_budget(root)
        return loader.construct_document(root)
    finally:
        loader.dispose()


def check_yaml_budget(root: yaml.Node) -> None:
    """Refuse a composed YAML document whose expansion exceeds MAX_YAML_NODES values,
    MAX_YAML_BYTES bytes or MAX_YAML_DEPTH levels.

    Composing keeps aliases as shared references (linear in the text): one anchored string of
    400 KB named 90,000 times composes into a few megabytes but expands to 36 GB. The expanded
    size is counted once per distinct node, so the check itself stays linear whatever the
    aliases do, and it runs before anything is constructed or serialised.
    """
    sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (values, bytes), capped past the budget
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, expanded = stack.pop()
        if depth > MAX_YAML_DEPTH:
            raise YamlTooLarge(f"YAML header refused: nested deeper than {MAX_YAML_DEPTH}")
        children = _children(node)
        if expanded:
            sizes[id(node)] = _expanded(node, [sizes[id(c)] for c in children])
        elif id(node) not in sizes:
            stack.append((node, depth, True))
            stack.extend((c, depth + 1, False) for c in children if id(c) not in sizes)
    values, size = sizes[id(root)]
    if values > MAX_YAML_NODES:
        raise YamlTooLarge(
            f"YAML header refused: more than {MAX_YAML_NODES:,} values once aliases are expanded")
    if size > MAX_YAML_BYTES:
        raise YamlTooLarge(
            f"YAML header refused: more than {MAX_YAML_BYTES:,} bytes once aliases are expanded")


def _expanded(node: yaml.Node, children: list[tuple[int, int]]) -> tuple[int, int]:
    """(values, bytes) of a node once expanded, from its children's; each capped just past
    its budget, so the sums stay small integers."""
    if isinstance(node, yaml.ScalarNode):
        values, size = 1, len(node.value.encode("utf-8", "replace")) + 2
    else:
        values = 1 + sum(v for v, _ in children)
        size = 2 + sum(b + 1 for _, b in children)
    return min(values, MAX_YAML_NODES + 1), min(size, MAX_YAML_BYTES + 1)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def parse_card(text: str) -> ParsedCard:
    """Split and parse a README: YAML header through ModelCard, Markdown body kept as text."""
    text = text.replace("\x00", "\ufffd")
    match = REGEX_YAML_BLOCK.search(text)
    if match is None:
        return ParsedCard(None, text, None)
    body = text[match.end():]
    try:
        data = _card_data(load_yaml_header(match.group(2)))
        metadata = valid_json_text(json.dumps(data, default=str))
    except Exception as exc:  # noqa: BLE001 - any parser failure is data, not a crash
        return ParsedCard(None, body, f"{type(exc).__name__}: {exc}"[:500])
    if len(metadata) > MAX_METADATA_BYTES:
        return ParsedCard(None, body, "YAML header refused: larger than 1 MiB once parsed")
    return ParsedCard(metadata, body, None)


def _card_data(document: object) -> dict:
    """The header as `ModelCard(text, ignore_metadata_errors=True).data.to_dict()` gives it."""
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise ValueError("repo card metadata block should be a dict")
    return ModelCardData(**document, ignore_metadata_errors=True).to_dict()


def fetch_card(client: HubClient, model_id: str, sha: str) -> dict:
    """One card as a `cards` row: fetched and parsed, or the reason it could not be."""
    row = {"model_id": model_id, "sha": sha, "fetched_at": utcnow(), "metadata": None,
           "body": None, "size_bytes": None, "truncated": False, "parse_error": None,
           "fetch_error": None}
    if not requestable(model_id):
        row["fetch_error"] = "invalid repo id: not requested"
        return row
    try:
        card = client.fetch_card(model_id, sha)
    except GatedRepoError:
        row["fetch_error"] = "gated"
    except RepositoryNotFoundError:
        row["fetch_error"] = "not found"
    except EntryNotFoundError:
        row["fetch_error"] = "no README.md"
    except (HfHubHTTPError, HubError) as exc:
        row["fetch_error"] = f"failed: {exc}"[:500]
        row["sha"] = None  # not final: retried by the next crawl
    else:
        parsed = parse_card(card.text)
        row.update(metadata=parsed.metadata, body=parsed.body, size_bytes=card.size_bytes,
                   truncated=card.truncated, parse_error=parsed.error)
    return row
