"""The double's answers held against real Hub responses (tests/data/hub-samples)."""

from __future__ import annotations

import json
from datetime import UTC

import httpx2
import pytest
from huggingface_hub import HfApi, ModelCard, hf_hub_download
from huggingface_hub.errors import GatedRepoError

from hf_lineage.sample_data import sample_path
from hub_double.samples import sample_records, samples_store
from tests.hub_rows import model_row, store_of

MODEL_INFO_SAMPLE = sample_path("model-info-google-bert-bert-base-uncased.json")


def _shape(value: object) -> str:
    return "null" if value is None else type(value).__name__


def test_model_info_has_the_real_responses_keys_and_types(serve):
    real = json.loads(MODEL_INFO_SAMPLE.read_text())
    row = model_row(real["id"], 0, pipeline_tag="fill-mask", downloads=real["downloads"],
                    tags=real["tags"], card_data=real["cardData"])
    double = serve(store_of([row]))
    served = httpx2.get(f"{double.url}/api/models/{real['id']}").json()
    assert list(served) == list(real)
    mismatched = {k: (_shape(real[k]), _shape(served[k])) for k in real
                  if _shape(real[k]) != _shape(served[k])}
    assert mismatched == {}
    assert served["lastModified"].endswith("Z") and served["createdAt"].endswith("Z")


def test_family_tree_records_come_back_unchanged_through_the_client(serve):
    serve(samples_store())
    api = HfApi()
    records = {r["id"]: r for r in sample_records() if r["metadata"]}
    listed = {m.id: m for m in api.list_models(full=True)}
    cards, with_yaml = 0, []
    for model_id, record in records.items():
        meta = record["metadata"]
        served = listed[model_id]
        assert served.tags == meta["tags"], model_id
        created = served.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S+00:00")
        assert created == meta["created_at"], model_id
        card = record.get("card")
        if not isinstance(card, str) or card in ("", "N/A") or served.gated:
            continue
        path = hf_hub_download(model_id, "README.md")
        with open(path, encoding="utf-8") as handle:
            assert handle.read() == card, model_id
        cards += 1
        with_yaml += [model_id] if card.startswith("---") else []
    assert cards >= 150 and len(with_yaml) >= 150
    for model_id in with_yaml:
        card = records[model_id]["card"]
        assert ModelCard.load(model_id).data.to_dict() == ModelCard(card).data.to_dict()
    gated = next(m for m in records if listed[m].gated)
    with pytest.raises(GatedRepoError):
        hf_hub_download(gated, "README.md")
