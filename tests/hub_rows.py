"""Hand-built Hub stores for tests whose answers are known by construction."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pandas as pd

from hub_double.store import HubStore, fake_sha

BASE_DATE = datetime(2024, 1, 1)
HOSTILE_ID = "<script>alert(1)</script>/x\"'"  # the Hub would refuse it; a crawl must cope
HOSTILE_BODY = "<img src=x onerror=alert(2)> & </table><b>bold</b>"


def model_row(model_id: str, n: int = 0, **fields) -> dict:
    """A plausible model row; `fields` override any column (card_data as a dict)."""
    card_data = fields.pop("card_data", {"license": "mit"})
    row = {
        "id": model_id,
        "object_id": fake_sha(model_id)[:24],
        "author": model_id.split("/")[0] if "/" in model_id else None,
        "sha": fake_sha(model_id, "v1"),
        "created_at": BASE_DATE + timedelta(days=n),
        "last_modified": BASE_DATE + timedelta(days=n, hours=1),
        "private": False,
        "gated": None,
        "disabled": False,
        "downloads": 1000 - n,
        "downloads_all_time": 5000 - n,
        "likes": n % 7,
        "trending_score": float(n % 5),
        "library_name": "transformers",
        "pipeline_tag": "text-generation",
        "tags": ["transformers", "license:mit"],
        "card_data": json.dumps(card_data) if card_data is not None else None,
        "card": None,
        "has_readme": True,
    }
    row.update(fields)
    return row


def store_of(rows: list[dict]) -> HubStore:
    store = HubStore()
    store.add_models(pd.DataFrame(rows))
    store.finish_loading()
    return store


def numbered_store(n: int) -> HubStore:
    """n independent models, org-i/model-i."""
    return store_of([model_row(f"org-{i % 17}/model-{i}", i) for i in range(n)])
