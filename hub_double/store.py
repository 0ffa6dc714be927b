"""The Hub double's data: one DuckDB database holding every served model.

Kept in DuckDB rather than Python objects so that a 2,000,000-model Hub is served with a bounded
memory footprint, and so that listings (filters, sorts, cursors) are plain indexed queries.
Tests mutate it (touch, add, delete, gate models) while the server runs; every method opens its
own cursor so the server's threads and the test can share one store.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from hub_double import identity

MODEL_COLUMNS: dict[str, str] = {
    "idx": "BIGINT",  # stable insertion order; the default listing order and the cursor key
    "id": "VARCHAR",  # repo id, "author/name" (or a bare legacy name)
    "object_id": "VARCHAR",  # the Hub's `_id`: 24 hex digits
    "author": "VARCHAR",
    "sha": "VARCHAR",
    "created_at": "TIMESTAMP",
    "last_modified": "TIMESTAMP",
    "private": "BOOLEAN",
    "gated": "VARCHAR",  # NULL (not gated), 'auto' or 'manual'
    "disabled": "BOOLEAN",
    "downloads": "BIGINT",
    "downloads_all_time": "BIGINT",
    "likes": "BIGINT",
    "trending_score": "DOUBLE",
    "library_name": "VARCHAR",
    "pipeline_tag": "VARCHAR",
    "tags": "VARCHAR[]",  # as the Hub derives them: license:…, base_model:…, dataset:…, gguf …
    "card_data": "JSON",  # the card's YAML as the Hub parsed it; NULL when absent or broken
    "card": "BLOB",  # README.md bytes; NULL with has_readme means "render from card_data"
    "has_readme": "BOOLEAN",
    # How a README not stored in `card` is written (hub_double/generator/readmes.py): a template
    # and the body length it aims at; NULL: a short default body.
    "card_template": "VARCHAR",
    "card_length": "INTEGER",
    "model_type": "VARCHAR",  # config.json's model_type (llama, qwen2 ...); NULL: none or unknown
    "files": "JSON",  # what the repo's files say beyond the defaults: hub_double/files/__init__.py
}

TRUTH_MODEL_COLUMNS: dict[str, str] = {
    "id": "VARCHAR",
    "family": "VARCHAR",  # 'llama', 'deepseek', 'both' (a bridge) or NULL for background models
    "roots": "VARCHAR[]",  # roots it descends from: listed ones, and unlisted organisation models
                           # descending from none (the analysis's family roots)
    "license": "VARCHAR",  # the license the card declares (NULL when none)
    "depth": "INTEGER",  # shortest distance to a root; 0 for roots
    # The same over every edge, documented or not (truth_edges.documented): the lineage a perfect
    # inference would find. The LLaMA-1 wave's conversions of the leaked weights count as roots.
    "full_family": "VARCHAR",
    "full_roots": "VARCHAR[]",
}

TRUTH_EDGE_COLUMNS: dict[str, str] = {
    "child": "VARCHAR",
    "parent": "VARCHAR",
    "relation": "VARCHAR",  # finetune | adapter | quantized | merge | unspecified
    "parent_exists": "BOOLEAN",
    "documented": "BOOLEAN",  # the card's base_model (and the Hub's tags) name it; if not, only
                              # the evidence below, if any, reveals it
    "evidence": "VARCHAR[]",  # the inference sources whose evidence the repo carries for this
                              # parent (card_text, card_merge, card_links, adapter_config,
                              # mergekit_config, gguf, config, repo_name); [] = none
}
# What a truth frame may leave out (hand-built and sample stores): every edge documented.
TRUTH_DEFAULTS = {"documented": True}


# How cards write parents whose names are not the ids the Hub's tags carry: one row per card.
TRUTH_ALIAS_COLUMNS: dict[str, str] = {
    "child": "VARCHAR",
    "alias": "VARCHAR",  # the parent as the card writes it
    "canonical": "VARCHAR",  # the repo the Hub answers that name with; NULL: none (a local path)
    "meant": "VARCHAR",  # the repo the child was made from
    "how": "VARCHAR",  # legacy | renamed | case | local_path
    "tagged": "BOOLEAN",  # the Hub's base_model tags carry the canonical id
}


def _ddl(table: str, columns: dict[str, str]) -> str:
    cols = ", ".join(f"{name} {kind}" for name, kind in columns.items())
    return f"CREATE TABLE IF NOT EXISTS {table} ({cols})"


def fake_sha(*parts: object) -> str:
    """A deterministic 40-hex commit id, so regenerated Hubs are identical."""
    return hashlib.sha1("\x1f".join(map(str, parts)).encode()).hexdigest()


class HubStore:
    """The double's models, the generator's ground truth, and helpers tests use to mutate them."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = str(path) if path else ":memory:"
        self._conn = duckdb.connect(self.path)
        self._lock = threading.Lock()
        self._conn.execute(_ddl("models", MODEL_COLUMNS))
        self._conn.execute(_ddl("truth_models", TRUTH_MODEL_COLUMNS))
        self._conn.execute(_ddl("truth_edges", TRUTH_EDGE_COLUMNS))
        self._conn.execute(_ddl("truth_aliases", TRUTH_ALIAS_COLUMNS))
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS model_tags (idx BIGINT, tag VARCHAR)"
        )
        self._conn.execute("CREATE TABLE IF NOT EXISTS deleted (id VARCHAR)")
        # Each id lowercased, for the Hub's case-insensitive lookup of a name (an indexed point
        # query: lower(id) over models is a scan of the whole Hub per request).
        self._conn.execute("CREATE TABLE IF NOT EXISTS model_case (id_lower VARCHAR, id VARCHAR)")
        self._index_case()
        # Names that still reach a repo: 'renamed' (the old id answers 307 to the new one) and
        # 'legacy' (an id without namespace, answered with the namespaced repo), as on the Hub.
        self._conn.execute("CREATE TABLE IF NOT EXISTS repo_aliases "
                           "(alias VARCHAR PRIMARY KEY, canonical VARCHAR, kind VARCHAR)")
        # What this Hub is (identity()), kept with a store written to a file.
        self._conn.execute("CREATE TABLE IF NOT EXISTS identity (description VARCHAR)")

    # -- access ---------------------------------------------------------------------------------
    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A connection for one thread (DuckDB connections are not shared across threads)."""
        return self._conn.cursor()

    def close(self) -> None:
        self._conn.close()

    def identity(self) -> str:
        """What this Hub is, as the double says it on every answer (hub_double.identity): a
        generated Hub with its seed, the captured samples, or hand-built rows (the default)."""
        row = self.cursor().execute("SELECT description FROM identity").fetchone()
        return row[0] if row else identity.HAND_BUILT

    def set_identity(self, description: str) -> None:
        with self._lock:
            cur = self.cursor()
            cur.execute("DELETE FROM identity")
            cur.execute("INSERT INTO identity VALUES (?)", [description])

    def count(self) -> int:
        return self.cursor().execute("SELECT count(*) FROM models").fetchone()[0]

    def next_idx(self) -> int:
        return self.cursor().execute("SELECT coalesce(max(idx) + 1, 0) FROM models").fetchone()[0]

    # -- loading --------------------------------------------------------------------------------
    def add_models(self, frame: pd.DataFrame) -> None:
        """Append models (a generator chunk or the samples); `idx` is assigned if absent."""
        frame = frame.copy()
        with self._lock:
            if "idx" not in frame:
                start = self.next_idx()
                frame["idx"] = range(start, start + len(frame))
            for name in MODEL_COLUMNS:
                if name not in frame:
                    frame[name] = None
            frame = frame[list(MODEL_COLUMNS)]
            cur = self.cursor()
            cur.register("incoming", frame)
            casts = ", ".join(f"CAST({n} AS {k}) AS {n}" for n, k in MODEL_COLUMNS.items())
            cur.execute(f"INSERT INTO models SELECT {casts} FROM incoming")
            cur.execute("INSERT INTO model_case SELECT lower(id), id FROM incoming")
            cur.execute(
                "INSERT INTO model_tags "
                "SELECT idx, unnest(CAST(tags AS VARCHAR[])) FROM incoming"
            )
            cur.unregister("incoming")

    def add_truth(
        self, models: pd.DataFrame | None = None, edges: pd.DataFrame | None = None,
        aliases: pd.DataFrame | None = None,
    ) -> None:
        cur = self.cursor()
        for table, frame, columns in (
            ("truth_models", models, TRUTH_MODEL_COLUMNS),
            ("truth_edges", edges, TRUTH_EDGE_COLUMNS),
            ("truth_aliases", aliases, TRUTH_ALIAS_COLUMNS),
        ):
            if frame is None or frame.empty:
                continue
            frame = frame.assign(**{name: TRUTH_DEFAULTS.get(name) for name in columns
                                    if name not in frame})
            cur.register("incoming", frame[list(columns)])
            # cast each column: a chunk whose column is all None has no type of its own
            casts = ", ".join(f"CAST({n} AS {k})" for n, k in columns.items())
            cur.execute(f"INSERT INTO {table} SELECT {casts} FROM incoming")
            cur.unregister("incoming")

    def finish_loading(self) -> None:
        """Build the indexes listings rely on; call once after bulk loading."""
        cur = self.cursor()
        cur.execute("CREATE UNIQUE INDEX IF NOT EXISTS models_id ON models(id)")
        cur.execute("CREATE INDEX IF NOT EXISTS model_tags_tag ON model_tags(tag)")
        cur.execute("CREATE INDEX IF NOT EXISTS models_author ON models(author)")
        self._index_case()

    def _index_case(self) -> None:
        """Index `model_case`, filling it first for a store written before it existed."""
        models, cased = self._conn.execute(
            "SELECT (SELECT count(*) FROM models), (SELECT count(*) FROM model_case)").fetchone()
        if models != cased:
            self._conn.execute("DELETE FROM model_case")
            self._conn.execute("INSERT INTO model_case SELECT lower(id), id FROM models")
        if models:
            self._conn.execute(
                "CREATE INDEX IF NOT EXISTS model_case_lower ON model_case(id_lower)")

    # -- mutations used by tests ----------------------------------------------------------------
    def touch(self, ids: Iterable[str], when: datetime | None = None) -> None:
        """Simulate a push: new sha, newer lastModified, a card edit."""
        when = when or datetime.now(UTC).replace(tzinfo=None)
        cur = self.cursor()
        for model_id in ids:
            cur.execute(
                "UPDATE models SET sha = ?, last_modified = ?, card = CASE WHEN card IS NULL "
                "THEN NULL ELSE card || CAST(? AS BLOB) END WHERE id = ?",
                [fake_sha(model_id, when.isoformat()), when, f"\n<!-- edit {when} -->\n", model_id],
            )

    def edit_card(self, model_id: str, card_data: str, tags: list[str], when: datetime) -> None:
        """Simulate a push that rewrites the card's YAML: new card_data and tags, new sha."""
        cur = self.cursor()
        with self._lock:
            idx = cur.execute("SELECT idx FROM models WHERE id = ?", [model_id]).fetchone()[0]
            cur.execute("UPDATE models SET card_data = ?, tags = ?, sha = ?, last_modified = ? "
                        "WHERE idx = ?",
                        [card_data, tags, fake_sha(model_id, when.isoformat()), when, idx])
            cur.execute("DELETE FROM model_tags WHERE idx = ?", [idx])
            cur.execute("INSERT INTO model_tags SELECT ?, unnest(CAST(? AS VARCHAR[]))",
                        [idx, tags])

    def add_alias(self, alias: str, canonical: str, kind: str = "renamed") -> None:
        """`alias` names `canonical` from now on: 'renamed' (a repo moved: 307 to the new id)
        or 'legacy' (an id without namespace the Hub answers with the namespaced repo)."""
        if kind not in ("renamed", "legacy"):
            raise ValueError(f"alias kind must be 'renamed' or 'legacy', not {kind!r}")
        self.cursor().execute("INSERT OR REPLACE INTO repo_aliases VALUES (?, ?, ?)",
                              [alias, canonical, kind])

    def set_counts(self, model_id: str, downloads: int, likes: int) -> None:
        """Downloads and likes move without touching lastModified, as on the Hub."""
        self.cursor().execute(
            "UPDATE models SET downloads = ?, likes = ? WHERE id = ?", [downloads, likes, model_id]
        )

    def set_gated(self, model_id: str, gated: str | None) -> None:
        self.cursor().execute("UPDATE models SET gated = ? WHERE id = ?", [gated, model_id])

    def delete(self, model_id: str) -> None:
        cur = self.cursor()
        with self._lock:
            row = cur.execute("SELECT idx FROM models WHERE id = ?", [model_id]).fetchone()
            if row is None:
                return
            cur.execute("DELETE FROM model_tags WHERE idx = ?", [row[0]])
            cur.execute("DELETE FROM models WHERE idx = ?", [row[0]])
            cur.execute("DELETE FROM model_case WHERE id = ?", [model_id])
            cur.execute("INSERT INTO deleted VALUES (?)", [model_id])
