"""One crawl run: what `hf-lineage crawl` calls.

A run takes the database's crawl lock, resumes an interrupted run of the same mode from its
checkpoints (stored in the database), runs the mode (`crawler.modes.MODES`), fetches the cards
whose sha changed, and closes its row of `crawl_runs`: on success with a new watermark and scope.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from crawler.cards import fetch_cards
from crawler.clock import utcnow
from crawler.estimate import cost
from crawler.http import HubClient
from crawler.modes import MODES, CrawlOptions, Mode
from crawler.progress import Progress, SilentProgress
from crawler.roots import Roots, load_roots, stored_roots
from crawler.store import Database, meta
from crawler.store.runs import RunRecord
from hf_lineage.errors import ConfigError, HfLineageError, one_line


def crawl(
    db_path: str | Path,
    mode: str = "family",
    *,
    roots_path: str | Path | None = None,
    client: HubClient | None = None,
    progress: Progress | None = None,
    hub_size: int | None = None,
    cards: bool = True,
    card_workers: int = 16,
    refresh_counts: bool = False,
) -> RunRecord:
    """Run (or resume) one crawl into the database at `db_path`; returns its `crawl_runs` row."""
    if mode not in MODES:
        raise ConfigError(f"unknown crawl mode {mode!r}; choose one of {', '.join(MODES)}")
    if refresh_counts and mode != "incremental":
        raise ConfigError("--refresh-counts goes with --mode incremental (family and full "
                          "crawls refresh downloads and likes anyway)")
    progress = progress or SilentProgress()
    client = client or HubClient(on_wait=progress.wait, on_budget=progress.budget)
    with Database(db_path) as db:
        _check_scope(db, mode, progress)
        roots = _roots(db, roots_path, progress)
        run_id = db.runs.interrupted(mode)
        if run_id is not None:
            db.runs.resume(run_id)
            progress.note(f"resuming interrupted {mode} crawl (run {run_id}) from its checkpoint")
        else:
            run_id = db.runs.start(mode)
        run = MODES[mode](db, client, roots, progress, run_id,
                          CrawlOptions(hub_size=hub_size, refresh_counts=refresh_counts))
        status, message, strategy = "failed", "unexpected error", None
        try:
            strategy = run.run()
            if cards:
                fetch_cards(db, client, run_id, run.spent, workers=card_workers,
                            on_pending=lambda n: _cards_phase(progress, client, n),
                            on_card=lambda row: progress.advance(1))
            status, message = "ok", None
        except KeyboardInterrupt:
            status, message = "interrupted", "stopped by the user; run again to resume"
            raise
        except HfLineageError as exc:
            status, message = "failed", str(exc)
            raise
        except Exception as exc:
            message = f"unexpected error: {type(exc).__name__}: {one_line(exc)}"
            raise
        finally:
            _close(db, run, status, message, strategy)
        return db.runs.record(run_id)


def _cards_phase(progress: Progress, client: HubClient, pending: int) -> None:
    """Say what fetching the cards will take before it starts."""
    progress.note(f"model cards: {cost(client.limiter, 'resolvers', pending)}")
    progress.phase("cards", pending)


def _roots(db: Database, roots_path: str | Path | None, progress: Progress) -> Roots:
    """The roots of this crawl, stored with it: --roots FILE, else those the database was
    crawled with (a scheduled crawl keeps its families), else the shipped roots.toml."""
    stored = stored_roots(db.get_meta)
    roots = load_roots(roots_path) if roots_path or stored is None else stored
    if stored is not None and roots.text != stored.text:
        progress.note(f"the roots differ from those {db.path} was crawled with; from now on it "
                      f"follows {roots.source}")
    db.set_meta(meta.ROOTS, roots.text)
    return roots


def _check_scope(db: Database, mode: str, progress: Progress) -> None:
    """A crawl keeps the database's scope: a family crawl would mark every model of a full
    database outside the families gone, so it is refused; a full crawl widens a family
    database, and says so."""
    scope = db.get_meta(meta.SCOPE)
    if mode == "family" and scope == "full":
        raise ConfigError(
            f"{db.path} holds a full crawl of the Hub; a family crawl would mark every model "
            "outside the families gone. Keep it up to date with --mode incremental or --mode "
            "full, or crawl the families into another --db")
    if mode == "full" and scope == "family":
        progress.note(f"{db.path} held a family crawl; this full crawl widens it to the whole "
                      "Hub")


def _close(db: Database, run: Mode, status: str, message: str | None,
           strategy: str | None) -> None:
    """Store what is left to count, and close the run (new watermark and scope on success)."""
    spent = run.spent()
    with db.transaction() as tx:
        db.runs.add(tx, run.run_id, spent)
    db.runs.count_outcomes(run.run_id)
    values: dict[str, str | None] = {}
    if status == "ok":
        values[meta.WATERMARK] = _watermark(db, run)
        if run.name != "incremental":
            values[meta.SCOPE] = run.name
        db.family.clear_frontier()
    budgets = {bucket: budget.as_dict() for bucket, budget in run.client.limiter.budgets.items()}
    db.runs.finish(run.run_id, run.name, status, message, strategy, values, budgets)


def _watermark(db: Database, run: Mode) -> str | None:
    """Where the next incremental crawl starts: the newest lastModified this run saw, never
    later than now (a clock-skewed Hub must not make later crawls skip real changes)."""
    stored = db.listing.stored_newest()
    seen = run.checkpoint("hub_newest")
    candidates = [t for t in (stored, seen and datetime.fromisoformat(seen)) if t]
    return str(min(max(candidates), utcnow())) if candidates else None
