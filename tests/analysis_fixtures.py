"""Crawler-shaped databases for the analysis tests: hand-built graphs and random Hubs.

Every database is created from the crawler's schema migrations, so the analysis is tested
against the schema the crawler really writes. `random_hub` builds Hubs of any size (vectorised
where it matters, so the 2,000,000-model benchmark database takes about a minute) with the
irregularities real data has: merges, orphans, parents never crawled, self-loops and cycles,
license drift.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from crawler.roots import Roots, load_roots
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

HOSTILE_ID = "<script>alert(1)</script>/x\"'"
HOSTILE_BODY = "<img src=x onerror=alert(2)> & </table><b>bold</b>"


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


# -- random Hubs --------------------------------------------------------------------------------

RELATIONS = np.array(["finetune", "quantized", "adapter", "unspecified"])
QUANT_SUFFIXES = np.array(["GGUF", "GPTQ", "AWQ", "exl2", "MLX-4bit", "bnb-4bit", "Q4"])
NAME_PREFIXES = np.array(["Llama-3.1-8B", "llama-2-7b", "Mistral-7B", "DeepSeek-R1", "model"])
PERMISSIVE = ["apache-2.0", "mit"]
SAME_KIND = {
    "llama2": "llama3", "llama3": "llama3.1", "llama3.1": "llama3.2", "llama3.2": "llama3.3",
    "llama3.3": "llama4", "llama4": "llama2", "mit": "apache-2.0", "apache-2.0": "mit",
    "other": "gemma", "gemma": "other", "cc-by-nc-4.0": "cc-by-nc-sa-4.0",
    "cc-by-nc-sa-4.0": "cc-by-nc-4.0", "gpl-3.0": "agpl-3.0", "agpl-3.0": "gpl-3.0",
}
BODIES = (
    "Short card.",
    "## Model\n" + "A fine-tuned model with details. " * 20,
    "## Model\nSee https://arxiv.org/abs/2302.13971 for the method. " + "Training notes. " * 80,
)


def _pick_parent(rng: np.random.Generator, positions: np.ndarray) -> np.ndarray:
    """An earlier model for each position, biased towards old (popular) models."""
    return np.floor(rng.random(len(positions)) ** 1.6 * positions).astype(np.int64)


def _licenses(rng: np.random.Generator, parents: np.ndarray, root_licenses: list) -> list:
    """Each model's license drawn from its first parent's: kept, dropped, relabelled, changed."""
    n_roots = len(root_licenses)
    licenses: list = root_licenses + [None] * (len(parents) - n_roots)
    draw = rng.random(len(parents))
    pick = rng.integers(0, 2, len(parents))
    for i in range(n_roots, len(parents)):
        parent = licenses[parents[i]] if parents[i] >= 0 else "apache-2.0"
        u = draw[i]
        if u < 0.55:
            licenses[i] = parent
        elif u < 0.67:
            licenses[i] = None
        elif u < 0.79:
            licenses[i] = PERMISSIVE[pick[i]]
        elif u < 0.87:
            licenses[i] = SAME_KIND.get(parent or "", "other")
        elif u < 0.95:
            licenses[i] = "cc-by-nc-4.0"
        else:
            licenses[i] = parent or "gpl-3.0"
    return licenses


def _created(rng: np.random.Generator, parents: np.ndarray, root_dates: list) -> np.ndarray:
    """Creation days (since 2022-01-01) after the first parent's: a derivative follows its base."""
    days = np.zeros(len(parents), dtype=np.int64)
    days[: len(root_dates)] = root_dates
    gaps = rng.exponential(45, len(parents)).astype(np.int64)
    orphans = rng.integers(300, 1300, len(parents))
    for i in range(len(root_dates), len(parents)):
        days[i] = (days[parents[i]] + gaps[i]) if parents[i] >= 0 else orphans[i]
    return days


