"""One crawl run: what `hf-lineage crawl` calls.

A run takes the database's crawl lock, resumes an interrupted run of the same mode from its
checkpoints (stored in the database), runs the mode (`crawler.modes.MODES`) while the card pump
fetches the cards whose sha changed beside it (crawler/card_pump.py), and closes its row of
`crawl_runs`: on success with a new watermark and scope.

The cheap part comes first. Once the mode's listing is in (api bucket: minutes), the parents
are made canonical, the trees below the roots written and the watermark, scope and Hub size
published: models, lineage and licenses are complete and usable. The card bodies (resolvers
bucket: a day of them on a first crawl of the whole Hub) go on beside that and end the run;
which ones are left is the database's state, so a run stopped among them resumes, days later,
with what is left.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from crawler.card_pump import CardPump
from crawler.clock import utcnow
from crawler.estimate import cost, human, wait_s
from crawler.http import HubClient, ListingPage
from crawler.lineage.infer import (
    evaluate_database,
    evaluate_labels,
    fetch_evidence_files,
    infer_parents,
)
from crawler.lineage.inference.evaluate import Evaluation
from crawler.lineage.inference.labels import LabelScore
from crawler.modes import MODES, CrawlOptions, Mode
from crawler.modes.family import roots_cost
from crawler.progress import Progress, SilentProgress
from crawler.roots import Roots, load_roots, stored_roots
from crawler.store import Database, meta
from crawler.store.beside import Beside
from crawler.store.runs import RunRecord, Source
from hf_lineage.errors import ConfigError, HfLineageError, StorageError, one_line
from hf_lineage.interrupt import interrupt_on_ctrl_c


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
    infer: bool | None = None,
    evidence_files: bool = False,
) -> RunRecord:
    """Run (or resume) one crawl into the database at `db_path`; returns its `crawl_runs` row.

    `infer` also infers the parents `base_model` does not state (crawler/lineage/infer.py);
    None keeps what the database was last crawled with, since a family crawl with inference
    also holds undocumented members. `evidence_files` first reads the files that evidence them
    (extra requests, in budget)."""
    if mode not in MODES:
        raise ConfigError(f"unknown crawl mode {mode!r}; choose one of {', '.join(MODES)}")
    if refresh_counts and mode != "incremental":
        raise ConfigError("--refresh-counts goes with --mode incremental (family and full "
                          "crawls refresh downloads and likes anyway)")
    if evidence_files and infer is False:
        raise ConfigError("--evidence-files goes with --infer (the files are read for it)")
    if card_workers < 1 or (hub_size is not None and hub_size < 1):
        raise ConfigError("--workers and --hub-size take a number of at least 1")
    progress = progress or SilentProgress()
    client = client or HubClient(on_wait=progress.wait, on_budget=progress.budget,
                                 on_retry=progress.note)
    first_page = _first_answer(db_path, mode, client, roots_path, progress,
                               filters=not (infer or evidence_files))
    with Database(db_path) as db:
        _check_scope(db, mode, progress)
        roots = _roots(db, roots_path, progress)
        infer = _inference_setting(db, True if evidence_files else infer)
        run = MODES[mode](db, client, roots, progress, _start(db, mode, progress, client),
                          CrawlOptions(hub_size=hub_size, refresh_counts=refresh_counts,
                                       infer=infer, evidence_files=evidence_files,
                                       first_page=first_page))
        with _recorded(db, run) as outcome, \
                CardPump(db, client, run.run_id, run.spent, card_workers,
                         on_progress=progress.cards) as pump:
            run.cards = pump if cards else None
            outcome.strategy = run.run()
            run.canonicalize()
            _write_closure(db, run, progress)
            _publish(db, run)
            if cards:
                _finish_cards(pump, client, progress)
            if infer:
                _infer(db, client, run, progress, evidence_files, card_workers)
        return db.runs.record(run.run_id)


def _first_answer(db_path: str | Path, mode: str, client: HubClient,
                  roots_path: str | Path | None, progress: Progress, filters: bool
                  ) -> ListingPage | None:
    """A new database is created only once the Hub has answered: for a file that does not
    exist yet, the first request (the Hub's newest model, which a family crawl asks first) is
    made before it is created, so an unreachable Hub leaves nothing behind (its retries are
    said as they happen, HubClient's on_retry). What is checked before any request still is:
    the path and the files beside it, the roots file, and a family crawl's roots cost (said
    first). An incremental crawl needs a crawled database: refused at once."""
    if os.path.lexists(db_path):
        return None
    Beside(Path(db_path)).check()
    if mode == "incremental":
        raise ConfigError(f"{db_path} does not exist: run a family or full crawl first, then "
                          "incremental crawls keep it up to date")
    roots = load_roots(roots_path)  # a new database has no stored roots: refused here if bad
    if mode == "family" and filters:
        progress.note(roots_cost(roots, client))
    return client.newest_model()


def _start(db: Database, mode: str, progress: Progress, client: HubClient) -> int:
    """The run of this mode left unfinished, resumed from its checkpoints, or a new one."""
    source = Source(client.endpoint, client.stand_in)
    run_id = db.runs.interrupted(mode)
    if run_id is None:
        return db.runs.start(mode, source)
    db.runs.resume(run_id, source)
    progress.note(f"resuming interrupted {mode} run {run_id} from its checkpoint")
    return run_id


@dataclass
class _Outcome:
    status: str = "failed"
    message: str | None = "unexpected error"
    strategy: str | None = None


@contextmanager
def _recorded(db: Database, run: Mode) -> Iterator[_Outcome]:
    """Close the run's record however the body ends: ok, failed (why), or interrupted.
    Ctrl-C stops a DuckDB statement in progress instead of waiting for it."""
    outcome = _Outcome()
    try:
        with interrupt_on_ctrl_c(db.open_connection):
            yield outcome
        outcome.status, outcome.message = "ok", None
    except KeyboardInterrupt:
        outcome.status, outcome.message = "interrupted", "stopped by the user; run again to resume"
        raise
    except HfLineageError as exc:
        outcome.message = str(exc)
        raise
    except Exception as exc:
        outcome.message = f"unexpected error: {type(exc).__name__}: {one_line(exc)}"
        raise
    finally:
        try:
            _close(db, run, outcome.status, outcome.message, outcome.strategy)
        except Exception:
            if outcome.status == "ok":
                raise
            # the run's own failure is the one to report (a full disk fails this write too);
            # its row stays 'running', and the next run resumes it


class _Inference(Mode):
    """An inference run over what a database holds: no listing, no cards."""

    name = "infer"

    def run(self) -> str:
        return "inference"


def infer_database(db_path: str | Path, *, client: HubClient | None = None,
                   progress: Progress | None = None, evidence_files: bool = False,
                   workers: int = 16) -> RunRecord:
    """Infer the undocumented parents of a crawled database again (after new rules, or to
    spend the requests of `evidence_files` later); recorded as a run of mode 'infer'."""
    progress = progress or SilentProgress()
    client = client or HubClient(on_wait=progress.wait)
    with Database(_existing(db_path)) as db:
        if db.get_meta(meta.SCOPE) is None:
            raise ConfigError(f"{db.path} holds no completed crawl yet: crawl it first")
        roots = stored_roots(db.get_meta) or load_roots()
        run = _Inference(db, client, roots, progress,
                         _start(db, _Inference.name, progress, client), CrawlOptions())
        with _recorded(db, run) as outcome:
            outcome.strategy = "inference"
            _infer(db, client, run, progress, evidence_files, workers)
            _write_closure(db, run, progress)
        return db.runs.record(run.run_id)


def evaluate_inference(db_path: str | Path) -> Evaluation:
    """Leave-documented-out evaluation of inference on a crawled database: the parents of
    models that document them, inferred with that documentation hidden (read only)."""
    with Database(_existing(db_path)) as db:
        roots = stored_roots(db.get_meta) or load_roots()
        return evaluate_database(db, roots)


def evaluate_against_labels(db_path: str | Path, labels_path: str | Path,
                            threshold: float) -> LabelScore:
    """The rules scored against hand labels of models this database holds (read only)."""
    with Database(_existing(db_path)) as db:
        roots = stored_roots(db.get_meta) or load_roots()
        return evaluate_labels(db, roots, labels_path, threshold)


def _existing(db_path: str | Path) -> Path:
    """A crawled database to work on: a missing one is not created (it would hold nothing)."""
    if not Path(db_path).is_file():
        raise StorageError(f"database not found: {db_path} (crawl first, or pass --db PATH)")
    return Path(db_path)


def _infer(db: Database, client: HubClient, run: Mode, progress: Progress,
           evidence_files: bool, workers: int) -> None:
    if evidence_files:
        progress.phase("evidence files (adapter and mergekit configs, config.json, GGUF headers)")
        fetch_evidence_files(db, client, run.run_id, run.spent, run.seeds, workers)
    progress.phase("inferring undocumented parents")
    found = infer_parents(db, run.roots)
    progress.note(f"inference: {found.with_parents:,} of {found.models:,} undocumented models "
                  f"got {found.edges:,} inferred parents (inferred_edges) and "
                  f"{found.releases:,} a release or family (inferred_releases)")


def _write_closure(db: Database, run: Mode, progress: Progress) -> None:
    """The trees below the roots, for `hf-lineage tree` (crawler/store/closure.py), once the
    run's documented edges are final: after the listing and its canonical parents (cards and
    inference write no `edges`)."""
    progress.phase("the trees below the roots")
    db.closure.write(run.run_id, run.seeds)


def _inference_setting(db: Database, infer: bool | None) -> bool:
    """--infer or --no-infer, else what the database was crawled with; stored for the next."""
    if infer is None:
        infer = db.get_meta(meta.INFERENCE) == "on"
    db.set_meta(meta.INFERENCE, "on" if infer else "off")
    return infer


def _finish_cards(pump: CardPump, client: HubClient, progress: Progress) -> None:
    """The card bodies left once the rest of the run is done: said, then fetched."""
    left = pump.left()
    if left:
        progress.note(f"card bodies left to fetch: {cost(client.limiter, 'resolvers', left)}")
    pump.finish()


def _publish(db: Database, run: Mode) -> None:
    """The listing is in and its lineage canonical: its watermark, scope and Hub size are
    stored now, before the card bodies, so the database is usable (and a later incremental
    crawl can start) while they are fetched."""
    if run.name not in MODES:
        return
    values = _listing_state(db, run)
    if meta.WATERMARK not in values:
        run.note("the listing said less than the Hub holds: the watermark stays where it "
                 "was, so the next incremental crawl lists those changes again")
    with db.transaction() as tx:
        for key, value in values.items():
            meta.write(tx, key, value)
    left = run.cards.left() if run.cards is not None else 0
    run.note("models, lineage and licenses are complete and usable"
             + (f"; {left:,} card bodies follow, about "
                f"{human(wait_s(run.client.limiter, 'resolvers', left))}" if left else ""))


def _listing_state(db: Database, run: Mode) -> dict[str, str | None]:
    """What a complete listing of the mode makes true: the watermark (unless the listing said
    less than the Hub holds) and the scope."""
    values: dict[str, str | None] = {}
    if not (run.under_reported() and db.get_meta(meta.WATERMARK) is not None):
        values[meta.WATERMARK] = _watermark(db, run)
    if run.name != "incremental":
        values[meta.SCOPE] = run.name
    return values


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
    if status != "ok":
        db.end_interrupted_transaction()
    spent = run.spent()
    with db.transaction() as tx:
        db.runs.add(tx, run.run_id, spent)
    db.runs.count_outcomes(run.run_id)
    values: dict[str, str | None] = {}
    if status == "ok" and run.name in MODES:
        values = _listing_state(db, run)
        db.family.clear_frontier()
    budgets = {bucket: budget.as_dict() for bucket, budget in run.client.limiter.budgets.items()}
    db.runs.read_from(run.run_id, Source(run.client.endpoint, run.client.stand_in))
    db.runs.finish(run.run_id, run.name, status, message, strategy, values, budgets)


def _watermark(db: Database, run: Mode) -> str | None:
    """Where the next incremental crawl starts: the newest lastModified this run saw, never
    later than now (a clock-skewed Hub must not make later crawls skip real changes)."""
    stored = db.listing.stored_newest()
    seen = run.checkpoint("hub_newest")
    candidates = [t for t in (stored, seen and datetime.fromisoformat(seen)) if t]
    return str(min(max(candidates), utcnow())) if candidates else None
