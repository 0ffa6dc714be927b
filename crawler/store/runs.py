"""The crawl's own record: `crawl_runs` (one row per run, its counters) and `crawl_errors`.

Counters are added in the same transaction as the data they count, so a run that is killed and
resumed ends with the totals of all its segments, never only those of its last one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import duckdb

from crawler.clock import utcnow
from crawler.store import meta

if TYPE_CHECKING:
    from crawler.store.database import Database

# What a card fetch can end in without it being a failure: the Hub has no card to give.
CARD_UNAVAILABLE = ("gated", "not found", "no README.md")
# The cards a run fetched, over all its segments (runs never overlap: the crawl lock).
_FETCHED_BY_RUN = ("SELECT fetch_error FROM cards WHERE fetched_at >= "
                   "(SELECT started_at FROM crawl_runs WHERE run_id = $run)")


@dataclass
class Tally:
    """What one step of a crawl did: models stored and the requests it took (deltas)."""

    seen: int = 0
    new: int = 0
    changed: int = 0
    gone: int = 0
    requests: dict[str, int] = field(default_factory=dict)
    retries: int = 0

    def __add__(self, other: Tally) -> Tally:
        requests = dict(self.requests)
        for kind, n in other.requests.items():
            requests[kind] = requests.get(kind, 0) + n
        return Tally(self.seen + other.seen, self.new + other.new, self.changed + other.changed,
                     self.gone + other.gone, requests, self.retries + other.retries)


@dataclass(frozen=True)
class Source:
    """Where a run reads: the endpoint, and what it said it is when it is a stand-in for the
    Hub (crawler.http.client.STAND_IN_HEADER; None from the real Hub)."""

    endpoint: str | None = None
    stand_in: str | None = None


@dataclass
class RunRecord:
    """A run's row of `crawl_runs`, as the summary shows it."""

    run_id: int
    mode: str
    status: str
    strategy: str | None
    requests: dict[str, int]
    retries: int
    models_seen: int
    models_new: int
    models_changed: int
    models_gone: int
    cards_fetched: int
    cards_unavailable: int
    errors: int
    message: str | None
    segments: int  # 1, plus one per resume
    budgets: dict[str, dict]  # bucket -> requests, window_s, source (of the last segment)
    endpoint: str | None = None
    stand_in: str | None = None  # what the endpoint said it is: a Hub double (Source)

    @property
    def resumed(self) -> bool:
        return self.segments > 1


class RunLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    def interrupted(self, mode: str) -> int | None:
        """The run of this mode that died mid-way (its checkpoints are still stored), if any."""
        value = self.db.get_meta(meta.running(mode))
        return int(value) if value else None

    def start(self, mode: str, source: Source | None = None) -> int:
        """A new run of `mode`, reading `source` (the endpoint, and the stand-in it is)."""
        source = source or Source()
        with self.db.transaction() as tx:
            run_id = tx.execute(
                "SELECT coalesce(max(run_id), 0) + 1 FROM crawl_runs").fetchone()[0]
            tx.execute(
                "INSERT INTO crawl_runs (run_id, mode, started_at, status, requests, retries, "
                "models_seen, models_new, models_changed, models_gone, cards_fetched, "
                "cards_unavailable, errors, endpoint, stand_in) "
                "VALUES (?, ?, ?, 'running', '{}', 0, 0, 0, 0, 0, 0, 0, 0, ?, ?)",
                [run_id, mode, utcnow(), source.endpoint, source.stand_in],
            )
            meta.write(tx, meta.running(mode), str(run_id))
        return run_id

    def resume(self, run_id: int, source: Source | None = None) -> None:
        source = source or Source()
        with self.db.transaction() as tx:
            tx.execute("UPDATE crawl_runs SET status = 'running', ended_at = NULL, "
                       "segments = segments + 1, endpoint = coalesce(?, endpoint), "
                       "stand_in = coalesce(?, stand_in) WHERE run_id = ?",
                       [source.endpoint, source.stand_in, run_id])

    def read_from(self, run_id: int, source: Source) -> None:
        """What the run's endpoint turned out to be (a stand-in says so on its first answer,
        which may come after the run started)."""
        with self.db.transaction() as tx:
            tx.execute("UPDATE crawl_runs SET endpoint = coalesce(?, endpoint), "
                       "stand_in = coalesce(?, stand_in) WHERE run_id = ?",
                       [source.endpoint, source.stand_in, run_id])

    def add(self, conn: duckdb.DuckDBPyConnection, run_id: int, tally: Tally) -> None:
        """Add a step's counts to the run, inside the transaction that stored its data."""
        requests = conn.execute("SELECT requests FROM crawl_runs WHERE run_id = ?",
                                [run_id]).fetchone()[0]
        merged = json.loads(requests or "{}")
        for kind, n in tally.requests.items():
            merged[kind] = merged.get(kind, 0) + n
        conn.execute(
            "UPDATE crawl_runs SET models_seen = models_seen + ?, models_new = models_new + ?, "
            "models_changed = models_changed + ?, models_gone = models_gone + ?, "
            "retries = retries + ?, requests = ? WHERE run_id = ?",
            [tally.seen, tally.new, tally.changed, tally.gone, tally.retries,
             json.dumps(merged, sort_keys=True), run_id],
        )

    def count_outcomes(self, run_id: int) -> None:
        """Set the run's card and error counters from what it stored, over all its segments:
        cards fetched, cards the Hub had none to give, and errors (crawl_errors rows plus cards
        that failed after retries, which the next crawl retries)."""
        with self.db.transaction() as tx:
            tx.execute(
                f"""WITH fetched AS ({_FETCHED_BY_RUN}) UPDATE crawl_runs SET
                cards_fetched = (SELECT count(*) FROM fetched),
                cards_unavailable = (SELECT count(*) FROM fetched
                                     WHERE fetch_error IN (SELECT unnest($unavailable))),
                errors = (SELECT count(*) FROM crawl_errors WHERE run_id = $run)
                         + (SELECT count(*) FROM fetched WHERE fetch_error IS NOT NULL
                            AND fetch_error NOT IN (SELECT unnest($unavailable)))
                WHERE run_id = $run""",
                {"run": run_id, "unavailable": list(CARD_UNAVAILABLE)},
            )

    def finish(self, run_id: int, mode: str, status: str, message: str | None,
               strategy: str | None, meta_values: dict[str, str | None] | None = None,
               budgets: dict[str, dict] | None = None) -> None:
        """Close the run; on success also drop its mode's checkpoints and store `meta_values`
        (new watermark, scope …) in the same transaction. `budgets`: what each bucket was
        paced at."""
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE crawl_runs SET status = ?, ended_at = ?, message = ?, "
                "strategy = coalesce(?, strategy), budgets = coalesce(?, budgets) "
                "WHERE run_id = ?",
                [status, utcnow(), message, strategy,
                 json.dumps(budgets, sort_keys=True) if budgets else None, run_id],
            )
            if status == "ok":
                meta.Checkpoints(mode).clear(tx)
                meta.write(tx, meta.running(mode), None)
                for key, value in (meta_values or {}).items():
                    meta.write(tx, key, value)

    def record(self, run_id: int) -> RunRecord:
        row = self.db.conn.execute(
            "SELECT run_id, mode, status, strategy, requests, retries, models_seen, models_new, "
            "models_changed, models_gone, cards_fetched, cards_unavailable, errors, message, "
            "segments, budgets, endpoint, stand_in "
            "FROM crawl_runs WHERE run_id = ?", [run_id]).fetchone()
        values = list(row)
        values[4] = json.loads(values[4] or "{}")
        values[15] = json.loads(values[15] or "{}")
        return RunRecord(*values)

    def record_error(self, run_id: int, model_id: str | None, kind: str, message: str) -> None:
        """A failure worth keeping (a configured root the Hub did not return …)."""
        with self.db.transaction() as tx:
            self.add_error(tx, run_id, model_id, kind, message)

    @staticmethod
    def add_error(conn: duckdb.DuckDBPyConnection, run_id: int, model_id: str | None,
                  kind: str, message: str) -> None:
        """record_error inside the caller's transaction."""
        conn.execute("INSERT INTO crawl_errors VALUES (?, ?, ?, ?, ?)",
                     [run_id, model_id, kind, message[:2000], utcnow()])
