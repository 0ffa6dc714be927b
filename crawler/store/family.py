"""A family crawl's storage: its breadth-first queue (`crawl_frontier`) and the family closure.

The queue is a table so a killed family crawl resumes where it was: a batch of models whose
children were listed is marked done in the transaction that stores the children. When the crawl
lists the whole Hub instead, the closure below the seeds is computed in SQL over the staged pages
and only the family is moved into the tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import duckdb

from crawler.store import ingest, meta
from crawler.store.inference import INFERRED_COLUMNS, RELEASE_COLUMNS
from crawler.store.listing import apply_page, deduplicate, stage_pages
from crawler.store.meta import Checkpoints
from crawler.store.runs import Tally

if TYPE_CHECKING:
    from crawler.store.database import Database


class FamilyStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def queue_seeds(self, organisations: list[str], seeds: list[str]) -> None:
        """Queue the stored models of the families' organisations and the named roots."""
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT INTO crawl_frontier SELECT id, 0, false FROM models "
                "WHERE NOT gone AND (author IN (SELECT unnest(?)) OR id IN (SELECT unnest(?))) "
                "ON CONFLICT DO NOTHING", [organisations, seeds])

    def next_batch(self, size: int) -> list[tuple[str, int]]:
        """The next models whose children to list: (model id, generation), oldest first."""
        return self.db.conn.execute(
            "SELECT model_id, generation FROM crawl_frontier WHERE NOT done "
            "ORDER BY generation, model_id LIMIT ?", [size]).fetchall()

    def progress(self) -> tuple[int, int]:
        """(models whose children are listed, models still queued)."""
        return self.db.conn.execute(
            "SELECT count(*) FILTER (WHERE done), count(*) FILTER (WHERE NOT done) "
            "FROM crawl_frontier").fetchone()

    def store_children(self, bodies: Iterable[str], batch: list[tuple[str, int]], run_id: int,
                       spent: Callable[[], Tally]) -> Tally:
        """Store the children listed for a batch (their listing pages, parsed one by one as
        they come), queue the new ones one generation below, and mark the batch done, in one
        transaction; `spent()`, asked once the pages are in, gives the requests they took."""
        with self.db.transaction() as tx:
            stage_pages(tx, bodies)
            tx.execute("INSERT INTO crawl_frontier SELECT id, ?, false FROM page "
                       "ON CONFLICT DO NOTHING", [max(g for _, g in batch) + 1])
            done = apply_page(tx, run_id)
            tx.execute("UPDATE crawl_frontier SET done = true "
                       "WHERE model_id IN (SELECT unnest(?))", [[m for m, _ in batch]])
            self.db.runs.add(tx, run_id, done + spent())
        return done

    def clear_frontier(self) -> None:
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM crawl_frontier")

    def seen_by_run(self, ids: list[str], run_id: int) -> set[str]:
        """Which of these ids this run has stored (listed or fetched)."""
        return {row[0] for row in self.db.conn.execute(
            "SELECT id FROM models WHERE id IN (SELECT unnest(?)) AND last_seen_run = ?",
            [ids, run_id]).fetchall()}

    def outside(self, conn: duckdb.DuckDBPyConnection, ids: list[str], organisations: list[str],
                seeds: list[str]) -> list[str]:
        """Which of `ids` no documented or inferred parents lead up to a live model of the
        organisations or a seed, through live models (on `conn`, inside the caller's
        transaction)."""
        return [row[0] for row in conn.execute(
            """
            WITH RECURSIVE graph AS (SELECT child, parent FROM edges
                                     UNION ALL SELECT child, parent FROM inferred_edges),
            fam(id) AS (
                SELECT id FROM models WHERE NOT gone
                AND (author IN (SELECT unnest($orgs)) OR id IN (SELECT unnest($seeds)))
                UNION
                SELECT g.child FROM graph g JOIN fam ON g.parent = fam.id
                JOIN models m ON m.id = g.child AND NOT m.gone
            )
            SELECT id FROM (SELECT unnest($ids) AS id) WHERE id NOT IN (SELECT id FROM fam)
            ORDER BY id
            """, {"ids": ids, "orgs": organisations, "seeds": seeds}).fetchall()]

    def stage_graph(self) -> None:
        """The staged pages as the table `staged_listing` (each model once, its newest listing)
        and their edges as `staged_edges`, so their names can be made canonical
        (crawler/lineage/canonical.py) and undocumented members found before the closure is
        taken. Real tables, not temporary: the connection is handed to readers in between."""
        with self.db.transaction() as tx:
            self.db.listing.read_stage(tx, "staged_listing", "SELECT * FROM {rows}",
                                       temporary=False)
            deduplicate(tx, "staged_listing")
            tx.execute("CREATE OR REPLACE TEMP TABLE page AS FROM staged_listing")
            tx.execute("CREATE OR REPLACE TABLE staged_edges AS " + ingest.EDGES_OF_PAGE)
            tx.execute("DROP TABLE page")

    def _closure(self, whole_hub: bool) -> str:
        """SQL: the ids descending from a seed through the staged graph (documented edges, and
        inferred ones when `staged_inferred` exists; models attributed to a release when
        `staged_releases` does), $orgs and $seeds bound."""
        stored = "" if whole_hub else "UNION SELECT id FROM models WHERE NOT gone"
        inferred = ("UNION ALL SELECT child, parent FROM staged_inferred"
                    if self._exists("staged_inferred") else "")
        attributed = ("UNION SELECT child FROM staged_releases"
                      if self._exists("staged_releases") else "")
        return f"""
            WITH RECURSIVE graph AS (SELECT child, parent FROM staged_edges {inferred}),
            fam(id) AS (
                SELECT id FROM staged_listing
                WHERE author IN (SELECT unnest($orgs)) OR id IN (SELECT unnest($seeds))
                {stored}
                {attributed}
                UNION
                SELECT g.child FROM graph g JOIN fam ON g.parent = fam.id
            )
            SELECT DISTINCT id FROM fam"""

    def _exists(self, table: str) -> bool:
        return bool(self.db.conn.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary",
            [table]).fetchone()[0])

    def members(self, organisations: list[str], seeds: list[str]) -> list[tuple]:
        """(id, downloads, created_at) of the staged models in the family so far."""
        return self.db.conn.execute(
            f"SELECT s.id, any_value(s.downloads), any_value(s.created_at) "
            f"FROM staged_listing s WHERE s.id IN ({self._closure(True)}) GROUP BY s.id",
            {"orgs": organisations, "seeds": seeds}).fetchall()

    def undocumented_outside(self, members: list[str],
                             batch: int = 10_000) -> Iterator[list[dict[str, Any]]]:
        """Evidence rows (as InferenceStore.evidence, plus `sha` and `card_read`) of the
        staged models that name no parent and are not yet family members: the family's
        undocumented candidates. A card or evidence file already read at the staged sha comes
        with them; `card_read` is true once the card was looked for at that sha, also when
        there was none to read (gated, no README.md), so it is not asked again."""
        cursor = self.db.conn.execute(
            """
            WITH staged AS (
                SELECT * FROM staged_listing
                QUALIFY row_number() OVER (PARTITION BY id
                                           ORDER BY last_modified DESC NULLS LAST) = 1
            )
            SELECT s.id, s.sha, s.created_at, s.card_data, s.siblings, s.config, s.gguf,
                   c.body, c.model_id IS NOT NULL AS card_read, s.tags,
                   (SELECT map(list(f.filename), list(f.content)) FROM model_files f
                    WHERE f.model_id = s.id AND f.fetch_error IS NULL) AS files
            FROM staged s LEFT JOIN cards c ON c.model_id = s.id AND c.sha = s.sha
            WHERE s.id NOT IN (SELECT child FROM staged_edges)
              AND s.id NOT IN (SELECT unnest($members))
            ORDER BY s.id
            """, {"members": members})
        names = [d[0] for d in cursor.description]
        while rows := cursor.fetchmany(batch):
            yield [dict(zip(names, row, strict=True)) for row in rows]

    def staged_files_to_fetch(self, names: list[str]) -> list[tuple[str, str, str]]:
        """(id, sha, file) of the files called `names` that undocumented staged models show
        and that were not read at their sha."""
        return self.db.conn.execute(
            """
            SELECT DISTINCT s.id, s.sha, f FROM staged_listing s, unnest(s.siblings) AS t(f)
            WHERE list_contains($names, f) AND s.sha IS NOT NULL
              AND s.id NOT IN (SELECT child FROM staged_edges)
              AND NOT EXISTS (SELECT 1 FROM model_files m WHERE m.model_id = s.id
                              AND m.filename = f AND m.sha = s.sha)
            ORDER BY 1, 3
            """, {"names": names}).fetchall()

    def add_staged_inferred(self, rows: list[tuple], releases: list[tuple] = ()) -> None:
        """Parents inferred for staged candidates (INFERRED_COLUMNS) and their release
        attributions (RELEASE_COLUMNS): they extend the closure, and the kept ones go to
        inferred_edges and inferred_releases with the family."""
        import pandas as pd  # deferred: `hf-lineage tree` loads this module

        with self.db.transaction() as tx:
            for staged, table, columns, values in (
                    ("staged_inferred", "inferred_edges", INFERRED_COLUMNS, rows),
                    ("staged_releases", "inferred_releases", RELEASE_COLUMNS, releases)):
                if not values:
                    continue
                tx.execute(f"CREATE TABLE IF NOT EXISTS {staged} AS "
                           f"SELECT * FROM {table} WITH NO DATA")
                tx.register("found", pd.DataFrame(list(values), columns=list(columns)))
                tx.execute(f"INSERT INTO {staged} SELECT * FROM found")
                tx.unregister("found")

    def apply_closure(self, organisations: list[str], seeds: list[str], *, whole_hub: bool,
                      run_id: int, spent: Tally, checkpoints: Checkpoints) -> Tally:
        """Move into the tables the staged models that descend from a seed (through
        `staged_edges`, see stage_graph, and `staged_inferred`), and empty the stage.

        `whole_hub`: the stage is a listing of the whole Hub (its size is kept as the
        checkpoint HUB_SIZE, for the run to store once it knows the listing was complete);
        otherwise it holds changed models only, which may also descend from stored family
        models."""
        closure = self._closure(whole_hub)
        staged = [(name, table) for name, table in (("staged_inferred", "inferred_edges"),
                                                    ("staged_releases", "inferred_releases"))
                  if self._exists(name)]
        with self.db.transaction() as tx:
            if whole_hub:
                hub_size = tx.execute("SELECT count(*) FROM staged_listing").fetchall()[0][0]
                checkpoints.write(tx, meta.HUB_SIZE, str(hub_size))
            tx.execute(f"CREATE OR REPLACE TEMP TABLE family_ids AS {closure}",
                       {"orgs": organisations, "seeds": seeds})
            tx.execute("CREATE OR REPLACE TEMP TABLE page AS FROM staged_listing "
                       "WHERE id IN (SELECT id FROM family_ids)")
            done = apply_page(tx, run_id)
            for name, table in staged:
                tx.execute(f"DELETE FROM {table} WHERE child IN (SELECT child FROM {name})")
                tx.execute(f"INSERT INTO {table} SELECT * FROM {name} "
                           "WHERE child IN (SELECT id FROM family_ids)")
                tx.execute(f"DROP TABLE {name}")
            for table in ("page", "staged_edges", "family_ids", "staged_listing"):
                tx.execute(f"DROP TABLE {table}")
            self.db.listing.clear_stage(tx)
            self.db.runs.add(tx, run_id, done + spent)
        self.db.listing.stage.remove_after(0)
        return done
