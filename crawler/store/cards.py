"""Cards in the database: which need fetching, and storing a fetched batch."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.store.runs import Tally

if TYPE_CHECKING:
    from crawler.store.database import Database

CARD_COLUMNS = ("model_id", "sha", "fetched_at", "metadata", "body", "size_bytes", "truncated",
                "parse_error", "fetch_error")

# Live models whose card was never read at their current sha, among the models a crawl
# listed: a model whose row comes from an imported snapshot waits until a crawl lists it (it
# changed since), so continuing an import fetches only the cards of what changed.
_PENDING = ("SELECT m.id, m.sha FROM models m LEFT JOIN cards c ON c.model_id = m.id "
            "WHERE NOT m.gone AND m.sha IS NOT NULL "
            "AND m.last_seen_run NOT IN (SELECT run_id FROM crawl_runs WHERE mode = 'import') "
            "AND (c.model_id IS NULL OR c.sha IS DISTINCT FROM m.sha)")


class CardStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def pending(self, limit: int, skip: list[str]) -> list[tuple[str, str]]:
        """(model id, sha) of up to `limit` live models whose card was never read at their
        current sha, in id order, leaving out the ids of `skip` (being fetched, or failed this
        run)."""
        return self.db.conn.execute(
            f"{_PENDING} AND m.id NOT IN (SELECT unnest($skip)) ORDER BY m.id LIMIT $limit",
            {"skip": skip, "limit": limit}).fetchall()

    def pending_count(self, skip: list[str]) -> int:
        """How many cards `pending` has to give, `skip` left out."""
        return self.db.conn.execute(
            f"SELECT count(*) FROM ({_PENDING} AND m.id NOT IN (SELECT unnest($skip)))",
            {"skip": skip}).fetchone()[0]

    def store(self, rows: list[dict], run_id: int, spent: Tally) -> None:
        """Upsert a batch of fetched cards (dicts with CARD_COLUMNS) in one transaction."""
        import pandas as pd  # deferred: `hf-lineage tree` loads this module

        frame = pd.DataFrame(rows, columns=list(CARD_COLUMNS))
        with self.db.transaction() as tx:
            tx.register("fetched", frame)
            tx.execute("INSERT OR REPLACE INTO cards SELECT model_id, sha, fetched_at, "
                       "CAST(metadata AS JSON), body, size_bytes, truncated, parse_error, "
                       "fetch_error FROM fetched")
            tx.unregister("fetched")
            self.db.runs.add(tx, run_id, spent)
