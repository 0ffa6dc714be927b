"""Where a crawl database's data came from, said wherever its figures are shown.

A report, a notebook or a chart made from the demo's generated Hub must never pass for a finding
about the real Hub. Each crawl run records the endpoint it read and, when that endpoint was a
stand-in for the Hub, what it said it is (`crawl_runs.endpoint`, `crawl_runs.stand_in`: the
Hub double says so on every answer). `describe` gathers them with the crawl dates into one
sentence: the report's header, the Markdown summary, the notebooks and the footer drawn inside
every chart (analysis.charts) carry it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from hf_lineage.printable import printable

SYNTHETIC_WARNING = "not the real Hub"


@dataclass(frozen=True)
class Source:
    """The crawls behind a database: endpoints, stand-ins, dates."""

    endpoints: tuple[str, ...]
    stand_ins: tuple[str, ...]  # what stand-in endpoints said they are (none: the real Hub)
    first: datetime | None
    last: datetime | None
    crawls: int
    unrecorded: int  # runs recorded before crawl_runs kept the endpoint (schema version 8)

    @property
    def stand_in(self) -> bool:
        """Whether any crawl read a stand-in for the Hub (the Hub double)."""
        return bool(self.stand_ins)

    def line(self) -> str:
        """One sentence naming the data: what was crawled, from where, when."""
        if not self.crawls:
            return "Data: no crawl is recorded in this database."
        what = "; ".join(self.stand_ins) + f", {SYNTHETIC_WARNING}" if self.stand_in else \
            "the Hugging Face Hub"
        where = ", ".join(self.endpoints) or "an endpoint not recorded"
        if self.unrecorded and self.endpoints:
            where += f" (and {self.unrecorded:,} earlier crawls whose endpoint was not recorded)"
        first, last = (f"{t:%Y-%m-%d}" if t else "?" for t in (self.first, self.last))
        when = f"on {first}" if first == last else f"from {first} to {last}"
        noun = "crawl" if self.crawls == 1 else "crawls"
        return printable(f"Data: {what}; crawled from {where} {when} ({self.crawls:,} {noun}).")


def describe(conn: duckdb.DuckDBPyConnection) -> Source:
    """The Source of the database on `conn` (a database from before version 8 has no
    endpoint columns: its crawls count as unrecorded)."""
    columns = {row[0] for row in conn.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'crawl_runs' "
        "AND NOT internal").fetchall()}
    recorded = {"endpoint", "stand_in"} <= columns
    endpoint, stand_in = ("endpoint", "stand_in") if recorded else ("NULL", "NULL")
    rows = conn.execute(f"""
        SELECT {endpoint}::VARCHAR, {stand_in}::VARCHAR, started_at, ended_at
        FROM crawl_runs WHERE mode <> 'infer' ORDER BY run_id
    """).fetchall()
    times = [t for row in rows for t in row[2:] if t is not None]
    return Source(
        endpoints=tuple(dict.fromkeys(row[0] for row in rows if row[0])),
        stand_ins=tuple(dict.fromkeys(row[1] for row in rows if row[1])),
        first=min(times, default=None), last=max(times, default=None), crawls=len(rows),
        unrecorded=sum(1 for row in rows if row[0] is None))