def random_hub(conn: duckdb.DuckDBPyConnection, n_models: int, seed: int = 0,
               roots: Roots | None = None, background_roots: int | None = None) -> None:
    """Fill `conn` with a random Hub of about `n_models` models around the configured roots.

    `background_roots` foundation models outside the families (default n_models // 300) compete
    with the family roots for derivatives: fewer of them make bigger families.
    """
    rng = np.random.default_rng(seed)
    roots = roots or load_roots()
    epoch = date(2022, 1, 1)
    ids: list[str] = [m for r in roots.releases for m in r.models]
    root_licenses: list = [r.license for r in roots.releases for _ in r.models]
    root_dates = [(r.released - epoch).days for r in roots.releases for _ in r.models]
    for org in roots.organisations:  # unlisted organisation models: implicit roots
        ids += [f"{org}/extra-root-{k}" for k in range(2)]
        root_licenses += ["other", "mit"]
        root_dates += [700, 800]
    n_background = background_roots or max(3, n_models // 300)
    ids += [f"base{k}/foundation-{k}" for k in range(n_background)]
    base_licenses = ["apache-2.0", "mit", "gemma", "cc-by-nc-4.0"]
    root_licenses += [base_licenses[k % 4] for k in range(n_background)]
    root_dates += [k % 400 for k in range(n_background)]
    n_roots = len(ids)
    n = max(n_models, n_roots + 10)
    positions = np.arange(n)

    parent1 = _pick_parent(rng, positions)
    parent1[rng.random(n) < 0.12] = -1  # independent models: no declared parent
    parent1[:n_roots] = -1
    has_second = (rng.random(n) < 0.07) & (parent1 >= 0)
    parent2 = np.where(has_second, _pick_parent(rng, positions), -1)
    parent2[parent2 == parent1] = -1
    relation = RELATIONS[rng.choice(4, n, p=[0.45, 0.25, 0.15, 0.15])]
    relation = np.where(parent2 >= 0, "merge", relation)
    # the org's extra child: a model of a family organisation with a parent inside the family
    org_child = n_roots
    first_listed = {r.family: ids.index(r.models[0]) for r in roots.releases}
    org_of_family = {fam: org for org, fam in roots.organisations.items()}

    author_ids = np.minimum(rng.zipf(1.6, n), 5000)
    suffix = np.where(relation == "quantized", QUANT_SUFFIXES[rng.integers(0, 7, n)],
                      np.where(relation == "adapter", "lora",
                               np.where(relation == "merge", "merge", "ft")))
    prefix = NAME_PREFIXES[rng.integers(0, len(NAME_PREFIXES), n)]
    names = pd.Series(prefix).str.cat([pd.Series(suffix), pd.Series(positions.astype(str))],
                                      sep="-")
    derived = ("user" + pd.Series(author_ids.astype(str)) + "/" + names).tolist()
    ids = ids + derived[n_roots:]
    if org_of_family:
        fam = next(iter(org_of_family))
        ids[org_child] = f"{org_of_family[fam]}/extra-child"
        parent1[org_child] = first_listed[fam]
        parent2[org_child] = -1
        relation[org_child] = "finetune"

    licenses = _licenses(rng, parent1, root_licenses)
    days = _created(rng, parent1, root_dates)
    created = pd.to_datetime(epoch) + pd.to_timedelta(days, unit="D")
    downloads = (rng.pareto(1.1, n) * 50).astype(np.int64)
    downloads[:n_roots] *= 1000
    id_series = pd.Series(ids)

    # edges: declared parents, parents never crawled, self-loops and back edges (cycles)
    child_idx = np.concatenate([positions[parent1 >= 0], positions[parent2 >= 0]])
    parent_idx = np.concatenate([parent1[parent1 >= 0], parent2[parent2 >= 0]])
    edges = pd.DataFrame({
        "child": id_series.iloc[child_idx].to_numpy(),
        "parent": id_series.iloc[parent_idx].to_numpy(),
        "relation": relation[child_idx],
    })
    ghost = positions[(rng.random(n) < 0.015) & (parent1 >= 0)]
    loops = positions[(rng.random(n) < 0.002) & (parent1 >= 0)]
    back = positions[(parent1 >= n_roots)][: max(1, n // 5000)]
    extra = pd.DataFrame({
        "child": np.concatenate([id_series.iloc[ghost], id_series.iloc[loops],
                                 id_series.iloc[parent1[back]]]),
        "parent": np.concatenate([[f"ghost/missing-{i}" for i in ghost], id_series.iloc[loops],
                                  id_series.iloc[back]]),
        "relation": np.concatenate([relation[ghost], ["finetune"] * len(loops),
                                    ["finetune"] * len(back)]),
    })
    edges = pd.concat([edges, extra]).drop_duplicates(["child", "parent"])
    edges["source"] = np.where(rng.random(len(edges)) < 0.8, "card", "tag")

    base_model = {c: p for c, p in zip(edges["child"], edges["parent"], strict=True)}
    flags = rng.random((n, 3))
    card_data = [
        json.dumps({k: v for k, v in (
            ("license", lic), ("base_model", base_model.get(mid)),
            ("datasets", ["tatsu-lab/alpaca"] if f[0] < 0.3 else None),
            ("model-index", [{"name": mid}] if f[1] < 0.2 else None),
        ) if v is not None})
        for mid, lic, f in zip(ids, licenses, flags, strict=True)
    ]
    library = np.where(np.char.find(suffix.astype(str), "GGUF") >= 0, "gguf",
                       np.where(np.char.find(suffix.astype(str), "MLX") >= 0, "mlx",
                                np.where(relation == "adapter", "peft", "transformers")))
    library[:n_roots] = "transformers"
    models = pd.DataFrame({
        "id": ids, "author": id_series.str.split("/").str[0], "created_at": created,
        "last_modified": created + pd.Timedelta(days=1), "downloads": downloads,
        "downloads_all_time": downloads * 3, "likes": downloads // 100,
        "library_name": library, "pipeline_tag": "text-generation", "private": False,
        "disabled": False, "license": licenses, "card_data": card_data, "gone": False,
    })
    _insert(conn, "models", models)
    _insert(conn, "edges", edges)

    tag_frames = [
        pd.DataFrame({"model_id": id_series[library == "gguf"], "tag": "gguf"}),
        pd.DataFrame({"model_id": id_series[library == "mlx"], "tag": "mlx"}),
        pd.DataFrame({"model_id": id_series[flags[:, 2] < 0.15], "tag": "arxiv:2302.13971"}),
        pd.DataFrame({"model_id": id_series[flags[:, 0] < 0.3], "tag": "dataset:tatsu-lab/alpaca"}),
    ]
    with_license = pd.Series(licenses).notna().to_numpy()
    tag_frames.append(pd.DataFrame({"model_id": id_series[with_license],
                                    "tag": "license:" + pd.Series(licenses)[with_license]}))
    _insert(conn, "model_tags", pd.concat(tag_frames).drop_duplicates())

    carded = positions[rng.random(n) < 0.4]
    body_kind = rng.integers(0, 3, len(carded))
    bodies = np.array(BODIES, dtype=object)[body_kind]
    _insert(conn, "cards", pd.DataFrame({
        "model_id": id_series.iloc[carded].to_numpy(), "body": bodies,
        "metadata": np.array(card_data, dtype=object)[carded],
        "size_bytes": [len(b) for b in bodies], "truncated": False,
        "fetched_at": datetime(2025, 10, 1),
    }))


def fixture_db(path: str | Path, n_models: int = 3000, seed: int = 7) -> Path:
    """A random Hub plus a hostile model name and card, closed and ready to open read-only."""
    conn = create_db(path)
    random_hub(conn, n_models, seed)
    add_models(conn, [{"id": HOSTILE_ID, "license": "apache-2.0", "downloads": 10**9,
                       "created_at": datetime(2024, 8, 1)}])
    add_edges(conn, [(HOSTILE_ID, "meta-llama/Llama-3.1-8B", "finetune")])
    add_cards(conn, [{"model_id": HOSTILE_ID, "body": HOSTILE_BODY, "size_bytes": 60,
                      "metadata": {"license": "apache-2.0"}}])
    conn.close()
    return Path(path)


def random_hub_db(path: str | Path, n_models: int, seed: int) -> Path:
    """A random Hub written to `path` and closed, for the metric cross-checks."""
    conn = create_db(path)
    random_hub(conn, n_models, seed)
    conn.close()
    return Path(path)


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
