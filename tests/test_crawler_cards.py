"""Card headers are read as huggingface_hub's ModelCard reads them, on real cards."""

from __future__ import annotations

import json

from huggingface_hub import ModelCard
from huggingface_hub.repocard import REGEX_YAML_BLOCK

from crawler.cards import parse_card
from hf_lineage.sample_data import family_tree_paths, open_text, sample_path


def _real_cards() -> list[str]:
    """Every third real card with a YAML header (2022, 2023 and the 2025 family trees)."""
    texts: list[str] = []
    with open_text(sample_path("cards-2022-sample.jsonl.gz")) as lines:
        texts += [json.loads(line)["readme"] or "" for line in lines]
    with open_text(sample_path("cards-2023-sample.jsonl.gz")) as lines:
        texts += [json.loads(line)["card"] or "" for line in lines]
    for path in family_tree_paths():
        with open_text(path) as handle:
            texts += [m["card"] for m in json.load(handle)["models"]
                      if isinstance(m.get("card"), str)]
    return [t for t in texts if REGEX_YAML_BLOCK.search(t)][::3]


def _model_card(text: str) -> tuple[str | None, str | None]:
    try:
        data = ModelCard(text, ignore_metadata_errors=True).data.to_dict()
    except Exception as exc:  # noqa: BLE001 - the error's class is compared
        return None, type(exc).__name__
    return json.dumps(data, default=str), None


def test_headers_parse_exactly_as_model_card_parses_them():
    cards = _real_cards()
    assert len(cards) > 600
    for text in cards:
        parsed = parse_card(text)
        error = parsed.error.split(":")[0] if parsed.error else None
        assert (parsed.metadata, error) == _model_card(text)
