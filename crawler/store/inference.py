"""Lineage inference's storage: the evidence it reads, the files it fetched, what it inferred.

Evidence for a model comes from the tables the crawl already fills (the listing's tags, file
names, config and GGUF summaries; the card) and from `model_files`, the few repo files fetched
for inference (adapter and mergekit configs, config.json, a GGUF header), read again only when
the repo's sha changed, like cards. What inference concludes goes to `inferred_edges`, never to
`edges`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import duckdb

from crawler.store.runs import Tally

if TYPE_CHECKING:
    from crawler.store.database import Database

# Evidence files by the name the listing's `siblings` shows them under.
EVIDENCE_FILES = ("adapter_config.json", "mergekit_config.yml", "mergekit_config.yaml",
                  "config.json")
INFERRED_COLUMNS = ("child", "parent", "relation", "source", "rule", "evidence", "confidence",
                    "resolved", "parent_declared", "supporting", "inferred_at")
RELEASE_COLUMNS = ("child", "family", "release", "root", "size", "relation", "rule", "evidence",
                   "confidence", "inferred_at")

# Live models with all their evidence, one row each, those `{where}` selects.
_EVIDENCE = """
SELECT m.id, m.created_at, m.card_data, m.siblings, m.config, m.gguf, c.body,
       (SELECT list(tag) FROM model_tags t WHERE t.model_id = m.id) AS tags,
       (SELECT map(list(f.filename), list(f.content)) FROM model_files f
        WHERE f.model_id = m.id AND f.fetch_error IS NULL) AS files
FROM models m LEFT JOIN cards c ON c.model_id = m.id
WHERE NOT m.gone AND {where}
ORDER BY m.id
"""
# Models that no stored edge names a parent of (or, documented, that one does).
_UNDOCUMENTED = _EVIDENCE.format(where="""m.id NOT IN (SELECT unnest($exclude))
  AND {documented} EXISTS (SELECT 1 FROM edges e WHERE e.child = m.id)""")


class InferenceStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def evidence(self, exclude: list[str], documented: bool = False,
                 batch: int = 10_000) -> Iterator[list[dict[str, Any]]]:
        """Evidence rows of the live models without (or, `documented`, with) a documented
        parent, `exclude` left out (the configured roots), in batches."""
        cursor = self.db.conn.execute(
            _UNDOCUMENTED.format(documented="" if documented else "NOT"),
            {"exclude": exclude})
        names = [d[0] for d in cursor.description]
        while rows := cursor.fetchmany(batch):
            yield [dict(zip(names, row, strict=True)) for row in rows]

    def evidence_of(self, ids: list[str], batch: int = 10_000
                    ) -> Iterator[list[dict[str, Any]]]:
        """Evidence rows of the live models among `ids` (documented or not), in batches."""
        cursor = self.db.conn.execute(_EVIDENCE.format(where="m.id IN (SELECT unnest($ids))"),
                                      {"ids": ids})
        names = [d[0] for d in cursor.description]
        while rows := cursor.fetchmany(batch):
            yield [dict(zip(names, row, strict=True)) for row in rows]

    def documented_parents(self) -> dict[str, set[str]]:
        """Each child's documented parents (lower case), for evaluation."""
        parents: dict[str, set[str]] = {}
        for child, parent in self.db.conn.execute("SELECT child, parent FROM edges").fetchall():
            parents.setdefault(child, set()).add(parent.lower())
        return parents

    def index_rows(self) -> list[tuple[str, int | None, Any]]:
        """(id, downloads, created_at) of every stored model: what names resolve against."""
        return self.db.conn.execute(
            "SELECT id, downloads, created_at FROM models").fetchall()

    def aliases(self) -> dict[str, str]:
        """Known spellings (lower case) -> canonical ids."""
        return {alias.lower(): canonical for alias, canonical in self.db.conn.execute(
            "SELECT alias, canonical FROM aliases WHERE canonical IS NOT NULL").fetchall()}

    def files_to_fetch(self, exclude: list[str]) -> list[tuple[str, str, str]]:
        """(model id, sha, file name) of the evidence files of undocumented models that the
        listing shows and that were not read at the repo's current sha: EVIDENCE_FILES, and
        each GGUF repo's first .gguf file (its header)."""
        return self.db.conn.execute(
            """
            WITH wanted AS (
                SELECT m.id, m.sha, f AS filename FROM models m, unnest(m.siblings) AS s(f)
                WHERE list_contains($names, f)
                UNION ALL
                SELECT m.id, m.sha,
                       list_sort(list_filter(m.siblings, lambda f: f ILIKE '%.gguf'))[1]
                FROM models m WHERE len(list_filter(m.siblings, lambda f: f ILIKE '%.gguf')) > 0
            )
            SELECT w.id, w.sha, w.filename FROM wanted w
            JOIN models m ON m.id = w.id
            LEFT JOIN model_files f ON f.model_id = w.id AND f.filename = w.filename
            WHERE NOT m.gone AND w.sha IS NOT NULL AND w.filename IS NOT NULL
              AND w.id NOT IN (SELECT unnest($exclude))
              AND NOT EXISTS (SELECT 1 FROM edges e WHERE e.child = w.id)
              AND (f.model_id IS NULL OR f.sha IS DISTINCT FROM w.sha)
            ORDER BY w.id, w.filename
            """, {"names": list(EVIDENCE_FILES), "exclude": exclude}).fetchall()

    def store_files(self, rows: list[dict[str, Any]], run_id: int, spent: Tally) -> None:
        """Upsert fetched evidence files (model_id, filename, sha, content, fetched_at,
        fetch_error) in one transaction."""
        if not rows:
            return
        import pandas as pd  # deferred: `hf-lineage tree` loads this module

        frame = pd.DataFrame(rows, columns=["model_id", "filename", "sha", "content",
                                            "fetched_at", "fetch_error"])
        with self.db.transaction() as tx:
            tx.register("fetched_files", frame)
            tx.execute("INSERT OR REPLACE INTO model_files SELECT * FROM fetched_files")
            tx.unregister("fetched_files")
            self.db.runs.add(tx, run_id, spent)

    def replace_inferred(self, conn: duckdb.DuckDBPyConnection, children: list[str],
                         rows: list[tuple], releases: list[tuple] = ()) -> None:
        """The inferred parents of `children` become `rows` (INFERRED_COLUMNS), their release
        attributions `releases` (RELEASE_COLUMNS)."""
        for table, columns, values in (("inferred_edges", INFERRED_COLUMNS, rows),
                                       ("inferred_releases", RELEASE_COLUMNS, releases)):
            conn.execute(f"DELETE FROM {table} WHERE child IN (SELECT unnest(?))", [children])
            if values:
                import pandas as pd  # deferred: `hf-lineage tree` loads this module

                conn.register("inferred", pd.DataFrame(list(values), columns=list(columns)))
                conn.execute(f"INSERT INTO {table} SELECT * FROM inferred")
                conn.unregister("inferred")

    def forget_documented(self, conn: duckdb.DuckDBPyConnection) -> None:
        """A model that documents its parents now needs no inferred ones."""
        for table in ("inferred_edges", "inferred_releases"):
            conn.execute(f"DELETE FROM {table} WHERE child IN (SELECT child FROM edges)")
