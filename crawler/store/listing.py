"""Listing pages into the tables: stage, apply, and what a whole listing tells (gone, Hub size).

Listing pages are staged (appended to `staged_listing` with the cursor of the next page in one
transaction) and moved into the tables in set-based passes over many pages. Every write is
idempotent (upserts on models' key; a model's tags and edges replaced as a whole), so a crawl
killed at any moment resumes without losing or doubling rows, and ingest costs stay flat as the
database grows. The SQL that turns the Hub's JSON into rows is `crawler.store.ingest`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import duckdb

from crawler.clock import utcnow
from crawler.store import ingest
from crawler.store.meta import Checkpoints
from crawler.store.runs import Tally
from hf_lineage.errors import HubAnswerInvalid, one_line

if TYPE_CHECKING:
    from crawler.store.database import Database

MASS_GONE_SHARE = 0.1  # of the live models: more disappearing at once is not believed
MASS_GONE_MIN = 50

# The staged pages as one `page`, each model once (its newest listing wins).
DEDUPLICATED_STAGE = (
    "CREATE OR REPLACE TEMP TABLE page AS SELECT * FROM staged_listing "
    "QUALIFY row_number() OVER (PARTITION BY id ORDER BY last_modified DESC NULLS LAST) = 1"
)


def stage_json(conn: duckdb.DuckDBPyConnection, body: str) -> None:
    """Parse a listing page (a JSON array of models) into the temp table `page`; a page with
    an item that is not a model (no id) is not the Hub's answer and is refused whole."""
    try:
        conn.execute(ingest.STAGE_PAGE, [body])
    except duckdb.InvalidInputException as exc:
        raise HubAnswerInvalid(f"the Hub sent JSON that does not parse: {one_line(exc)}") from exc
    if conn.execute("SELECT count(*) FROM page WHERE id IS NULL").fetchone()[0]:
        raise HubAnswerInvalid("the Hub sent a listing item that is not a model (no id)")


def apply_page(conn: duckdb.DuckDBPyConnection, run_id: int) -> Tally:
    """Move the temp table `page` into models, tags, edges and snapshots, then drop it.

    A model's tags and edges are replaced as a whole; the deletes are skipped when every model
    is new (a first crawl), since they would scan the whole tables for nothing."""
    seen, new, changed = conn.execute(ingest.COUNT_PAGE).fetchall()[0]
    conn.execute(ingest.UPSERT_MODELS, {"run_id": run_id})
    if new != seen:
        conn.execute(ingest.DELETE_TAGS)
        conn.execute(ingest.DELETE_EDGES)
    conn.execute(ingest.INSERT_TAGS)
    conn.execute(ingest.INSERT_EDGES)
    conn.execute(ingest.INSERT_SNAPSHOTS, {"run_id": run_id, "now": utcnow()})
    conn.execute("DROP TABLE page")
    return Tally(seen=seen, new=new or 0, changed=changed or 0)


class ListingStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- staging --------------------------------------------------------------------------------
    def stage_page(self, body: str, checkpoints: Checkpoints, name: str, next_value: str,
                   run_id: int, spent: Tally) -> int:
        """Append one listing page to `staged_listing` and move the cursor `name` to
        `next_value`, in one transaction: cheap whatever the database's size, and resumable.
        Returns the models on the page."""
        with self.db.transaction() as tx:
            stage_json(tx, body)
            tx.execute(ingest.KEEP_STAGED)
            n = tx.execute("SELECT count(*) FROM page").fetchall()[0][0]
            tx.execute("DROP TABLE page")
            checkpoints.write(tx, name, next_value)
            self.db.runs.add(tx, run_id, spent)
        return n

    def stage_changes(self, body: str, watermark: str, checkpoints: Checkpoints, name: str,
                      next_url: str | None, run_id: int, spent: Tally) -> tuple[int, bool]:
        """Stage the models of a newest-first page changed after `watermark`.

        Returns (models on the page, whether the listing reached the watermark); the first page
        also records the Hub's newest lastModified as the checkpoint 'hub_newest'."""
        with self.db.transaction() as tx:
            stage_json(tx, body)
            n, oldest, newest = tx.execute(
                "SELECT count(*), min(last_modified), max(last_modified) FROM page"
            ).fetchall()[0]
            if checkpoints.read(tx, "hub_newest") is None:
                checkpoints.write(tx, "hub_newest", str(newest or watermark))
            tx.execute("DELETE FROM page WHERE last_modified <= CAST(? AS TIMESTAMP)",
                       [watermark])
            tx.execute(ingest.KEEP_STAGED)
            tx.execute("DROP TABLE page")
            reached = oldest is None or oldest <= datetime.fromisoformat(watermark)
            checkpoints.write(tx, name, "done" if reached or not next_url else next_url)
            self.db.runs.add(tx, run_id, spent)
        return n, reached or not next_url

    def has_staged(self) -> bool:
        return bool(self.db.conn.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'staged_listing' "
            "AND NOT temporary").fetchall()[0][0])

    def drop_staged(self) -> None:
        with self.db.transaction() as tx:
            tx.execute("DROP TABLE IF EXISTS staged_listing")

    # -- applying -------------------------------------------------------------------------------
    def apply_staged(self, run_id: int, spent: Tally) -> Tally:
        """Move every staged page into the tables in one set-based pass, then empty the stage:
        a few passes over a big database instead of one per page. The run's counters get the
        models stored and `spent` (the requests since its last step) with the data."""
        if not self.has_staged():
            return Tally()
        with self.db.transaction() as tx:
            tx.execute(DEDUPLICATED_STAGE)
            done = apply_page(tx, run_id)
            tx.execute("DROP TABLE staged_listing")
            self.db.runs.add(tx, run_id, done + spent)
        return done

    def ingest_page(self, body: str, run_id: int, spent: Tally) -> Tally:
        """Upsert one JSON array of models (a model-info answer, wrapped) at once."""
        with self.db.transaction() as tx:
            stage_json(tx, body)
            done = apply_page(tx, run_id)
            self.db.runs.add(tx, run_id, done + spent)
        return done

    # -- what a complete listing tells ----------------------------------------------------------
    def mark_gone(self, run_id: int) -> int | None:
        """Models stored before but not seen by this run's complete listing are gone.

        Returns how many, or None when it refuses: a disappearance of more than
        MASS_GONE_SHARE of the live models (and more than MASS_GONE_MIN) is what a broken
        listing or a changed roots file looks like, not what the Hub does between two crawls;
        the models are kept live and the refusal is recorded in crawl_errors."""
        with self.db.transaction() as tx:
            live, missing = tx.execute(
                "SELECT count(*), count(*) FILTER (WHERE last_seen_run < ?) FROM models "
                "WHERE NOT gone", [run_id]).fetchone()
            if missing > max(MASS_GONE_MIN, MASS_GONE_SHARE * live):
                self.db.runs.add_error(
                    tx, run_id, None, "gone_refused",
                    f"{missing:,} of {live:,} live models were not listed; not marked gone "
                    "(a broken listing or a changed roots file?)")
                return None
            tx.execute("UPDATE models SET gone = true WHERE NOT gone AND last_seen_run < ?",
                       [run_id])
            self.db.runs.add(tx, run_id, Tally(gone=missing))
        return missing

    def live_models(self) -> int:
        return self.db.conn.execute(
            "SELECT count(*) FROM models WHERE NOT gone").fetchone()[0]

    def newest_last_modified(self, body: str) -> str | None:
        """The newest lastModified on a listing page (its JSON as served)."""
        stage_json(self.db.conn, body)
        newest = self.db.conn.execute("SELECT max(last_modified) FROM page").fetchall()[0][0]
        self.db.conn.execute("DROP TABLE page")
        return str(newest) if newest else None

    def stored_newest(self) -> datetime | None:
        return self.db.conn.execute("SELECT max(last_modified) FROM models").fetchall()[0][0]

    # -- downloads and likes --------------------------------------------------------------------
    def refresh_counts(self, body: str, run_id: int, checkpoints: Checkpoints, name: str,
                       next_value: str, spent: Tally) -> None:
        """Update stored models' downloads and likes from a light listing page, with a
        snapshot each, and move the cursor, in one transaction."""
        with self.db.transaction() as tx:
            tx.execute(ingest.STAGE_COUNTS, [body])
            tx.execute(ingest.UPDATE_COUNTS)
            tx.execute(ingest.DELETE_COUNT_SNAPSHOTS, {"run_id": run_id})
            tx.execute(ingest.INSERT_COUNT_SNAPSHOTS, {"run_id": run_id, "now": utcnow()})
            tx.execute("DROP TABLE counts")
            checkpoints.write(tx, name, next_value)
            self.db.runs.add(tx, run_id, spent)
