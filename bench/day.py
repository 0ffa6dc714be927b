"""Item 9 (issue 24): a day of the whole Hub, kept fresh by one incremental crawl with counts.

Day 1 is the cached generated Hub; day 2 a copy of it turned into its next day
(hub_double/generator/next_day.py: 1% pushed, 0.3% uploaded, 0.05% deleted, every download
count moved). The database of day 1 is item 1's full crawl of it (a copy), its cards recorded
as stored at each model's sha (one SQL statement standing in for a first crawl that fetched
them all, which would only cost time here). Each run then does
`crawl(db, 'incremental', refresh_counts=True)`, cards included, against the double serving
day 2, in a child process, with no budget given: the crawler reads the plan from the headers.

Three things are reported:
- the requests per bucket: api (the listing of changes, the light listing of counts, one
  model-info request per model the listing left out), resolvers (one card per changed model);
- the wall time each plan's published limits imply: each bucket's requests at its pace, the
  day taking the slower bucket's time (the buckets are worked side by side);
- the wall time measured against the double with the plan's quotas per `W` seconds instead of
  300 (the double enforces them with 429 and states them in RateLimit-Policy): the crawl runs
  k = 300 / W times the plan's rate, so its wall time x k is the day's time at the plan, as
  long as the crawler and the double keep up with k times the rate (the ratio to the implied
  time says whether they did).
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import duckdb

from bench.common import CACHE, Section, at_most, info
from bench.hubs import cached_store, serve
from bench.incremental import baseline
from bench.listing import fresh_db
from bench.worker import run_worker
from crawler.estimate import wait_s
from crawler.http import Budget, RateLimiter
from crawler.http.ratelimit import PLANS
from hub_double.faults import Quota
from hub_double.generator.next_day import next_day
from hub_double.store import HubStore

PAGE = 1000
WHOLE_HUB = 3_000_000  # issue 24's Hub: the day's requests scaled to it, per model
TARGET_MIN = {"free": 60.0, "anonymous": 90.0}  # a day at the plan, minutes
SIDE_BY_SIDE = 1.1  # measured day / the slower bucket's implied time
DAY_SEED = 1
FULL_COMMAND = "hf-lineage crawl --mode full --db data/all.duckdb"
DAY_COMMAND = "hf-lineage crawl --mode incremental --refresh-counts --db data/all.duckdb"


def day_two(store: Path, n: int, seed: int) -> Path:
    """The next day of the cached Hub (a copy, cached beside it)."""
    path = CACHE / f"hub-{n}-s{seed}-day{DAY_SEED}.duckdb"
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    shutil.copyfile(store, partial)
    hub = HubStore(partial)
    next_day(hub, seed=DAY_SEED)
    hub.cursor().execute("CHECKPOINT")
    hub.close()
    partial.rename(path)
    return path


def full_crawl_requests(db: Path) -> dict[str, int]:
    """The api and resolvers requests a first full crawl of the Hub in `db` takes: its
    listing's requests (pages, and the parent names asked about), and a card per model."""
    conn = duckdb.connect(str(db), read_only=True)
    try:
        requests = json.loads(conn.execute(
            "SELECT requests FROM crawl_runs WHERE mode = 'full' AND status = 'ok' "
            "ORDER BY run_id LIMIT 1").fetchone()[0])
        cards = conn.execute("SELECT count(*) FROM models WHERE NOT gone AND sha IS NOT NULL"
                             ).fetchone()[0]
    finally:
        conn.close()
    return {"list": requests.get("list", 0), "info": requests.get("info", 0), "card": cards}


