"""Hand-built crawler databases for the analysis tests whose answers are known by construction.

Every database is created from the crawler's schema migrations, so the analysis is tested
against the schema the crawler really writes. Tests that need whole Hubs use generated ones
instead, written as a full crawl stores them (conftest's `generated_db`, `hub` and
`hostile_hub_db`).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from crawler.roots import Roots
from crawler.store.database import migrations

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
    for step in migrations().values():
        conn.execute(step)
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


def add_snapshots(conn: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    """Insert (run_id, model_id, taken_at, downloads) snapshot rows."""
    _insert(conn, "snapshots", pd.DataFrame(rows, columns=["run_id", "model_id", "taken_at",
                                                           "downloads"]))


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
    """Llama 2, Llama 3.1 (community licenses; 3.1 names must begin with "Llama"),
    DeepSeek-V2 ('other') and DeepSeek-R1 (MIT)."""
    from crawler.roots import Release

    return Roots(
        families={"llama": "LLaMA", "deepseek": "DeepSeek"},
        organisations={},
        releases=(
            Release("llama", "Llama 2", date(2023, 7, 18), "llama2", ("meta-llama/L2",)),
            Release("llama", "Llama 3.1", date(2024, 7, 23), "llama3.1", ("meta-llama/L31",),
                    naming_prefix="Llama"),
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
    ("k/l2-alias", "meta-llama/L2", "llama-2-community", "kept"),
    ("k/l2-apache", "meta-llama/L2", "Apache 2.0", "relabelled_permissive"),
    ("k/v2-alias", "deepseek-ai/V2", "deepseek-license", "kept"),
    ("k/v2-qwen", "deepseek-ai/V2", "other", "changed_same_kind"),
    ("k/v2-llama3", "deepseek-ai/V2", "other", "changed_same_kind"),
]
# license_name of the models declaring 'other' with a name: DeepSeek-V2 names its terms, so
# other/"qwen" below it is a change, other/"llama3" is Llama 3's license, a bare 'other' kept.
LICENSE_NAMES = {"deepseek-ai/V2": "deepseek", "k/v2-qwen": "Qwen", "k/v2-llama3": "llama3"}


def license_graph(path: str | Path) -> Path:
    """One edge per license drift case (LICENSE_CASES) under license_roots()."""
    conn = create_db(path)
    roots = [("meta-llama/L2", "llama2"), ("meta-llama/L31", "llama3.1"),
             ("deepseek-ai/V2", "other"), ("deepseek-ai/R1", "mit")]
    add_models(conn, [{"id": m, "license": lic, "license_name": LICENSE_NAMES.get(m)}
                      for m, lic in roots]
               + [{"id": child, "license": lic, "license_name": LICENSE_NAMES.get(child)}
                  for child, _, lic, _ in LICENSE_CASES])
    add_edges(conn, [(child, parent, "finetune") for child, parent, _, _ in LICENSE_CASES])
    conn.close()
    return Path(path)


# model, parent, creation day: derivatives of tiny_roots() around their releases
TIMELINE_MODELS = [
    ("meta-llama/L2", None, "2023-07-18"), ("meta-llama/L31", None, "2024-07-23"),
    ("deepseek-ai/R1", None, "2025-01-20"),
    ("deepseek-ai/R1-Distill-Llama", "meta-llama/L31", "2025-01-20"),
    ("t/a", "meta-llama/L2", "2023-07-17"), ("t/b", "meta-llama/L2", "2023-07-18"),
    ("t/c", "meta-llama/L2", "2023-07-25"), ("t/d", "meta-llama/L2", "2023-08-20"),
    ("t/e", "meta-llama/L31", "2024-07-23"), ("t/f", "meta-llama/L31", "2024-07-30"),
    ("t/g", "deepseek-ai/R1", "2025-01-21"), ("t/h", "deepseek-ai/R1", "2025-02-25"),
    ("t/i", "deepseek-ai/R1", "2025-03-10"), ("t/j", "deepseek-ai/R1-Distill-Llama", "2025-01-27"),
]
TIMELINE_CRAWL = datetime(2025, 3, 1, 6, 0)


def timeline_graph(path: str | Path) -> Path:
    """TIMELINE_MODELS under tiny_roots(), crawled on TIMELINE_CRAWL (the data's end)."""
    conn = create_db(path)
    add_models(conn, [{"id": m, "created_at": datetime.fromisoformat(day)}
                      for m, _, day in TIMELINE_MODELS])
    add_edges(conn, [(m, parent, "finetune") for m, parent, _ in TIMELINE_MODELS if parent])
    conn.execute("INSERT INTO crawl_runs (run_id, mode, started_at, status) "
                 "VALUES (1, 'family', ?, 'ok')", [TIMELINE_CRAWL])
    conn.close()
    return Path(path)


# model, license, README bytes (None: no cards row; 'gated' / 'no README.md': that fetch error),
# downloads: under tiny_roots(), with the edges of ANATOMY_EDGES
ANATOMY_MODELS = [
    ("meta-llama/L2", "llama2", 5000, 10000), ("meta-llama/L31", "llama3.1", "gated", 5000),
    ("deepseek-ai/R1", "mit", 8000, 3000),
    ("deepseek-ai/R1-Distill-Llama", "mit", "no README.md", 1000),
    ("a/ft", "llama2", 1000, 100), ("a/ft-q", None, 2, 50), ("a/lora", "apache-2.0", 400, 10),
    ("a/merge", "llama2", None, 5), ("a/ft2", "mit", 3000, 1), ("r/ft", "mit", 600, 20),
    ("r/q", "mit", 300, 0), ("x/base", "apache-2.0", 100, 7), ("x/ft", "mit", 50, 3),
]
ANATOMY_EDGES = [
    ("deepseek-ai/R1-Distill-Llama", "meta-llama/L31", "finetune"),
    ("a/ft", "meta-llama/L2", "finetune"), ("a/ft-q", "a/ft", "quantized"),
    ("a/lora", "meta-llama/L2", "adapter"), ("a/merge", "a/ft", "merge"),
    ("a/merge", "a/lora", "merge"), ("a/ft2", "a/ft", "finetune"),
    ("r/ft", "deepseek-ai/R1", "finetune"), ("r/q", "deepseek-ai/R1", "quantized"),
    ("x/ft", "x/base", "finetune"), ("a/ft", "a/ft", "finetune"),
]


def anatomy_graph(path: str | Path, scope: str | None = None) -> Path:
    """ANATOMY_MODELS and ANATOMY_EDGES; `scope` is stored as meta.scope when given."""
    conn = create_db(path)
    add_models(conn, [{"id": m, "license": lic, "downloads": dl}
                      for m, lic, _, dl in ANATOMY_MODELS])
    add_edges(conn, ANATOMY_EDGES)
    add_cards(conn, [
        {"model_id": m, "body": "x" * card, "size_bytes": card} if isinstance(card, int)
        else {"model_id": m, "fetch_error": card}
        for m, _, card, _ in ANATOMY_MODELS if card is not None])
    if scope:
        conn.execute("INSERT INTO meta VALUES ('scope', ?)", [scope])
    conn.close()
    return Path(path)


def naming_roots() -> Roots:
    """Llama 2 (no naming rule), Llama 3 ("Llama 3"), Llama 3.1 ("Llama") and DeepSeek-R1."""
    from crawler.roots import Release

    return Roots(
        families={"llama": "LLaMA", "deepseek": "DeepSeek"},
        organisations={},
        releases=(
            Release("llama", "Llama 2", date(2023, 7, 18), "llama2", ("meta-llama/L2",)),
            Release("llama", "Llama 3", date(2024, 4, 18), "llama3", ("meta-llama/L3",),
                    naming_prefix="Llama 3"),
            Release("llama", "Llama 3.1", date(2024, 7, 23), "llama3.1", ("meta-llama/L31",),
                    naming_prefix="Llama"),
            Release("deepseek", "DeepSeek-R1", date(2025, 1, 20), "mit", ("deepseek-ai/R1",)),
        ),
    )


# child, its parents, the governing release and whether the name complies (None: no rule)
NAMING_CASES = [
    ("n/Llama-3-chat", ("meta-llama/L3",), "Llama 3", True),
    ("n/llama3_sft", ("meta-llama/L3",), "Llama 3", True),
    ("n/LLAMA.3.1-dpo", ("meta-llama/L3",), "Llama 3", True),
    ("n/Llama-30B-chat", ("meta-llama/L3",), "Llama 3", False),
    ("n/Llama-chat", ("meta-llama/L3",), "Llama 3", False),
    ("n/Meta-Llama-3-ft", ("meta-llama/L3",), "Llama 3", False),
    ("n/Llama3.1-ft", ("meta-llama/L31",), "Llama 3.1", True),
    ("n/llamafied", ("meta-llama/L31",), "Llama 3.1", True),
    ("n/my-llama", ("meta-llama/L31",), "Llama 3.1", False),
    ("n/Llama-merge", ("meta-llama/L3", "meta-llama/L31"), "Llama 3.1", True),
    ("n/Llama-r1-merge", ("meta-llama/L31", "deepseek-ai/R1"), "Llama 3.1", True),
    ("n/Llama-3-grandchild", ("n/Llama-merge",), "Llama 3.1", True),
    ("n/Reasoner", ("deepseek-ai/R1",), None, None),
    ("n/two-only", ("meta-llama/L2",), None, None),
]


def naming_graph(path: str | Path) -> Path:
    """One derivative per naming case (NAMING_CASES) under naming_roots()."""
    conn = create_db(path)
    roots = ["meta-llama/L2", "meta-llama/L3", "meta-llama/L31", "deepseek-ai/R1"]
    add_models(conn, [{"id": m} for m in roots] + [{"id": c} for c, *_ in NAMING_CASES])
    add_edges(conn, [(child, parent, "finetune")
                     for child, parents, _, _ in NAMING_CASES for parent in parents])
    conn.close()
    return Path(path)


FULL_CARD = {"model-index": [{"name": "m", "results": [{"dataset": {"name": "MMLU"}}]}],
             "datasets": ["a/b"]}
# model, parent, license, library, tags, card metadata, card body (None: no cards row)
OPENNESS_MODELS = [
    ("o/full", "deepseek-ai/R1", "apache-2.0", "transformers",
     ["safetensors", "arxiv:2501.12948", "dataset:a/b"], FULL_CARD,
     "Code: https://github.com/o/full/ and https://arxiv.org/abs/1910.09700"),
    ("o/no-eval", "deepseek-ai/R1", "mit", "transformers",
     ["safetensors", "arxiv:2501.12948", "dataset:a/b"], {"datasets": ["a/b"]}, "card text"),
    ("o/template", "deepseek-ai/R1", "mit", "transformers",
     ["safetensors", "arxiv:1910.09700", "dataset:a/b"], {"model-index": [{"name": "m"}]},
     "Carbon: https://arxiv.org/abs/1910.09700"),
    ("o/relabel", "meta-llama/L2", "apache-2.0", "transformers",
     ["pytorch", "arxiv:2307.09288", "dataset:a/b"], FULL_CARD,
     "See https://arxiv.org/pdf/2307.09288 and gitlab.com/o/relabel/"),
    ("o/gguf", "deepseek-ai/R1", "MIT", "gguf", [], {}, "x"),
    ("o/none", "meta-llama/L31", None, None, [], None, None),
    ("o/cc", "deepseek-ai/R1", "cc-by-4.0", "peft", ["safetensors", "arxiv:2501.12948"],
     {"datasets": "a/b", "model-index": [{"name": "m", "results": []}]}, "ok"),
]


def openness_graph(path: str | Path) -> Path:
    """OPENNESS_MODELS below license_roots()' releases: one model per openness rule."""
    conn = create_db(path)
    add_models(conn, [{"id": "meta-llama/L2", "license": "llama2"},
                      {"id": "meta-llama/L31", "license": "llama3.1"},
                      {"id": "deepseek-ai/R1", "license": "mit"}]
               + [{"id": m, "license": lic, "library_name": lib, "card_data": meta}
                  for m, _, lic, lib, _, meta, _ in OPENNESS_MODELS])
    add_edges(conn, [(m, parent, "finetune") for m, parent, *_ in OPENNESS_MODELS])
    add_tags(conn, [(m, t) for m, _, _, _, tags, _, _ in OPENNESS_MODELS for t in tags])
    add_cards(conn, [{"model_id": m, "body": body, "size_bytes": len(body), "metadata": meta}
                     for m, _, _, _, _, meta, body in OPENNESS_MODELS if body is not None])
    conn.close()
    return Path(path)


def custom_roots() -> Roots:
    """One family of its own, as a user's roots file might hold: 'Mine', organisation mine-org
    (and ghost-org, which the crawl never saw); release R1 lists a model the crawl has and one it
    lacks, release R2 only a model the crawl lacks."""
    from crawler.roots import Release

    return Roots(
        families={"mine": "Mine"},
        organisations={"mine-org": "mine", "ghost-org": "mine"},
        releases=(
            Release("mine", "R1", date(2024, 3, 1), "apache-2.0",
                    ("mine-org/base-7b", "mine-org/missing-7b")),
            Release("mine", "R2", date(2024, 6, 1), "mit", ("gone/root",)),
        ),
    )


# model, parent: under custom_roots(); gone/root (a configured root) was never crawled
CUSTOM_MODELS = [
    ("mine-org/base-7b", None), ("x/child", "mine-org/base-7b"),
    ("mine-org/Tool-2-1B", None), ("mine-org/Tool-2-8B-Instruct", None),
    ("y/orphan", "gone/root"), ("y/grand", "y/orphan"),
    ("meta-llama/Llama-2-7b-hf", None), ("z/llama-ft", "meta-llama/Llama-2-7b-hf"),
]


def custom_graph(path: str | Path, stored: Roots | None = None) -> Path:
    """CUSTOM_MODELS, crawled with the roots `stored` (default custom_roots()) as a crawl
    stores them in `meta`: what an analysis without --roots follows."""
    from crawler.roots import ROOTS_KEY, dump_roots

    conn = create_db(path)
    add_models(conn, [{"id": m, "created_at": datetime(2024, 3, 1) + timedelta(days=k),
                       "license": "apache-2.0"} for k, (m, _) in enumerate(CUSTOM_MODELS)])
    add_edges(conn, [(m, parent, "finetune") for m, parent in CUSTOM_MODELS if parent])
    conn.execute("INSERT INTO meta VALUES (?, ?)",
                 [ROOTS_KEY, dump_roots(stored or custom_roots())])
    conn.execute("INSERT INTO crawl_runs (run_id, mode, started_at, status) "
                 "VALUES (1, 'family', ?, 'ok')", [datetime(2024, 9, 1)])
    conn.close()
    return Path(path)
