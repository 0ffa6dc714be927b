"""Item 6: `hf-lineage sql` output in bounded memory, whatever the size of the result.

A crawler-schema database is built directly with DuckDB SQL: N models with 15 tags each (the
2,000,000-model Hub's 30,000,000 tag rows; 15 is the tag count of a typical model page, e.g.
the 19 of ../shared/hub-samples/model-info-google-bert-bert-base-uncased.json, a little less
for smaller repos). `SELECT * FROM model_tags` is then written by the whole command, one fresh
process per run, in each format; its peak RSS is the process's own VmHWM (bench.common.
run_measured; stdout to /dev/null, Parquet to a scratch file).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import duckdb

from bench.common import CACHE, Section, at_most, info, run_measured
from crawler.store.database import migrations

TAGS_PER_MODEL = 15
RSS_TARGET_MB = 1024
FORMATS = ("csv", "json", "parquet", "table")
QUERY = "SELECT * FROM model_tags"
# Tags of the kinds the Hub serves (library, framework, task, language, dataset, arxiv, license,
# base model, region …), drawn per model from a fixed list.
TAGS = ["transformers", "safetensors", "pytorch", "llama", "text-generation", "conversational",
        "en", "dataset:HuggingFaceH4/ultrachat_200k", "arxiv:2307.09288", "license:llama3.1",
        "base_model:meta-llama/Llama-3.1-8B", "base_model:finetune:meta-llama/Llama-3.1-8B",
        "text-generation-inference", "endpoints_compatible", "region:us", "gguf", "mistral",
        "fr", "license:apache-2.0", "autotrain_compatible"]


def tags_db(n_models: int) -> Path:
    """The cached benchmark database: the crawler's schema, `n_models` models and their tags."""
    path = CACHE / f"sql-tags-{n_models}.duckdb"
    if path.exists() and not Path(f"{path}.wal").exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    conn = duckdb.connect(str(path))
    for step in migrations().values():
        conn.execute(step)
    conn.execute(f"""
        INSERT INTO models (id, author, created_at, downloads, likes, library_name,
                            pipeline_tag, private, disabled, gone)
        SELECT 'org' || (i % 40000) || '/model-' || i, 'org' || (i % 40000),
               TIMESTAMP '2023-01-01' + INTERVAL (i % 700) DAY, i % 997, i % 13,
               'transformers', 'text-generation', false, false, false
        FROM range({n_models}) r(i)""")
    conn.execute(f"""
        INSERT INTO model_tags
        SELECT 'org' || (i % 40000) || '/model-' || i, ($tags)[1 + (i * 7 + j) % {len(TAGS)}]
        FROM range({n_models}) r(i), range({TAGS_PER_MODEL}) s(j)""", {"tags": TAGS})
    conn.close()
    return path


def run_command(db: Path, fmt: str, scratch: Path) -> tuple[float, float]:
    """Peak RSS (MB) and wall time (s) of `hf-lineage sql QUERY --format FMT` on `db`."""
    out = ["--out", str(scratch / "tags.parquet")] if fmt == "parquet" else []
    run = run_measured(["sql", QUERY, "--db", str(db), "--format", fmt, *out])
    if run.returncode != 0:
        raise RuntimeError(f"hf-lineage sql --format {fmt} failed: {run.stderr}")
    return run.peak_rss_mb, run.seconds


def sql_output(n_models: int, runs: int) -> Section:
    began = time.perf_counter()
    db = tags_db(n_models)
    build_s = time.perf_counter() - began
    rows = n_models * TAGS_PER_MODEL
    section = Section(
        "6. sql output",
        "python -m bench.run --only sql",
        f"`hf-lineage sql \"{QUERY}\" --format F` on a crawler-schema database of "
        f"{n_models:,} models and {rows:,} tag rows ({db.stat().st_size / 2**20:,.0f} MB, "
        "built with DuckDB SQL); each run a fresh process, stdout to /dev/null (Parquet to a "
        "scratch file). Peak RSS is the whole process: Python, imports, DuckDB and the writer.",
    )
    with tempfile.TemporaryDirectory(prefix="bench-sql-") as scratch:
        for fmt in FORMATS:
            measured = [run_command(db, fmt, Path(scratch)) for _ in range(runs)]
            note = "first 1,000 rows shown (the default --max-rows)" if fmt == "table" else ""
            section.figures += [
                at_most(f"--format {fmt}: peak RSS", [m[0] for m in measured], "MB",
                        RSS_TARGET_MB, note=note),
                info(f"--format {fmt}: wall time", [m[1] for m in measured], "s"),
            ]
    section.details.append(f"database built or reused in {build_s:.1f} s: {db}")
    return section
