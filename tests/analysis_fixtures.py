"""Hand-built crawler databases for the analysis tests whose answers are known by construction.

Every database is created from crawler/schema.sql, so the analysis is tested against the schema
the crawler really writes. Tests that need whole Hubs use generated ones instead, written as a
full crawl stores them (conftest's `generated_db`, `hub` and `hostile_hub_db`).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from crawler.roots import Roots

SCHEMA = Path(__file__).resolve().parents[1] / "crawler" / "schema.sql"

MODEL_DEFAULTS: dict[str, object] = {
    "created_at": datetime(2024, 1, 1),
    "downloads": 0,
    "likes": 0,
    "library_name": "transformers",
    "pipeline_tag": "text-generation",
    "private": False,
    "disabled": False,
    "gone": False,
}


def create_db(path: str | Path) -> duckdb.DuckDBPyConnection:
    """A fresh, writable database with the crawler's schema."""
    conn = duckdb.connect(str(path))
    conn.execute(SCHEMA.read_text(encoding="utf-8"))
    return conn


def _insert(conn: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    conn.register("_incoming", frame)
    conn.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _incoming")
    conn.unregister("_incoming")


def add_models(conn: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    """Insert models; `card_data` may be a dict, `author` defaults to the id's namespace."""
    filled = []
    for row in rows:
        row = {**MODEL_DEFAULTS, **row}
        row.setdefault("author", row["id"].split("/")[0] if "/" in row["id"] else None)
        if isinstance(row.get("card_data"), dict):
            row["card_data"] = json.dumps(row["card_data"])
        filled.append(row)
    _insert(conn, "models", pd.DataFrame(filled))


def add_edges(conn: duckdb.DuckDBPyConnection, edges: list[tuple]) -> None:
    """Insert (child, parent, relation[, source]) edges."""
    frame = pd.DataFrame(
        [(*e, "card") if len(e) == 3 else e for e in edges],
        columns=["child", "parent", "relation", "source"],
    )
    _insert(conn, "edges", frame)


def add_tags(conn: duckdb.DuckDBPyConnection, tags: list[tuple[str, str]]) -> None:
    _insert(conn, "model_tags", pd.DataFrame(tags, columns=["model_id", "tag"]))


def add_cards(conn: duckdb.DuckDBPyConnection, cards: list[dict]) -> None:
    rows = [
        {**c, "metadata": json.dumps(c["metadata"]) if "metadata" in c else None} for c in cards
    ]
    _insert(conn, "cards", pd.DataFrame(rows))


def tiny_roots() -> Roots:
    """A two-family roots config small enough to reason about by hand."""
    from crawler.roots import Release

    return Roots(
        families={"llama": "LLaMA", "deepseek": "DeepSeek"},
        organisations={"meta-llama": "llama", "deepseek-ai": "deepseek"},
        releases=(
            Release("llama", "Llama 2", date(2023, 7, 18), "llama2", ("meta-llama/L2",)),
            Release("llama", "Llama 3.1", date(2024, 7, 23), "llama3.1", ("meta-llama/L31",)),
            Release("deepseek", "DeepSeek-R1", date(2025, 1, 20), "mit",
                    ("deepseek-ai/R1", "deepseek-ai/R1-Distill-Llama")),
        ),
    )


# -- hand-built graphs --------------------------------------------------------------------------

def lineage_graph(path: str | Path) -> Path:
    """The hand-built lineage graph of test_analysis_lineage (answers there, by construction).

    Roots (tiny_roots): meta-llama/L2, meta-llama/L31, deepseek-ai/R1, deepseek-ai/R1-Distill-Llama
    (itself a fine-tune of L31: a bridge), and meta-llama/CodeLlama (an organisation model with no
    parent). Below L2: a tree with a merge whose two parents share an ancestor, an adapter, and a
    two-model cycle. Below L31: a self-loop, a merge with a parent never crawled, an organisation
    fine-tune. Outside: an orphan of a missing parent and an unrelated base with a child.
    """
    conn = create_db(path)
    day = datetime(2024, 1, 1)
    models = [
        ("meta-llama/L2", "llama2", 1000), ("meta-llama/L31", "llama3.1", 900),
        ("deepseek-ai/R1", "mit", 800), ("deepseek-ai/R1-Distill-Llama", "mit", 700),
        ("meta-llama/CodeLlama", "llama2", 600), ("meta-llama/Guard", "llama3.1", 50),
        ("a/ft1", "llama2", 40), ("a/ft2", "llama2", 30), ("b/q1-GGUF", "llama2", 20),
        ("c/merge", "apache-2.0", 10), ("d/adapter", None, 5), ("x/c1", "llama2", 4),
        ("x/c2", "llama2", 3), ("s/self", "llama3.1", 2), ("m/half", "llama3.1", 1),
        ("e/dist-ft", "mit", 7), ("m/orphan", "mit", 0), ("z/base", "apache-2.0", 99),
        ("z/ft", "apache-2.0", 9),
    ]
    add_models(conn, [
        {"id": mid, "license": lic, "downloads": dl, "created_at": day + timedelta(days=k)}
        for k, (mid, lic, dl) in enumerate(models)
    ])
    add_edges(conn, [
        ("deepseek-ai/R1-Distill-Llama", "meta-llama/L31", "finetune"),
        ("meta-llama/Guard", "meta-llama/L31", "finetune"),
        ("a/ft1", "meta-llama/L2", "finetune"), ("a/ft2", "a/ft1", "finetune"),
        ("b/q1-GGUF", "a/ft1", "quantized"), ("c/merge", "a/ft2", "merge"),
        ("c/merge", "b/q1-GGUF", "merge"), ("d/adapter", "meta-llama/L2", "adapter"),
        ("x/c1", "meta-llama/L2", "finetune"), ("x/c2", "x/c1", "finetune"),
        ("x/c1", "x/c2", "finetune"), ("s/self", "meta-llama/L31", "finetune"),
        ("s/self", "s/self", "finetune"), ("m/half", "meta-llama/L31", "merge"),
        ("m/half", "ghost/none", "merge"),
        ("e/dist-ft", "deepseek-ai/R1-Distill-Llama", "finetune"),
        ("m/orphan", "ghost/none", "finetune"), ("z/ft", "z/base", "finetune"),
    ])
    add_tags(conn, [("b/q1-GGUF", "gguf")])
    conn.close()
    return Path(path)


def license_roots() -> Roots:
    """Llama 2, Llama 3.1 (community licenses), DeepSeek-V2 ('other') and DeepSeek-R1 (MIT)."""
    from crawler.roots import Release

    return Roots(
        families={"llama": "LLaMA", "deepseek": "DeepSeek"},
        organisations={},
        releases=(
            Release("llama", "Llama 2", date(2023, 7, 18), "llama2", ("meta-llama/L2",)),
            Release("llama", "Llama 3.1", date(2024, 7, 23), "llama3.1", ("meta-llama/L31",)),
            Release("deepseek", "DeepSeek-V2", date(2024, 5, 6), "other", ("deepseek-ai/V2",)),
            Release("deepseek", "DeepSeek-R1", date(2025, 1, 20), "mit", ("deepseek-ai/R1",)),
        ),
    )


# child, parent, child license, drift expected for the edge
LICENSE_CASES = [
    ("k/Llama-kept", "meta-llama/L31", "llama3.1", "kept"),
    ("k/llama-same", "meta-llama/L31", "llama3", "changed_same_kind"),
    ("k/Apache-relabel", "meta-llama/L31", "apache-2.0", "relabelled_permissive"),
    ("k/MIT-relabel", "meta-llama/L31", "mit", "relabelled_permissive"),
    ("k/nc-restrict", "meta-llama/L31", "cc-by-nc-4.0", "more_restrictive"),
    ("k/none", "meta-llama/L31", None, "missing"),
    ("k/Llama-after-none", "k/none", "mit", "parent_missing"),
    ("k/Foo", "meta-llama/L2", "llama2", "kept"),
    ("k/v2-gpl", "deepseek-ai/V2", "gpl-3.0", "less_restrictive"),
    ("k/v2-gemma", "deepseek-ai/V2", "gemma", "changed_same_kind"),
    ("k/v2-odd", "deepseek-ai/V2", "my-own-license", "changed_unknown"),
    ("k/v2-kept", "deepseek-ai/V2", "other", "kept"),
    ("k/r1-llama", "deepseek-ai/R1", "llama3", "more_restrictive"),
    ("k/r1-apache", "deepseek-ai/R1", "apache-2.0", "changed_same_kind"),
    ("k/r1-mit", "deepseek-ai/R1", " MIT ", "kept"),
    ("k/r1-empty", "deepseek-ai/R1", "", "missing"),
]


def license_graph(path: str | Path) -> Path:
    """One edge per license drift case (LICENSE_CASES) under license_roots()."""
    conn = create_db(path)
    roots = [("meta-llama/L2", "llama2"), ("meta-llama/L31", "llama3.1"),
             ("deepseek-ai/V2", "other"), ("deepseek-ai/R1", "mit")]
    add_models(conn, [{"id": m, "license": lic} for m, lic in roots]
               + [{"id": child, "license": lic} for child, _, lic, _ in LICENSE_CASES])
    add_edges(conn, [(child, parent, "finetune") for child, parent, _, _ in LICENSE_CASES])
    conn.close()
    return Path(path)


def openness_graph(path: str | Path) -> Path:
    """Three fine-tunes of a Llama 2 root showing all, half and none of the openness evidence."""
    conn = create_db(path)
    add_models(conn, [
        {"id": "meta-llama/L2", "license": "llama2"},
        {"id": "o/full", "license": "apache-2.0",
         "card_data": {"base_model": "meta-llama/L2", "datasets": ["a/b"],
                       "model-index": [{"name": "o/full", "results": []}]}},
        {"id": "o/half", "license": "mit", "card_data": {"datasets": "a/b", "base_model": []}},
        {"id": "o/none", "license": "llama2", "card_data": {"datasets": [], "model-index": None}},
    ])
    add_edges(conn, [(m, "meta-llama/L2", "finetune") for m in ("o/full", "o/half", "o/none")])
    add_tags(conn, [("o/full", "arxiv:2302.13971"), ("o/none", "license:llama2")])
    add_cards(conn, [
        {"model_id": "o/full", "body": "x" * 1500,
         "metadata": {"base_model": "meta-llama/L2", "datasets": ["a/b"],
                      "model-index": [{"name": "o/full", "results": []}]}},
        {"model_id": "o/half", "body": "See https://arxiv.org/abs/2302.13971",
         "metadata": {"datasets": "a/b", "base_model": []}},
    ])
    conn.close()
    return Path(path)