def one_day(hub: Path, base: Path, plan: str, window_s: int) -> tuple[dict, dict[str, int]]:
    """The day's crawl on a copy of `base`, the double enforcing `plan` per `window_s`."""
    db = fresh_db(CACHE / "day-work.duckdb")
    shutil.copyfile(base, db)
    quota = Quota.plan(plan.lower(), window_s=window_s)
    with serve(hub, quota=quota) as double:
        out = run_worker({"task": "crawl", "mode": "incremental", "db": str(db),
                          "endpoint": double.url, "cards": True, "refresh_counts": True},
                         endpoint=double.url)
        entries = list(double.log.entries)
    answered = [e for e in entries if e.status != 429]
    requests = {
        "changes": sum(e.kind == "list" and "sort=lastModified" in e.query for e in answered),
        "counts": sum(e.kind == "list" and "sort=" not in e.query for e in answered),
        "info": sum(e.kind == "info" for e in answered),
        "card": sum(e.kind == "resolve" for e in answered),
        "429": sum(e.status == 429 for e in entries),
    }
    return out, requests


def implied_minutes(plan: str, api: int, resolvers: int) -> tuple[float, float]:
    """Minutes each bucket's requests take at the plan's published limits."""
    limiter = RateLimiter({bucket: Budget(PLANS[plan][bucket]) for bucket in PLANS[plan]})
    return wait_s(limiter, "api", api) / 60, wait_s(limiter, "resolvers", resolvers) / 60


def day(n: int, seed: int, windows: dict[str, int]) -> Section:
    """Item 8 at Hub size `n`; `windows`: the plans measured and the window (s) of each."""
    section = Section(
        "9. A day of the whole Hub",
        "python -m bench.run --only day",
        f"Day 1: the generated {n:,}-model Hub (seed {seed}); day 2: its next day "
        "(hub_double/generator/next_day.py, seed 1). The database of day 1 is item 1's full "
        "crawl of it, its cards recorded as stored; `crawl(db, 'incremental', "
        "refresh_counts=True)` with cards brings it to day 2, in a child process, against the "
        "double serving day 2 with a plan's quotas, no budget given (read from the headers). "
        "Implied times: each bucket's requests at the plan's published limits, the day taking "
        "the slower bucket's (the buckets are worked side by side); at 3,000,000 models, the "
        "day's requests scaled per model. Measured: the double enforces and states the plan's "
        "quotas per W seconds (W = 300, the plan's own window, unless said), the crawl running "
        "k = 300 / W times the plan's rate; the day at the plan = the measured wall time x k.",
    )
    store, _ = cached_store(n, seed, 0.35)
    hub = day_two(store, n, seed)
    base = baseline(store, n, seed, "day-base", crawled=CACHE / f"full-{n}-s{seed}.duckdb")
    runs = {plan: one_day(hub, base, plan, window) for plan, window in windows.items()}
    first = next(iter(runs.values()))[1]
    api = first["changes"] + first["counts"] + first["info"]
    cards = first["card"]
    minimum = _minimum(hub, base)
    section.figures += [
        info("requests: api, listing of changes (pages)", [first["changes"]], "requests"),
        info("requests: api, listing of downloads and likes (pages)", [first["counts"]],
             "requests"),
        info("requests: api, model-info (models the listing left out)", [first["info"]],
             "requests"),
        info("requests: resolvers, cards", [cards], "requests"),
        at_most("requests / minimum needed", [(api + cards) / minimum["total"]], "x", 1.1,
                note=minimum["note"]),
    ]
    for plan in PLANS:
        api_min, cards_min = implied_minutes(plan, api, cards)
        name = f"{plan}: a day at the published limits"
        note = (f"api {api_min:.1f} min, resolvers {cards_min:.1f} min (their sum "
                f"{api_min + cards_min:.1f})")
        if plan in TARGET_MIN:
            section.figures.append(at_most(name, [max(api_min, cards_min)], "min",
                                           TARGET_MIN[plan], note=note))
        else:
            section.figures.append(info(name, [max(api_min, cards_min)], "min", note=note))
    scale = WHOLE_HUB / n
    for plan, target in TARGET_MIN.items():
        api_min, cards_min = implied_minutes(plan, round(api * scale), round(cards * scale))
        section.figures.append(at_most(
            f"{plan}: a day of a {WHOLE_HUB:,}-model Hub at the published limits (requests "
            f"x {scale:g})", [max(api_min, cards_min)], "min", target,
            note=f"api {api_min:.1f} min, resolvers {cards_min:.1f} min: the day's requests "
            "grow with the Hub (a page per 1,000 models, a card per change), measured "
            "side by side below"))
    for plan, (out, requests) in runs.items():
        k = 300 / windows[plan]
        measured = out["wall_s"] * k / 60
        api_min, cards_min = implied_minutes(
            plan, requests["changes"] + requests["counts"] + requests["info"], requests["card"])
        slower = max(api_min, cards_min)
        section.figures += [
            at_most(f"{plan}: a day measured at {windows[plan]} s windows, x {k:g}", [measured],
                    "min", TARGET_MIN.get(plan, math.inf),
                    note=f"wall {out['wall_s']:.0f} s x {k:g}; {requests['429']} answers 429"),
            at_most(f"{plan}: measured day / the slower bucket's implied time", [
                measured / slower], "x", SIDE_BY_SIDE,
                note=f"the slower bucket: {slower:.1f} min; the buckets' sum would be "
                f"{(api_min + cards_min) / slower:.2f} x"),
            info(f"{plan}: crawler peak RSS", [out["peak_rss_mb"]], "MB"),
        ]
        section.details.append(
            f"{plan}: {out['models_changed']:,} changed, {out['models_new']:,} new; "
            f"{out['cards_fetched']:,} cards; requests {requests}; budgets {out['budgets']}")
    section.tables += plans_table(full_crawl_requests(base), api, cards, runs, windows)
    return section


