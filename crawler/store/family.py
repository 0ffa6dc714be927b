"""A family crawl's storage: its breadth-first queue (`crawl_frontier`) and the family closure.

The queue is a table so a killed family crawl resumes where it was: a batch of models whose
children were listed is marked done in the transaction that stores the children. When the crawl
lists the whole Hub instead, the closure below the seeds is computed in SQL over the staged pages
and only the family is moved into the tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.store import ingest, meta
from crawler.store.listing import apply_page, deduplicate, stage_json
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

    def store_children(self, body: str, batch: list[tuple[str, int]], run_id: int,
                       spent: Tally) -> Tally:
        """Store the children listed for a batch (one JSON array), queue the new ones one
        generation below, and mark the batch done, in one transaction."""
        with self.db.transaction() as tx:
            stage_json(tx, body)
            tx.execute("INSERT INTO crawl_frontier SELECT id, ?, false FROM page "
                       "ON CONFLICT DO NOTHING", [max(g for _, g in batch) + 1])
            done = apply_page(tx, run_id)
            tx.execute("DROP TABLE page")
            tx.execute("UPDATE crawl_frontier SET done = true "
                       "WHERE model_id IN (SELECT unnest(?))", [[m for m, _ in batch]])
            self.db.runs.add(tx, run_id, done + spent)
        return done

    def clear_frontier(self) -> None:
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM crawl_frontier")

    def seen_by_run(self, ids: list[str], run_id: int) -> set[str]:
        """Which of these ids this run has stored (listed or fetched)."""
        return {row[0] for row in self.db.conn.execute(
            "SELECT id FROM models WHERE id IN (SELECT unnest(?)) AND last_seen_run = ?",
            [ids, run_id]).fetchall()}

    def apply_closure(self, organisations: list[str], seeds: list[str], *, whole_hub: bool,
                      run_id: int, spent: Tally) -> Tally:
        """Move into the tables the staged models that descend from a seed, and empty the stage.

        `whole_hub`: the stage is a listing of the whole Hub (its size is recorded); otherwise
        it holds changed models only, which may also descend from stored family models."""
        stored = "" if whole_hub else "UNION SELECT id FROM models WHERE NOT gone"
        listing = self.db.listing
        with self.db.transaction() as tx:
            # the staged pages, parsed on each read: kept as the narrow tables the closure
            # needs, then read once more for the family's rows
            listing.read_stage(tx, "staged_ids", "SELECT id, author FROM {rows}")
            listing.read_stage(tx, "page",
                               "SELECT id, last_modified, tags, card_data FROM {rows}")
            hub_size = deduplicate(tx, "page")
            if whole_hub:
                meta.write(tx, meta.HUB_SIZE, str(hub_size))
            tx.execute("CREATE OR REPLACE TEMP TABLE staged_edges AS " + ingest.EDGES_OF_PAGE)
            tx.execute(
                f"""CREATE OR REPLACE TEMP TABLE family_ids AS
                WITH RECURSIVE fam(id) AS (
                    SELECT id FROM staged_ids
                    WHERE author IN (SELECT unnest($orgs)) OR id IN (SELECT unnest($seeds))
                    {stored}
                    UNION
                    SELECT e.child FROM staged_edges e JOIN fam ON e.parent = fam.id
                )
                SELECT DISTINCT id FROM fam""",
                {"orgs": organisations, "seeds": seeds},
            )
            listing.read_stage(tx, "page",
                               "SELECT * FROM {rows} WHERE id IN (SELECT id FROM family_ids)")
            deduplicate(tx, "page")
            done = apply_page(tx, run_id)
            for table in ("page", "staged_ids", "staged_edges", "family_ids"):
                tx.execute(f"DROP TABLE {table}")
            listing.clear_stage(tx)
            self.db.runs.add(tx, run_id, done + spent)
        listing.stage.remove_after(0)
        return done
