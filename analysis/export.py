"""Export the crawl and its lineage as Hive-partitioned Parquet (Spark, Trino, DuckDB read it).

Each dataset is a directory `<name>/<key>=<value>/…/<uuid>.parquet` written by DuckDB's
COPY … PARTITION_BY. NULL keys land in `__HIVE_DEFAULT_PARTITION__`, the convention all three
engines understand. The output path is the only value spliced into SQL, as a quoted literal.

The export folder is owned (analysis.export_folder): a new or empty folder, or one an earlier
export marked. A new export appends fresh uuid-named files (COPY's APPEND never overwrites),
records them in the marker, and only then deletes the files the earlier export recorded, so
nothing it did not write is ever deleted and an interrupted export loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from analysis import lineage
from analysis.export_folder import ExportFolder
from hf_lineage.errors import StorageError, one_line


@dataclass(frozen=True)
class Dataset:
    name: str
    query: str
    partition_by: tuple[str, ...]


DATASETS = (
    Dataset("models", """
        SELECT m.*, coalesce(f.family, 'none') AS family, year(m.created_at) AS created_year
        FROM models m LEFT JOIN family_members f ON f.model_id = m.id
    """, ("family", "created_year")),
    Dataset("edges", "SELECT * FROM edges", ("relation",)),
    Dataset("model_tags", """
        SELECT *, CASE WHEN tag LIKE '%:%' AND split_part(tag, ':', 1) IN
                           ('license', 'base_model', 'dataset', 'arxiv', 'region', 'doi')
                       THEN split_part(tag, ':', 1) ELSE 'other' END AS tag_kind
        FROM model_tags
    """, ("tag_kind",)),
    Dataset("cards", "SELECT *, fetch_error IS NULL AS fetched FROM cards", ("fetched",)),
    Dataset("model_roots", "SELECT * FROM model_roots", ("family",)),
    Dataset("releases", "SELECT * FROM lineage_release_dates", ("family",)),
    Dataset("roots_not_found", "SELECT * FROM roots_not_found", ("kind",)),
    Dataset("family_members", "SELECT * FROM family_members", ("family",)),
    Dataset("license_drift", "SELECT * FROM license_drift", ("drift",)),
    Dataset("snapshots", "SELECT * FROM snapshots", ("run_id",)),
    Dataset("crawl_runs", "SELECT * FROM crawl_runs", ("mode",)),
)


def _literal(path: Path) -> str:
    """A SQL string literal (COPY takes no parameter for its target)."""
    return "'" + str(path).replace("'", "''") + "'"


def export_parquet(conn: duckdb.DuckDBPyConnection, out_dir: str | Path) -> dict[str, int]:
    """Write every dataset under `out_dir`, replacing what an earlier export wrote there (and
    nothing else); rows written per dataset."""
    lineage.prepare(conn)
    folder = ExportFolder.claim(out_dir, {dataset.name for dataset in DATASETS})
    earlier = folder.files.copy()
    written = {}
    for dataset in DATASETS:
        keys = ", ".join(dataset.partition_by)
        try:
            rows, files = conn.execute(
                f"COPY ({dataset.query}) TO {_literal(folder.root / dataset.name)} "
                f"(FORMAT parquet, PARTITION_BY ({keys}), APPEND, RETURN_FILES)"
            ).fetchall()[0]
        except duckdb.IOException as exc:  # a full disk, a read-only folder
            raise StorageError(f"export to {out_dir} failed: {one_line(exc)}") from exc
        folder.record(files)
        written[dataset.name] = rows
    folder.forget(earlier)
    return written
