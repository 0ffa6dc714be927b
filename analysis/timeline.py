"""The timeline: derivatives per day or week, curves aligned on release day, event windows.

A derivative is a crawled model below a group's roots (depth > 0 in family_membership or
release_membership), dated by its repository's creation (`models.created_at`, UTC); a bridge
counts in each family it reaches. Day 0 of a release is its announcement date in the roots
config. The crawl ends at the start of its latest crawl run (`crawl_end`): windows reaching past
it are flagged incomplete rather than read as a slowdown. With inferred edges on (analysis.edges)
the derivatives per period are split: new_documented (members through documented edges) and
new_inferred (brought in only by inferred edges), so a wave that predates `base_model`, such as
LLaMA 1's in spring 2023, shows as what it is: estimated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pandas as pd

from analysis import edges
from analysis.groups import Conn, Level, grouping, query
from hf_lineage.errors import AnalysisError

Period = Literal["day", "week", "month"]
PERIODS = ("day", "week", "month")
WINDOWS = (7, 30, 90)

DERIVATIVES = """
    SELECT {keys}, gm.model_id, m.created_at::DATE AS created, gm.documented
    FROM {view} gm JOIN models m ON m.id = gm.model_id
    WHERE gm.depth > 0 AND m.created_at IS NOT NULL
