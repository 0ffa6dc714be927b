"""Downloads over time, from the `snapshots` table: every crawl that reads counts adds a row per
model it lists, so scheduled crawls build a series; every imported snapshot of the Hub's listing
adds one per model at its own date (`hf-lineage import hub-stats`), so the series reaches back to
the oldest snapshot. Runs are taken in the order of their dates, not of their ids: a snapshot
imported after newer ones takes its place by date.

Crawls differ in what they list: a family or full crawl lists every model, an incremental crawl
only the models that changed (all of them with --refresh-counts). Summing each crawl's rows would
read a short incremental crawl as a collapse, so a group's figure at a crawl is the sum of each
member's latest count known by then (its own row at that crawl, else its row at the crawl
before): `observed` says how many members that crawl actually listed. Counts are the Hub's
30-day downloads, so each point is "downloads in the 30 days before that crawl", not a running
total (see metrics.DOWNLOADS_CAVEAT).
"""

from __future__ import annotations

import pandas as pd

from analysis.groups import Conn, Level, grouping, query


def crawls(conn: Conn) -> pd.DataFrame:
    """The crawls (and imported snapshots) the series rests on, by date: run_id, taken_at (its
    first snapshot), models counted."""
    return query(conn, """
        SELECT run_id, min(taken_at) AS taken_at, count(*) AS models
        FROM snapshots WHERE downloads IS NOT NULL
        GROUP BY run_id ORDER BY taken_at, run_id
    """)


def series(conn: Conn, level: Level = "family") -> pd.DataFrame:
    """Per group and crawl: downloads of all its models and of its descendants (each member's
    latest count known at that crawl), members observed by that crawl, members known so far."""
    g = grouping(level)
    return query(conn, f"""
        WITH runs AS (
            SELECT run_id, min(taken_at) AS taken_at FROM snapshots
            WHERE downloads IS NOT NULL GROUP BY run_id
        ),
        steps AS (
            SELECT s.model_id, s.run_id,
                   s.downloads - coalesce(lag(s.downloads) OVER w, 0) AS delta,
                   lag(s.downloads) OVER w IS NULL AS first_count
            FROM snapshots s JOIN runs r USING (run_id) WHERE s.downloads IS NOT NULL
            WINDOW w AS (PARTITION BY s.model_id ORDER BY r.taken_at, s.run_id)
        ),
        per_run AS (
            SELECT {g.keys}, s.run_id, sum(s.delta) AS delta,
                   coalesce(sum(s.delta) FILTER (gm.depth > 0), 0) AS descendant_delta,
                   count(*) AS observed, count(*) FILTER (s.first_count) AS newly_known
            FROM steps s JOIN {g.view} gm USING (model_id)
            GROUP BY ALL
        ),
        grid AS (SELECT * FROM (SELECT DISTINCT {g.keys} FROM per_run) CROSS JOIN runs)
        SELECT {g.keys}, run_id, taken_at,
               sum(coalesce(delta, 0)) OVER w::BIGINT AS downloads,
               sum(coalesce(descendant_delta, 0)) OVER w::BIGINT AS descendant_downloads,
               coalesce(observed, 0) AS observed,
               sum(coalesce(newly_known, 0)) OVER w::BIGINT AS known
        FROM grid LEFT JOIN per_run USING ({g.keys}, run_id)
        LEFT JOIN ({g.starts}) s USING ({g.keys})
        WINDOW w AS (PARTITION BY {", ".join(f"grid.{k}" for k in g.columns)}
                     ORDER BY taken_at, run_id)
        ORDER BY {g.order}, taken_at, run_id
    """)


def span(conn: Conn) -> str:
    """One sentence on what the series rests on, for the report and the CLI."""
    runs = crawls(conn)
    if runs.empty:
        return "No crawl has read download counts yet: there is no series."
    first, last = (pd.Timestamp(runs["taken_at"].iloc[k]).date() for k in (0, -1))
    if len(runs) == 1:
        return (f"The series rests on 1 crawl ({first}): one point, no trend yet. Each later "
                "crawl adds one (incremental crawls with --refresh-counts count every model).")
    return (f"The series rests on {len(runs)} crawls, from {first} to {last}; a model a crawl "
            "did not list keeps its count from the crawl before.")
