"""The hub-stats dump's shape, both ways: its rows served by the double as a Hub, and a Hub of
the double written out as a hub-stats `models.parquet`.

`hub_stats_store` serves the rows of a dump (the real sample in ../shared/hub-samples/hub-stats,
vendored in tests/data/hub-stats) the way the Hub serves their models, so a full crawl of them
can be set beside their import: what the dump holds is served as it is, and what a Hub has but
the dump does not carry gets the fallback documented beside it (a sha, not private, not gated:
the dump lists only public models and says nothing of their gating).

`write_hub_stats` writes the public models of any store (a generated Hub) as the dump holds
them: the columns of cfahlgren1/hub-stats' models table as the real sample shows them (times
as naive UTC timestamps, tags a list, cardData, config and gguf JSON text, safetensors and
baseModels structs, siblings the listing's [{rfilename}]), each value what the double's API
answers for that model. Like the real dump it has no sha, gated, private or disabled.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from hub_double import api
from hub_double.store import MODEL_COLUMNS, HubStore, fake_sha

ROW_COLUMNS = [name for name in MODEL_COLUMNS if name != "idx"]
CHUNK = 50_000  # models per written row group: bounds the writer's memory

_STRUCT_ID = pa.struct([("_id", pa.string()), ("id", pa.string())])
SCHEMA = pa.schema([
    ("_id", pa.string()),
    ("id", pa.string()),
    ("author", pa.string()),
    ("createdAt", pa.timestamp("us")),
    ("lastModified", pa.timestamp("us")),
    ("downloads", pa.int64()),
    ("downloadsAllTime", pa.int64()),
    ("likes", pa.int64()),
    ("trendingScore", pa.float64()),
    ("tags", pa.list_(pa.string())),
    ("pipeline_tag", pa.string()),
    ("library_name", pa.string()),
    ("cardData", pa.string()),
    ("siblings", pa.list_(pa.struct([("rfilename", pa.string())]))),
    ("config", pa.string()),
    ("safetensors", pa.struct([("parameters", pa.struct([("BF16", pa.int64())])),
                               ("total", pa.int64())])),
    ("gguf", pa.string()),
    ("baseModels", pa.struct([("relation", pa.string()), ("models", pa.list_(_STRUCT_ID))])),
])
# What the API computes for a model beyond its stored row.
_COMPUTED = ("siblings", "config", "gguf", "safetensors", "baseModels")


# -- a dump served as a Hub ----------------------------------------------------------------------
def load_hub_stats(path: str | Path) -> pd.DataFrame:
    """The dump's models as store rows (MODEL_COLUMNS without idx), one per id."""
    conn = duckdb.connect()
    names = {name for name, *_ in conn.execute(
        "DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()}
    wanted = ["_id", "id", "author", "createdAt", "lastModified", "downloads",
              "downloadsAllTime", "likes", "trendingScore", "tags", "pipeline_tag",
              "library_name", "cardData", "siblings", "config", "gguf"]
    columns = ", ".join(f'to_json("{n}")::VARCHAR AS "{n}"' if n in ("siblings", "config", "gguf")
                        and n in names else f'"{n}"' if n in names else f'NULL AS "{n}"'
                        for n in wanted)
    cursor = conn.execute(f"SELECT {columns} FROM read_parquet(?) ORDER BY id", [str(path)])
    keys = [d[0] for d in cursor.description]
    captured = tuple(n for n in ("siblings", "config", "gguf") if n in names)
    rows = [_store_row(dict(zip(keys, values, strict=True)), captured)
            for values in cursor.fetchall()]
    conn.close()
    return pd.DataFrame(rows, columns=ROW_COLUMNS).drop_duplicates("id")


def _store_row(dump: dict[str, Any], captured: tuple[str, ...]) -> dict[str, Any]:
    """One store row from one dump row; what the dump does not carry gets a Hub's default.
    `captured`: the file summaries the dump has a column for (served as it holds them)."""
    model_id = dump["id"]
    card_data = dump["cardData"]
    return {
        "id": model_id,
        "object_id": dump["_id"] or fake_sha("object_id", model_id)[:24],
        "author": dump["author"] or (model_id.split("/")[0] if "/" in model_id else None),
        "sha": fake_sha(model_id),  # every repo has one; the dump does not carry it
        "created_at": dump["createdAt"],
        "last_modified": dump["lastModified"],
        "private": False,  # the dump lists public models
        "gated": None,  # the dump does not say: served as not gated
        "disabled": False,
        "downloads": dump["downloads"] or 0,
        "downloads_all_time": dump["downloadsAllTime"],
        "likes": dump["likes"] or 0,
        "trending_score": dump["trendingScore"],
        "library_name": dump["library_name"],
        "pipeline_tag": dump["pipeline_tag"],
        "tags": list(dump["tags"] or []),
        "card_data": card_data,
        "card": None,  # rendered from card_data when asked for
        "has_readme": card_data is not None,
        "model_type": None,
        "files": _captured_files(dump, captured),
    }


def _captured_files(dump: dict[str, Any], captured: tuple[str, ...]) -> str | None:
    """The dump's file list, config and GGUF summaries, for the double to serve as the dump
    holds them, none included (hub_double/files: `siblings`, `config`, `gguf`); a summary
    the dump has no column for is rendered by the double, as for a generated model."""
    spec: dict[str, Any] = {}
    for key in captured:
        value = json.loads(dump[key]) if dump[key] else None
        if isinstance(value, str):  # JSON text in the dump, read as a JSON string
            value = json.loads(value)
        if key == "siblings":
            spec[key] = [s.get("rfilename") if isinstance(s, dict) else s for s in value or []]
        else:
            spec[key] = value if isinstance(value, dict) else None
    return json.dumps(spec) if spec else None


def hub_stats_store(path: str | Path, store_path: str | Path | None = None) -> HubStore:
    """A Hub double store serving the models of the dump at `path`."""
    store = HubStore(store_path)
    store.add_models(load_hub_stats(path))
    store.finish_loading()
    return store


# -- a Hub written as a dump ---------------------------------------------------------------------
def write_hub_stats(store: HubStore, path: str | Path) -> int:
    """Write the public models of `store` as hub-stats' models table; returns the rows."""
    conn = store.cursor()
    cursor = store.cursor().execute(
        f"SELECT {api.ROW_COLUMNS} FROM models WHERE NOT coalesce(private, false) ORDER BY idx")
    names = [d[0] for d in cursor.description]
    written = 0
    with pq.ParquetWriter(str(path), SCHEMA, compression="snappy") as writer:
        while batch := cursor.fetchmany(CHUNK):
            rows = [_dump_row(dict(zip(names, values, strict=True)), conn) for values in batch]
            writer.write_table(pa.Table.from_pylist(rows, schema=SCHEMA))
            written += len(rows)
    return written


def _dump_row(row: dict[str, Any], conn: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    computed = api.record(row, _COMPUTED, conn)
    siblings = computed.get("siblings")
    return {
        "_id": row["object_id"],
        "id": row["id"],
        "author": row["author"],
        "createdAt": row["created_at"],
        "lastModified": row["last_modified"],
        "downloads": row["downloads"],
        "downloadsAllTime": row["downloads_all_time"],
        "likes": row["likes"],
        "trendingScore": row["trending_score"],
        "tags": list(row["tags"] or []),
        "pipeline_tag": row["pipeline_tag"],
        "library_name": row["library_name"],
        "cardData": row["card_data"],
        "siblings": siblings,
        "config": _json(computed.get("config")),
        "safetensors": computed.get("safetensors"),
        "gguf": _json(computed.get("gguf")),
        "baseModels": computed.get("baseModels"),
    }


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value)