def _minimum(hub: Path, base: Path) -> dict:
    """The fewest requests the day takes: the changes' pages (and the one that reaches an
    older model), the whole light listing, a question per deleted model, a card per change."""
    conn = duckdb.connect(str(hub), read_only=True)
    try:
        live, deleted = conn.execute(
            "SELECT (SELECT count(*) FROM models), (SELECT count(*) FROM deleted)").fetchone()
        conn.execute(f"ATTACH '{base}' AS base (READ_ONLY)")
        changed = conn.execute(
            "SELECT count(*) FROM models h LEFT JOIN base.models b USING (id) "
            "WHERE b.id IS NULL OR b.sha IS DISTINCT FROM h.sha").fetchone()[0]
    finally:
        conn.close()
    total = math.ceil((changed + 1) / PAGE) + math.ceil(live / PAGE) + deleted + changed
    return {"total": total, "note": f"{changed:,} pushed or new, {deleted:,} deleted, {live:,} "
            f"live: minimum {total:,}"}


def plans_table(full: dict[str, int], day_api: int, day_cards: int, runs: dict,
                windows: dict[str, int]) -> list[str]:
    """Issue 24's table: each plan against the first full crawl (listing; cards) and a day."""
    listing = full["list"] + full["info"]
    lines = [
        "### Plans: the first full crawl and the daily refresh, in minutes", "",
        f"Full crawl (`{FULL_COMMAND}`): listing = {full['list']:,} pages and {full['info']:,} "
        f"model-info requests (parent names asked about) in the api bucket; cards = "
        f"{full['card']:,} README requests in the resolvers bucket; the two side by side. "
        f"Daily refresh (`{DAY_COMMAND}`): {day_api:,} api and {day_cards:,} resolvers "
        "requests (above). Implied by the published limits; measured days in brackets "
        "(wall time at the scaled window x k). With a token: `export HF_TOKEN=hf_...` first.",
        "",
        "| plan | api / resolvers per 5 min | full crawl: listing | full crawl: cards "
        "| full crawl (side by side) | daily refresh |",
        "|---|---|---|---|---|---|",
    ]
    for plan, limits in PLANS.items():
        list_min, cards_min = implied_minutes(plan, listing, full["card"])
        api_min, res_min = implied_minutes(plan, day_api, day_cards)
        measured = ""
        if plan in runs:
            measured = f" ({runs[plan][0]['wall_s'] * 300 / windows[plan] / 60:,.0f} measured)"
        lines.append(f"| {plan} | {limits['api']:,} / {limits['resolvers']:,} | "
                     f"{list_min:,.0f} | {cards_min:,.0f} | {max(list_min, cards_min):,.0f} | "
                     f"{max(api_min, res_min):,.0f}{measured} |")
    return lines