"""


def crawl_end(conn: Conn) -> pd.Timestamp | None:
    """The day the data ends: the latest crawl run's start, else the newest repo's creation."""
    value = query(conn, """
        SELECT coalesce((SELECT max(started_at) FROM crawl_runs),
                        (SELECT max(created_at) FROM models))::DATE AS day
    """)["day"].iloc[0]
    return None if pd.isna(value) else pd.Timestamp(value)


def _end_date(conn: Conn) -> object:
    """crawl_end as a date parameter (None without data)."""
    end = crawl_end(conn)
    return None if end is None else end.date()


def events(conn: Conn) -> pd.DataFrame:
    """Every event on the timeline (the timeline_events view), by date."""
    return query(conn, "SELECT * FROM timeline_events ORDER BY date, kind DESC, name")


def new_derivatives(conn: Conn, level: Level = "family", period: Period = "week"
                    ) -> pd.DataFrame:
    """New derivatives per day, ISO week (starting Monday) or month and the running total, per
    group; with inferred edges on, also new_documented and new_inferred (module docstring).

    Every period from a group's first derivative to the crawl's end is listed, zeros included.
    """
    if period not in PERIODS:
        raise AnalysisError(f"period must be one of {PERIODS}, not {period!r}")
    g = grouping(level)
    split = (", coalesce(c.documented, 0) AS new_documented, "
             "coalesce(c.new, 0) - coalesce(c.documented, 0) AS new_inferred"
             if edges.current(conn) is not None else "")
    return query(conn, f"""
        WITH d AS ({DERIVATIVES.format(keys=g.keys, view=g.view)}),
        spans AS (
            SELECT {g.keys}, date_trunc('{period}', min(created))::DATE AS first,
                   date_trunc('{period}', greatest(max(created), $end))::DATE AS last
            FROM d GROUP BY {g.keys}
        ),
        slots AS (
            SELECT {g.keys}, unnest(range(first, last + INTERVAL 1 {period},
                                          INTERVAL 1 {period}))::DATE AS period_start
            FROM spans
        ),
        counts AS (
            SELECT {g.keys}, date_trunc('{period}', created)::DATE AS period_start,
                   count(*) AS new, count(*) FILTER (documented) AS documented
            FROM d GROUP BY ALL
        )
        SELECT {g.keys}, period_start, coalesce(c.new, 0) AS new_derivatives,
               sum(coalesce(c.new, 0)) OVER (PARTITION BY {g.keys} ORDER BY period_start
                                             )::BIGINT AS cumulative{split}
        FROM slots LEFT JOIN counts c USING ({g.keys}, period_start)
        LEFT JOIN ({g.starts}) s USING ({g.keys})
        ORDER BY {g.order}, period_start
    """, {"end": (crawl_end(conn) or pd.Timestamp("1970-01-01")).date()})


def release_names(conn: Conn) -> list[str]:
    """The releases with a root in the crawl, configured or discovered, oldest first."""
    return query(conn, "SELECT release FROM lineage_release_dates ORDER BY released, release"
                 )["release"].tolist()


def aligned(conn: Conn, releases: Sequence[str] | None = None, days: int = 90) -> pd.DataFrame:
    """Derivatives of each release by day since its announcement (day 0), days 0 to `days`.

    Columns: release, family, released, day, new_derivatives, cumulative, observed (false for
    days after the crawl's end: the curve stops being data there). A repo created before the
    announcement (early uploads) counts on day 0. Releases default to every one with a root in
    the crawl, discovered ones included (day 0: their first root's creation).
    """
    known = release_names(conn)
    releases = list(dict.fromkeys(releases or known))
    unknown = [r for r in releases if r not in known]
    if unknown:
        raise AnalysisError(f"unknown release {unknown[0]!r}; the crawl has: "
                            f"{', '.join(known)}")
    if days < 0:
        raise AnalysisError(f"days must be at least 0, not {days}")
    g = grouping("release")
    return query(conn, f"""
        WITH picked AS (
            SELECT family, release, released FROM lineage_release_dates
            WHERE list_contains($releases, release)
        ),
        d AS ({DERIVATIVES.format(keys=g.keys, view=g.view)}),
        per_day AS (
            SELECT family, release,
                   greatest(date_diff('day', p.released, d.created), 0) AS day, count(*) AS new
            FROM d JOIN picked p USING (family, release)
            GROUP BY ALL
        ),
        grid AS (SELECT p.*, unnest(range(0, $days + 1)) AS day FROM picked p)
        SELECT release, family, released, day, coalesce(n.new, 0) AS new_derivatives,
               sum(coalesce(n.new, 0)) OVER (PARTITION BY family, release ORDER BY day
                                             )::BIGINT AS cumulative,
               released + day::INTEGER <= coalesce($end, released + day::INTEGER) AS observed
        FROM grid LEFT JOIN per_day n USING (family, release, day)
        ORDER BY list_position($releases, release), family, day
    """, {"releases": releases, "days": days, "end": _end_date(conn)})


def aligned_summary(curves: pd.DataFrame, at: Sequence[int] = WINDOWS) -> pd.DataFrame:
    """From an `aligned` frame: each release's derivatives by day 7, 30, 90 … (one column per
    day in `at`; missing where the curve was not followed that far or the crawl ended before),
    with whether the release was discovered."""
    heads = [c for c in ("release", "discovered", "family", "released") if c in curves]
    rows = []
    for group, curve in curves.groupby(heads, sort=False):
        row = dict(zip(heads, group, strict=True))
        for day in at:
            point = curve[(curve["day"] == day) & curve["observed"]]
            row[f"by_day_{day}"] = int(point["cumulative"].iloc[0]) if len(point) else None
        rows.append(row)
    return pd.DataFrame(rows, columns=[*heads, *(f"by_day_{d}" for d in at)])


def windows(conn: Conn, sizes: Sequence[int] = WINDOWS) -> pd.DataFrame:
    """Derivatives created in the `size` days before each event and from its day on.

    One row per (event, family, window): before counts [date - size, date), after counts
    [date, date + size). An event tied to a family is counted in that family; an event without
    one (OSAID 1.0) in every family. complete is false when the after-window runs past the
    crawl's end; change is after / before (missing when before is 0).
    """
    sizes = sorted({int(s) for s in sizes})
    if not sizes or sizes[0] < 1:
        raise AnalysisError(f"windows are whole days of at least 1, not {sizes}")
    g = grouping("family")
    return query(conn, f"""
        WITH d AS ({DERIVATIVES.format(keys=g.keys, view=g.view)}),
        scoped AS (
            SELECT e.name AS event, e.date, e.kind, f.family, w.size AS window
            FROM timeline_events e
            JOIN lineage_families f ON e.family IS NULL OR e.family = f.family
            CROSS JOIN (SELECT unnest($sizes) AS size) w
        )
        SELECT s.event, s.date, s.kind, s.family, s.window,
               count(d.model_id) FILTER (d.created < s.date) AS before,
               count(d.model_id) FILTER (d.created >= s.date) AS after,
               count(d.model_id) FILTER (d.created >= s.date)
                   / nullif(count(d.model_id) FILTER (d.created < s.date), 0) AS change,
               s.date + s.window <= coalesce($end, s.date + s.window) AS complete
        FROM scoped s
        LEFT JOIN d ON d.family = s.family
                   AND d.created >= s.date - s.window AND d.created < s.date + s.window
        GROUP BY ALL
        ORDER BY s.date, s.kind DESC, s.event, s.family, s.window
    """, {"sizes": sizes, "end": _end_date(conn)})


def windows_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A `windows` frame with one row per (event, family): before_7, after_7, before_30 …"""
    if frame.empty:
        return frame
    wide = frame.pivot_table(index=["event", "date", "family"], columns="window",
                             values=["before", "after"], sort=False, aggfunc="first")
    wide.columns = [f"{side}_{size}" for side, size in wide.columns]
    ordered = [f"{side}_{size}" for size in sorted(frame["window"].unique())
               for side in ("before", "after")]
    return wide[ordered].astype("int64").reset_index()


VIEWS = ("windows", "aligned", "weekly", "daily", "monthly", "events")
PERIOD_VIEWS: dict[str, Period] = {"weekly": "week", "daily": "day", "monthly": "month"}


def view(conn: Conn, name: str, releases: Sequence[str] | None = None, days: int = 90,
         sizes: Sequence[int] = WINDOWS, level: Level = "family", wide: bool = False
         ) -> pd.DataFrame:
    """The frame `hf-lineage timeline --view NAME` shows; wide gives the terminal layouts
    (windows one row per event and family, aligned curves summed up at the window days)."""
    if name == "aligned":
        curves = aligned(conn, releases, days)
        return aligned_summary(curves, [d for d in sizes if d <= days]) if wide else curves
    if name == "windows":
        frame = windows(conn, sizes)
        return windows_table(frame) if wide else frame
    if name in PERIOD_VIEWS:
        return new_derivatives(conn, level, PERIOD_VIEWS[name])
    if name == "events":
        return events(conn)
    raise AnalysisError(f"view must be one of {VIEWS}, not {name!r}")


def chart(conn: Conn, name: str, releases: Sequence[str] | None = None, days: int = 90) -> str:
    """The view's chart as SVG: the aligned curves, else weekly derivatives with the events."""
    from analysis import charts
    from analysis.source import describe

    if name == "aligned":
        return charts.aligned(aligned(conn, releases, days), source=describe(conn))
    labels = dict(conn.execute("SELECT family, label FROM lineage_families").fetchall())
    return charts.timeline(new_derivatives(conn, "family", "week"), events(conn), labels,
                           source=describe(conn))
